import type { INodeProperties } from 'n8n-workflow';

import type { SmtpSettings } from '../../../core/sending';
import { resolveRecordId, updateEmailAccount } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';
import { secretInput, secretUpdateFields, sendingFields, sendingInput, smtpFields } from './fields';

export const description: INodeProperties[] = [
	...recordLocator('emailAccount', { name: 'accountId', displayName: 'Email Account', required: true }, ID_PLACEHOLDER),
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [...secretUpdateFields, ...sendingFields, ...smtpFields].sort((a, b) =>
			a.displayName.localeCompare(b.displayName),
		),
	},
];

export const execute: OperationExecute = async function ({ params, tenant, secretBox }) {
	const ref = params.ref('accountId', 'Email Account');
	const fields = params.collection('updateFields');
	const smtp: Partial<SmtpSettings> = {};
	if (fields.smtpHost !== undefined) smtp.host = fields.smtpHost as string;
	if (fields.smtpPort !== undefined) smtp.port = fields.smtpPort as number;
	if (fields.smtpSecurity !== undefined) smtp.security = fields.smtpSecurity as SmtpSettings['security'];
	if (fields.smtpUser !== undefined) smtp.user = fields.smtpUser as string;
	const patch = {
		...sendingInput(params, 'updateFields'),
		...secretInput(params, 'updateFields'),
		smtp: Object.keys(smtp).length > 0 ? smtp : undefined,
	};
	const box = secretBox();
	return tenant(async (tx) => updateEmailAccount(tx, box, await resolveRecordId(tx, 'emailAccount', ref), patch));
};
