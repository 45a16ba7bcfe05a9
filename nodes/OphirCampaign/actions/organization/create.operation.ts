import type { INodeProperties } from 'n8n-workflow';

import { createOrganization } from '../../../core/outreach';
import { additionalFieldsField } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName:
			'Only a credential acting for the system organization (00000000-0000-0000-0000-000000000001) can create organizations',
		name: 'systemNotice',
		type: 'notice',
		default: '',
	},
	{ displayName: 'Name', name: 'name', type: 'string', required: true, default: '' },
	additionalFieldsField([
		{ displayName: 'Plan Type', name: 'planType', type: 'string', default: 'free' },
		{ displayName: 'Settings (JSON)', name: 'settings', type: 'json', default: '{}' },
	]),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const name = params.string('name', 'Name');
	const fields = params.collection('additionalFields');
	const settings =
		fields.settings === undefined ? undefined : params.json('additionalFields.settings', 'Settings (JSON)');
	return tenant((tx) => createOrganization(tx, { name, planType: fields.planType as string | undefined, settings }));
};
