import type { INodeProperties } from 'n8n-workflow';

import { getCampaign, resolveRecordId } from '../../../core/outreach';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = recordLocator(
	'campaign',
	{
		name: 'campaignId',
		displayName: 'Campaign',
		required: true,
	},
	ID_PLACEHOLDER,
);

export const execute: OperationExecute = async function ({ params, tenant }) {
	const campaign = params.ref('campaignId', 'Campaign');
	return tenant(async (tx) => getCampaign(tx, await resolveRecordId(tx, 'campaign', campaign)));
};
