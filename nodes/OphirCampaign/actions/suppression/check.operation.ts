import type { INodeProperties } from 'n8n-workflow';

import { checkSuppression } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [
	{ displayName: 'Email', name: 'email', type: 'string', placeholder: 'name@email.com', required: true, default: '' },
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const email = params.string('email', 'Email');
	return tenant((tx) => checkSuppression(tx, email));
};
