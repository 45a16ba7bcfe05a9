import type { INodeProperties } from 'n8n-workflow';

import { campaignStats, STATS_GROUPS, type StatsGroup } from '../../core/tracking';
import type { OperationExecute } from '../../shared/runPerItem';

const GROUP_NAMES: Record<StatsGroup, string> = {
	campaign: 'Campaign',
	step: 'Step',
	variant: 'Variant',
	account: 'Mailbox',
	day: 'Day',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Group By',
		name: 'groupBy',
		type: 'multiOptions',
		options: STATS_GROUPS.map((value) => ({ name: GROUP_NAMES[value], value })),
		default: ['campaign'],
		description: 'One output item per combination; none for the totals',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{ displayName: 'Campaign ID', name: 'campaignId', type: 'string', default: '' },
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
		],
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const filters = params.collection('filters') as { campaignId?: string; from?: string; to?: string };
	const groupBy = params.raw<StatsGroup[]>('groupBy', ['campaign']);
	return tenant((tx) =>
		campaignStats(tx, {
			groupBy,
			campaignId: filters.campaignId || undefined,
			from: filters.from || undefined,
			to: filters.to || undefined,
		}),
	);
};
