import type { INodeProperties } from 'n8n-workflow';

import { LEAD_STATUSES, type LeadStatus, listLeads } from '../../../core/outreach';
import { fetchList, optionsOf } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { listFields } from '../common';

export const description: INodeProperties[] = [
	...listFields,
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{ displayName: 'Campaign ID', name: 'campaignId', type: 'string', default: '' },
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				placeholder: 'name@email.com',
				default: '',
				description: 'Exact address',
			},
			{
				displayName: 'Search',
				name: 'search',
				type: 'string',
				default: '',
				description: 'Part of the address, a name or the company',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: optionsOf(LEAD_STATUSES),
				default: 'active',
			},
			{ displayName: 'Tag', name: 'tag', type: 'string', default: '' },
		],
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const filters = params.collection('filters');
	const campaignId = filters.campaignId ? params.uuid('filters.campaignId', 'Campaign ID') : undefined;
	const filter = {
		campaignId,
		email: filters.email as string | undefined,
		search: filters.search as string | undefined,
		status: filters.status as LeadStatus | undefined,
		tag: filters.tag as string | undefined,
	};
	return fetchList(params, (page) => tenant((tx) => listLeads(tx, { ...filter, ...page })));
};
