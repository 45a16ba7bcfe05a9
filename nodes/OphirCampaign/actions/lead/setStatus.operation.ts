import type { INodeProperties } from 'n8n-workflow';

import { LEAD_STATUSES, setLeadStatus } from '../../../core/outreach';
import { optionsOf } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [
	idField('leadId', 'Lead ID'),
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
	const id = params.uuid('leadId', 'Lead ID');
	const status = params.string('status', 'Status');
	return tenant((tx) => setLeadStatus(tx, id, status));
};
