import type { INodeProperties } from 'n8n-workflow';

import type { LeadInput } from '../../../core/outreach';
import { recordLocator } from '../../../shared/locators';
import type { ItemParameters } from '../../../shared/parameters';

/** A lead's own fields, as a collection: Additional Fields of Create and Upsert, or Update Fields of Update. */
export function leadFieldCollection(name: 'additionalFields' | 'updateFields'): INodeProperties {
	const update = name === 'updateFields';
	return {
		displayName: update ? 'Update Fields' : 'Additional Fields',
		name,
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
				description: update
					? 'Merged into the stored custom fields; a field set to null is removed'
					: 'Any other fields, usable in templates, e.g. {"city": "Lyon", "timezone": "Europe/Paris"}',
			},
			{ displayName: 'First Name', name: 'firstName', type: 'string', default: '' },
			{ displayName: 'Last Name', name: 'lastName', type: 'string', default: '' },
			// Tags change with Add Tags and Remove Tags.
			...(update
				? []
				: [
						{
							displayName: 'Tags',
							name: 'tags',
							type: 'string',
							default: '',
							description: 'Comma-separated',
						} as INodeProperties,
					]),
		],
	};
}

export const leadFields = leadFieldCollection('additionalFields');

export const campaignIdField: INodeProperties[] = recordLocator('campaign', {
	name: 'campaignId',
	displayName: 'Campaign',
	description: 'The campaign the lead belongs to; leave empty for a lead outside any campaign',
});

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
