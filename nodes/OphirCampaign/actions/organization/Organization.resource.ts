import type { INodeProperties } from 'n8n-workflow';

import { type Operation, resourceDescription } from '../../../shared/operations';
import * as create from './create.operation';
import * as get from './get.operation';
import * as list from './list.operation';
import * as update from './update.operation';

export const operations: Record<string, Operation> = { create, get, list, update };

export const description: INodeProperties[] = resourceDescription('organization', operations, 'list', [
	{
		name: 'Create',
		value: 'create',
		description: 'Create a tenant (system organization only)',
		action: 'Create an organization',
	},
	{
		name: 'Get',
		value: 'get',
		description: 'Get an organization with its quotas and their usage',
		action: 'Get an organization',
	},
	{
		name: 'Get Many',
		value: 'list',
		description: 'List organizations visible to this credential',
		action: 'Get many organizations',
	},
	{
		name: 'Update',
		value: 'update',
		description: 'Rename an organization, change its plan or set its quotas (system organization only)',
		action: 'Update an organization',
	},
]);
