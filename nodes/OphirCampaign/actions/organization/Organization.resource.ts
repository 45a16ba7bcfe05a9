import type { INodeProperties } from 'n8n-workflow';

import { type Operation, resourceDescription } from '../../../shared/operations';
import * as create from './create.operation';
import * as get from './get.operation';
import * as list from './list.operation';
import * as rotateTrackingSecret from './rotateTrackingSecret.operation';
import * as update from './update.operation';

export const operations: Record<string, Operation> = { create, get, list, rotateTrackingSecret, update };

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
		name: 'Rotate Tracking Secret',
		value: 'rotateTrackingSecret',
		description: 'Give the organization a new tracking secret; links already sent keep working for a while',
		action: 'Rotate an organization tracking secret',
	},
	{
		name: 'Update',
		value: 'update',
		description: 'Rename an organization, change its plan or set its quotas (system organization only)',
		action: 'Update an organization',
	},
]);
