import type { INodeProperties } from 'n8n-workflow';

import { CAMPAIGN_STATUSES, type CampaignStatus, listCampaigns } from '../../../core/outreach';
import { fetchList, optionsOf } from '../../../shared/parameters';
import { FROM_VERSION_2, shownOnly, VERSION_1 } from '../../../shared/locators';
import type { OperationExecute } from '../../../shared/runPerItem';
import { listFields } from '../common';

export const description: INodeProperties[] = [
	shownOnly(
		{
			displayName: 'Statuses',
			name: 'statuses',
			type: 'multiOptions',
			options: optionsOf(CAMPAIGN_STATUSES),
			default: [],
			description: 'Campaigns in any of these statuses; none for all',
		},
		FROM_VERSION_2,
	),
	shownOnly(
		{
			displayName: 'Status',
			name: 'status',
			type: 'options',
			options: [{ name: 'Any', value: '' }, ...optionsOf(CAMPAIGN_STATUSES)],
			default: '',
		},
		VERSION_1,
	),
	...listFields,
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const status =
		params.raw<CampaignStatus[] | undefined>('statuses', undefined) ??
		(params.optionalString('status') as CampaignStatus | undefined);
	const campaigns = await fetchList(params, (page) => tenant((tx) => listCampaigns(tx, { ...page, status })));
	return campaigns;
};
