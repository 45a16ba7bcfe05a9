import type { INodeProperties } from 'n8n-workflow';

import { deleteEmailAccount, resolveRecordId } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';

export const description: INodeProperties[] = [
	...recordLocator(
		'emailAccount',
		{
			name: 'accountId',
			displayName: 'Email Account',
			required: true,
			description: 'A mailbox that has sent emails cannot be deleted (its statistics would go); pause it instead',
		},
		ID_PLACEHOLDER,
	),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const ref = params.ref('accountId', 'Email Account');
	return tenant(async (tx) => deleteEmailAccount(tx, await resolveRecordId(tx, 'emailAccount', ref)));
};
