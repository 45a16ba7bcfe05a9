import type { INodeProperties } from 'n8n-workflow';

import { eraseLeads, resolveRecordId } from '../../../core/outreach';
import { recordLocator } from '../../../shared/locators';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName:
			'GDPR erasure: deletes the lead with its queued and sent emails and its tracking events. An unsubscribed address stays on the suppression list so it is never emailed again.',
		name: 'eraseNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Delete By',
		name: 'by',
		type: 'options',
		options: [
			{ name: 'Lead ID', value: 'id', description: 'One lead' },
			{ name: 'Email', value: 'email', description: 'Every lead with this address, in all campaigns' },
		],
		default: 'id',
	},
	...recordLocator('lead', {
		name: 'leadId',
		displayName: 'Lead',
		required: true,
		displayOptions: { show: { by: ['id'] } },
	}),
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '',
		displayOptions: { show: { by: ['email'] } },
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	if (params.raw<string>('by', 'id') === 'email') {
		const email = params.string('email', 'Email');
		return tenant((tx) => eraseLeads(tx, { email }));
	}
	const ref = params.ref('leadId', 'Lead');
	return tenant(async (tx) => eraseLeads(tx, { id: await resolveRecordId(tx, 'lead', ref) }));
};
