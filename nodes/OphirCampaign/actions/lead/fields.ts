import type { INodeProperties } from 'n8n-workflow';

import type { LeadInput } from '../../../core/leads';
import type { ItemParameters } from '../../../shared/parameters';

/** The optional lead fields of Create and Upsert. */
export const leadFields: INodeProperties = {
	displayName: 'Additional Fields',
	name: 'additionalFields',
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
			description: 'Any other fields, usable in templates, e.g. {"city": "Lyon", "timezone": "Europe/Paris"}',
		},
		{ displayName: 'First Name', name: 'firstName', type: 'string', default: '' },
		{ displayName: 'Last Name', name: 'lastName', type: 'string', default: '' },
		{ displayName: 'Tags', name: 'tags', type: 'string', default: '', description: 'Comma-separated' },
	],
};

export const campaignIdField: INodeProperties = {
	displayName: 'Campaign ID',
	name: 'campaignId',
	type: 'string',
	default: '',
	description: 'The campaign the lead belongs to; leave empty for a lead outside any campaign',
};

export function leadInput(params: ItemParameters): LeadInput {
	const fields = params.collection('additionalFields');
	return {
		email: params.string('email', 'Email'),
		firstName: fields.firstName,
		lastName: fields.lastName,
		company: fields.company,
		tags: fields.tags,
		data: fields.data === undefined ? undefined : params.json('additionalFields.data', 'Custom Fields (JSON)'),
	};
}
