import type { INodeProperties } from 'n8n-workflow';

import { LEAD_STATUSES, type LeadStatus, listLeads } from '../../../core/outreach';
import { fetchList, filtersField, optionsOf } from '../../../shared/parameters';
import { FROM_VERSION_2, listedRecords, shownOnly, VERSION_1 } from '../../../shared/locators';
import type { OperationExecute } from '../../../shared/runPerItem';
import { listFields } from '../common';

const email: INodeProperties = {
	displayName: 'Email',
	name: 'email',
	type: 'string',
	placeholder: 'name@email.com',
	default: '',
	description: 'Exact address',
};
const search: INodeProperties = {
	displayName: 'Search',
	name: 'search',
	type: 'string',
	default: '',
	description: 'Part of the address, a name or the company',
};
const tag: INodeProperties = { displayName: 'Tag', name: 'tag', type: 'string', default: '' };

export const description: INodeProperties[] = [
	...listFields,
	shownOnly(
		filtersField([
			listedRecords('campaign', { name: 'campaignIds', displayName: 'Campaign Names or IDs' }, { multiple: true }),
			email,
			search,
			{
				displayName: 'Statuses',
				name: 'statuses',
				type: 'multiOptions',
				options: optionsOf(LEAD_STATUSES),
				default: [],
				description: 'Leads in any of these statuses',
			},
			tag,
		]),
		FROM_VERSION_2,
	),
	shownOnly(
		filtersField([
			{ displayName: 'Campaign ID', name: 'campaignId', type: 'string', default: '' },
			email,
			search,
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: optionsOf(LEAD_STATUSES),
				default: 'active',
			},
			tag,
		]),
		VERSION_1,
	),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const given = params.collection('filters');
	// Version 1 filters by one campaign (ID text) and one status; version 2 by several of each.
	const version1Campaign = given.campaignId ? params.uuid('filters.campaignId', 'Campaign ID') : undefined;
	const filter = {
		campaignId: (given.campaignIds as string[] | undefined) ?? version1Campaign,
		email: given.email as string | undefined,
		search: given.search as string | undefined,
		status: (given.statuses ?? given.status) as LeadStatus | LeadStatus[] | undefined,
		tag: given.tag as string | undefined,
	};
	return fetchList(params, (page) => tenant((tx) => listLeads(tx, { ...filter, ...page })));
};
