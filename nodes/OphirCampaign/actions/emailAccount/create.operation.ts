import type { INodeProperties } from 'n8n-workflow';

import { createEmailAccount, PROVIDERS, resolveRecordId } from '../../../core/outreach';
import { collectionByVersion, locatorField } from '../../../shared/locators';
import { additionalFieldsField } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { authenticationFields, secretInput, sendingFields, sendingInput, smtpFields } from './fields';

const PROVIDER_NAMES = { smtp: 'SMTP', gmail: 'Gmail (Google Workspace)', outlook: 'Outlook (Microsoft 365)' };

export const description: INodeProperties[] = [
	{ displayName: 'Email', name: 'email', type: 'string', placeholder: 'name@email.com', required: true, default: '' },
	{
		displayName: 'Provider',
		name: 'provider',
		type: 'options',
		options: PROVIDERS.map((value) => ({ name: PROVIDER_NAMES[value], value })),
		default: 'smtp',
		description: "Gmail and Outlook fill in their SMTP servers; SMTP needs the server's host",
	},
	...smtpFields.map((field) => ({ ...field, displayOptions: { show: { provider: ['smtp'] } } })),
	...authenticationFields,
	...collectionByVersion(
		additionalFieldsField([
			...sendingFields,
			locatorField('user', { name: 'userId', displayName: 'Owner', description: 'The OPhir user it belongs to' }),
		]),
		{ displayName: 'Owner (User ID)', name: 'userId', type: 'string', default: '' },
	),
];

export const execute: OperationExecute = async function ({ params, tenant, secretBox }) {
	const provider = params.raw<string>('provider', 'smtp');
	const input = {
		email: params.string('email', 'Email'),
		provider,
		smtp:
			provider === 'smtp'
				? {
						host: params.raw<string>('smtpHost', ''),
						port: params.raw<number>('smtpPort', 587),
						security: params.raw<'tls' | 'starttls' | 'none'>('smtpSecurity', 'starttls'),
						user: params.raw<string>('smtpUser', ''),
					}
				: undefined,
		...secretInput(params),
		...sendingInput(params, 'additionalFields'),
	};
	const owner = params.optionalRef('additionalFields.userId', 'Owner', 'Owner (User ID)');
	const box = secretBox();
	return tenant(async (tx) =>
		createEmailAccount(tx, box, { ...input, userId: owner && (await resolveRecordId(tx, 'user', owner)) }),
	);
};
