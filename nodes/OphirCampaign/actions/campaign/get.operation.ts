import type { INodeProperties } from 'n8n-workflow';

import { getCampaign } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [idField('campaignId', 'Campaign ID')];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('campaignId', 'Campaign ID');
	return tenant((tx) => getCampaign(tx, id));
};
