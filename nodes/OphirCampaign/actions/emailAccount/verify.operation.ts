import type { INodeProperties } from 'n8n-workflow';

import { resolveRecordId, verifyEmailAccount } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';

export const description: INodeProperties[] = [
	...recordLocator(
		'emailAccount',
		{
			name: 'accountId',
			displayName: 'Email Account',
			required: true,
			description: 'Signs in to the SMTP server (nothing is sent) and reports whether it worked',
		},
		ID_PLACEHOLDER,
	),
];

export const execute: OperationExecute = async function ({ params, tenant, secretBox }) {
	const ref = params.ref('accountId', 'Email Account');
	const id = await tenant(async (tx) => resolveRecordId(tx, 'emailAccount', ref));
	// Two short transactions (read, then record) around the network check: none stays open while it runs.
	return verifyEmailAccount(tenant, secretBox(), id);
};
