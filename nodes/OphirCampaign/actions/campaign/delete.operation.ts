import type { INodeProperties } from 'n8n-workflow';

import { deleteCampaign } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [
	idField(
		'campaignId',
		'Campaign ID',
		'Only draft campaigns can be deleted (with the leads imported into them); archive others',
	),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('campaignId', 'Campaign ID');
	return tenant((tx) => deleteCampaign(tx, id));
};
