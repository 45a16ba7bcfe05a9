import type { INodeProperties } from 'n8n-workflow';

import { deleteCampaign, resolveRecordId } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';

export const description: INodeProperties[] = [
	...recordLocator(
		'campaign',
		{
			name: 'campaignId',
			displayName: 'Campaign',
			required: true,
			description: 'Only draft campaigns can be deleted (with the leads imported into them); archive others',
		},
		ID_PLACEHOLDER,
	),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const ref = params.ref('campaignId', 'Campaign');
	return tenant(async (tx) => deleteCampaign(tx, await resolveRecordId(tx, 'campaign', ref)));
};
