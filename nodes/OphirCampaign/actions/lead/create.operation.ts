import type { INodeProperties } from 'n8n-workflow';

import { saveLead } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { campaignIdField, leadFields, leadInput } from './fields';

export const description: INodeProperties[] = [
	campaignIdField,
	{ displayName: 'Email', name: 'email', type: 'string', placeholder: 'name@email.com', required: true, default: '' },
	leadFields,
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const campaignId = params.optionalUuid('campaignId', 'Campaign ID');
	const input = leadInput(params);
	const { lead } = await tenant((tx) => saveLead(tx, input, { campaignId, onExisting: 'fail' }));
	return lead;
};
