import type { INodeProperties } from 'n8n-workflow';

import { resolveRecordId, saveLead } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { campaignIdField, leadFields, leadInput } from './fields';

export const description: INodeProperties[] = [
	...campaignIdField,
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '',
		description: 'The lead is matched by this address (case-insensitive) within the campaign',
	},
	leadFields,
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const campaign = params.optionalRef('campaignId', 'Campaign');
	const input = leadInput(params);
	const { lead, action } = await tenant(async (tx) =>
		saveLead(tx, input, {
			campaignId: campaign && (await resolveRecordId(tx, 'campaign', campaign)),
			onExisting: 'update',
		}),
	);
	return { ...lead, action };
};
