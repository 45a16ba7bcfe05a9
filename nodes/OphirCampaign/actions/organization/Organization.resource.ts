import type { INodeProperties } from 'n8n-workflow';

import { type Operation, showFor } from '../../../shared/operations';
import * as create from './create.operation';
import * as list from './list.operation';

export const operations: Record<string, Operation> = { create, list };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['organization'] } },
		options: [
			{ name: 'Create', value: 'create', description: 'Create a tenant (system organization only)', action: 'Create an organization' },
			{ name: 'Get Many', value: 'list', description: 'List organizations visible to this credential', action: 'Get many organizations' },
		],
		default: 'list',
	},
	...Object.entries(operations).flatMap(([name, operation]) => showFor('organization', [name], operation.description)),
];
