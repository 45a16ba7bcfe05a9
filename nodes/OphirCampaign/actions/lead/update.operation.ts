import type { INodeProperties } from 'n8n-workflow';

import { updateLead } from '../../../core/leads';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [
	idField('leadId', 'Lead ID'),
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{ displayName: 'Company', name: 'company', type: 'string', default: '' },
			{
				displayName: 'Custom Fields (JSON)',
				name: 'data',
				type: 'json',
				default: '{}',
				description: 'Merged into the stored custom fields; a field set to null is removed',
			},
			{ displayName: 'First Name', name: 'firstName', type: 'string', default: '' },
			{ displayName: 'Last Name', name: 'lastName', type: 'string', default: '' },
		],
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('leadId', 'Lead ID');
	const fields = params.collection('updateFields');
	const data = fields.data === undefined ? undefined : params.json('updateFields.data', 'Custom Fields (JSON)');
	return tenant((tx) => updateLead(tx, id, { ...fields, data }));
};
