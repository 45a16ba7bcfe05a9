import type { INodeProperties } from 'n8n-workflow';

import { deleteEmailAccount } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [
	idField(
		'accountId',
		'Email Account ID',
		'A mailbox that has sent emails cannot be deleted (its statistics would go); pause it instead',
	),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('accountId', 'Email Account ID');
	return tenant((tx) => deleteEmailAccount(tx, id));
};
