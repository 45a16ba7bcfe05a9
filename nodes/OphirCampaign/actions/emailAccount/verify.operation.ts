import type { INodeProperties } from 'n8n-workflow';

import { verifyEmailAccount } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [
	idField(
		'accountId',
		'Email Account ID',
		'Signs in to the SMTP server (nothing is sent) and reports whether it worked',
	),
];

export const execute: OperationExecute = async function ({ params, tenant, secretBox }) {
	const id = params.uuid('accountId', 'Email Account ID');
	// Two short transactions (read, then record) around the network check: none stays open while it runs.
	return verifyEmailAccount(tenant, secretBox(), id);
};
