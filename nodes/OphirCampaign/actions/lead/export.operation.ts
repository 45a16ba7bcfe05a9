import type { INodeProperties } from 'n8n-workflow';

import { exportLeadData } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		required: true,
		default: '',
		description:
			'Everything stored about this address (leads, emails, events, suppression) is output as one item, for GDPR access requests',
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const email = params.string('email', 'Email');
	return tenant((tx) => exportLeadData(tx, email));
};
