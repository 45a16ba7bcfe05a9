import type { INodeProperties } from 'n8n-workflow';

import { type Operation, showFor } from '../../../shared/operations';
import * as add from './add.operation';
import * as check from './check.operation';
import * as list from './list.operation';
import * as remove from './remove.operation';

export const operations: Record<string, Operation> = { add, check, list, remove };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['suppression'] } },
		options: [
			{
				name: 'Add',
				value: 'add',
				description: 'Never email an address or domain again, and cancel what is queued for it',
				action: 'Add a suppression',
			},
			{ name: 'Check', value: 'check', description: 'Whether an address may be emailed', action: 'Check an address' },
			{ name: 'Get Many', value: 'list', description: 'List suppressed addresses and domains', action: 'Get many suppressions' },
			{ name: 'Remove', value: 'remove', description: 'Allow an address or domain again', action: 'Remove a suppression' },
		],
		default: 'add',
	},
	...Object.entries(operations).flatMap(([name, operation]) => showFor('suppression', [name], operation.description)),
];
