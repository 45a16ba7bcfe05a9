import type { INodeProperties } from 'n8n-workflow';

import { type CampaignAction, transitionCampaign } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

/** Activate, Pause, Resume, Complete and Archive: the same operation with a different move. */
export function changeStatus(action: CampaignAction) {
	const description: INodeProperties[] = [idField('campaignId', 'Campaign ID')];
	const execute: OperationExecute = async function ({ params, tenant }) {
		const id = params.uuid('campaignId', 'Campaign ID');
		return tenant((tx) => transitionCampaign(tx, id, action));
	};
	return { description, execute };
}
