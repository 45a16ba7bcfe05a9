import type { INodeProperties } from 'n8n-workflow';

import { HOT_TABLES, runMaintenance } from '../../../core/db';
import type { NumberInput } from '../../../core/validation';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName:
			"VACUUM and ANALYZE run as the credential's database user, outside any transaction, and need it to own the OPhir tables; a table PostgreSQL skips is reported in \"warnings\" instead of failing. Retention deletes only this credential's organization's rows; campaign statistics never change.",
		name: 'runMaintenanceNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Vacuum',
		name: 'vacuum',
		type: 'boolean',
		default: true,
		description:
			'Whether to VACUUM the tables (reclaims the space of deleted and updated rows without blocking reads or writes)',
	},
	{
		displayName: 'Analyze',
		name: 'analyze',
		type: 'boolean',
		default: true,
		description: 'Whether to ANALYZE the tables (refreshes the statistics the query planner uses)',
	},
	{
		displayName: 'Tables',
		name: 'tables',
		type: 'multiOptions',
		options: HOT_TABLES.map((table) => ({ name: table, value: table })),
		default: [...HOT_TABLES],
		description: 'The tables to vacuum and analyze',
	},
	{
		displayName: 'Delete Old Rows (Retention)',
		name: 'retention',
		type: 'boolean',
		default: false,
		description:
			'Whether to delete sent, failed and cancelled queue rows and raw activities older than Retention Days, in small batches (campaign statistics are kept)',
	},
	{
		displayName: 'Retention Days',
		name: 'retentionDays',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 180,
		description: 'Rows older than this many days are deleted',
		displayOptions: { show: { retention: [true] } },
	},
	{
		displayName: 'Retention Options',
		name: 'retentionOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { retention: [true] } },
		options: [
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 10000 },
				default: 500,
				description: 'Rows deleted per short transaction',
			},
			{
				displayName: 'Max Batches',
				name: 'maxBatches',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 200,
				description: 'Stop after this many batches; the next run continues',
			},
		],
	},
];

export const execute: OperationExecute = async function ({ pool, tenant, params }) {
	const retention = params.raw<boolean>('retention', false);
	const options = params.collection('retentionOptions');
	return runMaintenance(
		{ pool, tenant },
		{
			vacuum: params.raw<boolean>('vacuum', true),
			analyze: params.raw<boolean>('analyze', true),
			tables: params.raw<string[]>('tables', [...HOT_TABLES]),
			retention: retention
				? {
						olderThanDays: params.raw<NumberInput>('retentionDays', 180),
						batchSize: options.batchSize as NumberInput | undefined,
						maxBatches: options.maxBatches as NumberInput | undefined,
					}
				: undefined,
		},
	);
};
