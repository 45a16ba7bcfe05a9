import type { INodeProperties } from 'n8n-workflow';

import { databaseHealth, queueHealth } from '../../../core/db';
import { forEachOrganization, organizationWithQuotas } from '../../../core/outreach';
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
	{
		displayName:
			'Outputs one item: connection pool, table sizes and growth since the previous run, dead rows, index usage, ' +
			"the slowest statements (when pg_stat_statements is installed) and the queue lag of this credential's organization. " +
			'"healthy" is false when "warnings" lists something to act on: route it with an IF node to an alert.',
		name: 'getHealthNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Options',
		name: 'healthOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Big Table Rows',
				name: 'bigTableRows',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10000,
				description:
					'Tables with at least this many rows get a missing-index hint when read mostly by sequential scans',
			},
			{
				displayName: 'Max Queue Lag (Minutes)',
				name: 'maxQueueLagMinutes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 60,
				description: 'Warn when the oldest due email has waited longer than this while a mailbox could still send it',
			},
			{
				displayName: 'Record Snapshot',
				name: 'recordSnapshot',
				type: 'boolean',
				default: true,
				description: 'Whether to remember table sizes so the next run reports growth since this one',
			},
			{
				displayName: 'Slow Statements',
				name: 'slowStatements',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100 },
				default: 10,
				description: 'How many of the slowest statements to list (needs pg_stat_statements)',
			},
		],
	},
];

export const execute: OperationExecute = async function (context) {
	const { pool, credentials, tenant, params } = context;
	const options = params.collection('healthOptions');
	const health = await databaseHealth(
		{ pool, settings: credentials.database, tenant },
		{
			bigTableRows: options.bigTableRows as NumberInput | undefined,
			maxQueueLagMinutes: options.maxQueueLagMinutes as NumberInput | undefined,
			slowStatements: options.slowStatements as NumberInput | undefined,
			recordSnapshot: options.recordSnapshot === undefined ? true : Boolean(options.recordSnapshot),
		},
	);
	if (organizationScopeOf(context) === 'this') {
		return { ...health, organization: await tenant((tx) => organizationWithQuotas(tx)) };
	}
	// The database is shared; each organization's quotas, usage and queue are read in its own transactions, and a
	// client's stuck or lagging queue makes the whole report unhealthy, named.
	const outcomes = await forEachOrganization(
		await organizationsOf(context),
		async (organization) => ({
			...(await organization.run((tx) => organizationWithQuotas(tx))),
			...(await queueHealth(organization.run, {
				maxQueueLagMinutes: options.maxQueueLagMinutes as NumberInput | undefined,
			})),
		}),
		lanesOf(context),
	);
	const warnings = [
		...health.warnings,
		...outcomes.flatMap(({ organization, result, error }) =>
			organization.id === credentials.organizationId
				? []
				: error
					? [`${organization.name}: its health could not be read (${error.message})`]
					: result.warnings.map((warning) => `${organization.name}: ${warning}`),
		),
	];
	return {
		...health,
		healthy: warnings.length === 0,
		warnings,
		failedOrganizations: outcomes.filter((outcome) => outcome.error).length,
		organizations: outcomes.map(({ organization, result, error }) =>
			error ? { id: organization.id, name: organization.name, error: error.message } : result,
		),
	};
};
