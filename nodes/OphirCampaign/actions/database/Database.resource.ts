import type { INodeProperties } from 'n8n-workflow';

import { type Operation, showFor } from '../../../shared/operations';
import * as applyMigrations from './applyMigrations.operation';
import * as getSchemaStatus from './getSchemaStatus.operation';

export const operations: Record<string, Operation> = { applyMigrations, getSchemaStatus };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['database'] } },
		options: [
			{
				name: 'Apply Migrations',
				value: 'applyMigrations',
				description: 'Install or upgrade the OPhir schema in this database',
				action: 'Apply migrations',
			},
			{
				name: 'Get Schema Status',
				value: 'getSchemaStatus',
				description: 'Report the installed schema version and any pending migrations',
				action: 'Get schema status',
			},
		],
		default: 'getSchemaStatus',
	},
	...Object.entries(operations).flatMap(([name, operation]) => showFor('database', [name], operation.description)),
];
