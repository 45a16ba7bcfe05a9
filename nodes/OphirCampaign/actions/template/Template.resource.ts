import type { INodeProperties } from 'n8n-workflow';

import { type Operation, resourceDescription } from '../../../shared/operations';
import * as create from './create.operation';
import * as deleteTemplate from './delete.operation';
import * as get from './get.operation';
import * as list from './list.operation';
import * as preview from './preview.operation';
import * as update from './update.operation';

export const operations: Record<string, Operation> = { create, get, list, update, delete: deleteTemplate, preview };

export const description: INodeProperties[] = resourceDescription('template', operations, 'create', [
	{ name: 'Create', value: 'create', description: 'Create an email template', action: 'Create a template' },
	{ name: 'Delete', value: 'delete', description: 'Delete a template no campaign uses', action: 'Delete a template' },
	{ name: 'Get', value: 'get', description: 'Get a template', action: 'Get a template' },
	{ name: 'Get Many', value: 'list', description: 'List templates', action: 'Get many templates' },
	{
		name: 'Preview',
		value: 'preview',
		description: 'Render a template for a sample lead',
		action: 'Preview a template',
	},
	{ name: 'Update', value: 'update', description: 'Change a template', action: 'Update a template' },
]);
