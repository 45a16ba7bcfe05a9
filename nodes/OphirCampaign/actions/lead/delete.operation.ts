import type { INodeProperties } from 'n8n-workflow';

import { eraseLeads } from '../../../core/outreach';
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
	{
		displayName: 'Lead ID',
		name: 'leadId',
		type: 'string',
		required: true,
		default: '',
		displayOptions: { show: { by: ['id'] } },
	},
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
	const by =
		params.raw<string>('by', 'id') === 'email'
			? { email: params.string('email', 'Email') }
			: { id: params.uuid('leadId', 'Lead ID') };
	return tenant((tx) => eraseLeads(tx, by));
};
