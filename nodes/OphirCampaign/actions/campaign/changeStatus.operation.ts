import type { INodeProperties } from 'n8n-workflow';

import { type CampaignAction, resolveRecordId, transitionCampaign } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';

/** Activate, Pause, Resume, Complete and Archive: the same operation with a different move. */
export function changeStatus(action: CampaignAction) {
	const description: INodeProperties[] = [
		...recordLocator('campaign', { name: 'campaignId', displayName: 'Campaign', required: true }, ID_PLACEHOLDER),
	];
	const execute: OperationExecute = async function ({ params, tenant }) {
		const ref = params.ref('campaignId', 'Campaign');
		return tenant(async (tx) => transitionCampaign(tx, await resolveRecordId(tx, 'campaign', ref), action));
	};
	return { description, execute };
}
