import type { INodeProperties } from 'n8n-workflow';

import { type Operation, resourceDescription } from '../../../shared/operations';
import * as applyMigrations from './applyMigrations.operation';
import * as getHealth from './getHealth.operation';
import * as getSchemaStatus from './getSchemaStatus.operation';
import * as runMaintenance from './runMaintenance.operation';

export const operations: Record<string, Operation> = { applyMigrations, getHealth, getSchemaStatus, runMaintenance };

export const description: INodeProperties[] = resourceDescription('database', operations, 'getSchemaStatus', [
	{
		name: 'Apply Migrations',
		value: 'applyMigrations',
		description: 'Install or upgrade the OPhir schema in this database',
		action: 'Apply migrations',
	},
	{
		name: 'Get Health',
		value: 'getHealth',
		description:
			'Report pool usage, table sizes and growth, index usage, slow statements and queue lag, with warnings to alert on',
		action: 'Get database health',
	},
	{
		name: 'Get Schema Status',
		value: 'getSchemaStatus',
		description: 'Report the installed schema version and any pending migrations',
		action: 'Get schema status',
	},
	{
		name: 'Run Maintenance',
		value: 'runMaintenance',
		description: 'VACUUM and ANALYZE the busiest tables, and optionally delete old queue rows and activities',
		action: 'Run database maintenance',
	},
]);
