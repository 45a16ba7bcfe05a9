import type { INodeProperties } from 'n8n-workflow';

import { LEAD_STATUSES, resolveRecordId, setLeadStatus } from '../../../core/outreach';
import { optionsOf } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';

export const description: INodeProperties[] = [
	...recordLocator('lead', { name: 'leadId', displayName: 'Lead', required: true }, ID_PLACEHOLDER),
	{
		displayName: 'Status',
		name: 'status',
		type: 'options',
		options: optionsOf(LEAD_STATUSES),
		default: 'paused',
		description: 'Any status but Active takes the lead out of its sequence and cancels what is queued for it',
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const ref = params.ref('leadId', 'Lead');
	const status = params.string('status', 'Status');
	return tenant(async (tx) => setLeadStatus(tx, await resolveRecordId(tx, 'lead', ref), status));
};
