import type { INodeProperties } from 'n8n-workflow';

import { getEmailAccount } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [idField('accountId', 'Email Account ID')];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('accountId', 'Email Account ID');
	return tenant((tx) => getEmailAccount(tx, id));
};
