import type { INodeProperties } from 'n8n-workflow';

import { CAMPAIGN_STATUSES, type CampaignStatus, listCampaigns } from '../../../core/outreach';
import { fetchList, optionsOf } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { listFields } from '../common';

export const description: INodeProperties[] = [
	{
		displayName: 'Status',
		name: 'status',
		type: 'options',
		options: [{ name: 'Any', value: '' }, ...optionsOf(CAMPAIGN_STATUSES)],
		default: '',
	},
	...listFields,
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const status = (params.optionalString('status') as CampaignStatus | undefined) ?? undefined;
	const campaigns = await fetchList(params, (page) => tenant((tx) => listCampaigns(tx, { ...page, status })));
	return campaigns;
};
