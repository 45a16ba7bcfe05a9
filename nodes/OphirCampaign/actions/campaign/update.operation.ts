import type { INodeProperties } from 'n8n-workflow';

import { updateCampaign } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [
	idField('campaignId', 'Campaign ID'),
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{ displayName: 'Name', name: 'name', type: 'string', default: '' },
			{
				displayName: 'Config (JSON)',
				name: 'config',
				type: 'json',
				default: '{}',
				description:
					'Settings to change: each top-level key given replaces the stored one (a list replaces the whole list)',
			},
		],
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('campaignId', 'Campaign ID');
	const fields = params.collection('updateFields');
	const config = fields.config === undefined ? undefined : params.json('updateFields.config', 'Config (JSON)');
	const name = typeof fields.name === 'string' ? fields.name : undefined;
	return tenant((tx) => updateCampaign(tx, id, { name, config }));
};
