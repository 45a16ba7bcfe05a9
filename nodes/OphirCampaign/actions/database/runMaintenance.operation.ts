import type { INodeProperties } from 'n8n-workflow';

import { applyRetention, HOT_TABLES, runMaintenance } from '../../../core/db';
import { FROM_VERSION_2, shownOnly, VERSION_1 } from '../../../shared/locators';
import { combineOutcomes, forEachOrganization } from '../../../core/outreach';
import type { NumberInput } from '../../../core/validation';
import {
	lanesOf,
	organizationScopeOf,
	organizationsFieldsFromVersion2,
	organizationsOf,
} from '../../../shared/organizationScope';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [
	...organizationsFieldsFromVersion2,
	// Version 1 runs for the credential's organization only; its notice stays as released.
	...(
		[
			[VERSION_1, "this credential's organization's rows"],
			[FROM_VERSION_2, 'the rows of the organizations it runs for, each in its own transactions'],
		] as const
	).map(([versions, whose]) =>
		shownOnly(
			{
				displayName: `VACUUM and ANALYZE run as the credential's database user, outside any transaction, and need it to own the OPhir tables; a table PostgreSQL skips is reported in "warnings" instead of failing. Retention deletes only ${whose}; campaign statistics never change.`,
				name: 'runMaintenanceNotice',
				type: 'notice',
				default: '',
			},
			versions,
		),
	),
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

export const execute: OperationExecute = async function (context) {
	const { pool, tenant, params } = context;
	const options = params.collection('retentionOptions');
	const retention = params.raw<boolean>('retention', false)
		? {
				olderThanDays: params.raw<NumberInput>('retentionDays', 180),
				batchSize: options.batchSize as NumberInput | undefined,
				maxBatches: options.maxBatches as NumberInput | undefined,
			}
		: undefined;
	const tables = {
		vacuum: params.raw<boolean>('vacuum', true),
		analyze: params.raw<boolean>('analyze', true),
		tables: params.raw<string[]>('tables', [...HOT_TABLES]),
	};
	if (organizationScopeOf(context) === 'this') return runMaintenance({ pool, tenant }, { ...tables, retention });
	// Retention deletes rows of one organization at a time, in its own transactions; VACUUM and ANALYZE are for the
	// whole database, so they run once.
	const organizations = retention ? await organizationsOf(context) : [];
	const outcomes = await forEachOrganization(
		organizations,
		(organization) => applyRetention(organization.run, retention!),
		lanesOf(context),
	);
	const result = await runMaintenance({ pool, tenant }, tables);
	const unfinished = outcomes.filter((outcome) => outcome.error || !outcome.result.complete);
	return {
		...result,
		ok: result.ok && unfinished.length === 0,
		retention: retention
			? {
					enabled: true,
					...combineOutcomes(outcomes, { summed: ['deletedQueueRows', 'deletedActivities', 'batches'] }),
				}
			: { enabled: false },
		warnings: [
			...result.warnings,
			...unfinished.map(({ organization, error }) =>
				error
					? `Retention failed for ${organization.name} (${organization.id}): ${error.message}`
					: `Retention stopped for ${organization.name} (${organization.id}) with old rows left: the next run continues (or raise Max Batches).`,
			),
		],
	};
};
