import type { INodeProperties } from 'n8n-workflow';

import { campaignStats, STATS_GROUPS, type StatsGroup } from '../../core/tracking';
import { FROM_VERSION_2, listedRecords, shownOnly, VERSION_1 } from '../../shared/locators';
import { filtersField } from '../../shared/parameters';
import { organizationsFieldsFromVersion2, rowsForOrganizations } from '../../shared/organizationScope';
import type { OperationExecute } from '../../shared/runPerItem';

const GROUP_NAMES: Record<StatsGroup, string> = {
	campaign: 'Campaign',
	step: 'Step',
	variant: 'Variant',
	account: 'Mailbox',
	day: 'Day',
};

/** The Filters; version 1 named one campaign by ID text, version 2 picks several from a list. */
const filters = (campaign: INodeProperties): INodeProperties =>
	filtersField([
		campaign,
		{
			displayName: 'From Day',
			name: 'from',
			type: 'string',
			default: '',
			placeholder: '2026-11-01',
			description: 'First UTC day included (YYYY-MM-DD)',
		},
		{
			displayName: 'To Day',
			name: 'to',
			type: 'string',
			default: '',
			placeholder: '2026-11-30',
			description: 'Last UTC day included (YYYY-MM-DD)',
		},
	]);

export const description: INodeProperties[] = [
	...organizationsFieldsFromVersion2,
	{
		displayName: 'Group By',
		name: 'groupBy',
		type: 'multiOptions',
		options: STATS_GROUPS.map((value) => ({ name: GROUP_NAMES[value], value })),
		default: ['campaign'],
		description: 'One output item per combination; none for the totals',
	},
	shownOnly(
		filters(
			listedRecords('campaign', { name: 'campaignIds', displayName: 'Campaign Names or IDs' }, { multiple: true }),
		),
		FROM_VERSION_2,
	),
	shownOnly(filters({ displayName: 'Campaign ID', name: 'campaignId', type: 'string', default: '' }), VERSION_1),
];

export const execute: OperationExecute = async function (context) {
	const { params } = context;
	const given = params.collection('filters') as {
		campaignIds?: string[];
		campaignId?: string;
		from?: string;
		to?: string;
	};
	const groupBy = params.raw<StatsGroup[]>('groupBy', ['campaign']);
	return rowsForOrganizations(context, (tenant) =>
		tenant((tx) =>
			campaignStats(tx, {
				groupBy,
				campaignId: given.campaignIds ?? (given.campaignId || undefined),
				from: given.from || undefined,
				to: given.to || undefined,
			}),
		),
	);
};
