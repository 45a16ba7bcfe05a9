import type { FieldType, ILoadOptionsFunctions, ResourceMapperField, ResourceMapperFields } from 'n8n-workflow';

import { type JsonType, type LeadInput, listCustomFields } from '../../core/outreach';
import { forOrganization } from './forOrganization';

const column = (id: string, displayName: string, type: FieldType, required = false): ResourceMapperField => ({
	id,
	displayName,
	type,
	required,
	display: true,
	defaultMatch: false,
	canBeUsedToMatch: false,
});

/**
 * A lead's own fields by their LeadInput names, which Import maps these columns to (every other column is a custom
 * field). All text: n8n checks an 'array' column's value as a JSON array and would refuse tags such as "vip, uk",
 * while a text column passes a list through and the import splits a text at its commas.
 */
const LEAD_FIELDS: Record<Exclude<keyof LeadInput, 'data'>, string> = {
	email: 'Email',
	firstName: 'First Name',
	lastName: 'Last Name',
	company: 'Company',
	tags: 'Tags (Comma-Separated)',
};

/**
 * A custom field's column type from the type most of its stored values have. Booleans stay text: n8n fills an
 * unset boolean column with false, which the import would then write over every lead's own value.
 */
const CUSTOM_FIELD_TYPES: Partial<Record<JsonType, FieldType>> = { number: 'number', array: 'array', object: 'object' };

/** The columns Lead → Import offers: the lead's own fields, then the organization's custom fields. */
async function getLeadColumns(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	const customFields = await forOrganization(this, 'the custom fields', (tx) => listCustomFields(tx));
	return {
		fields: [
			...Object.entries(LEAD_FIELDS).map(([id, name]) => column(id, name, 'string', id === 'email')),
			// A custom field named like a lead's own field (written by hand, say) cannot be a second column of that id.
			...customFields
				.filter(({ key }) => !Object.hasOwn(LEAD_FIELDS, key))
				.map(({ key, type }) => column(key, key, CUSTOM_FIELD_TYPES[type] ?? 'string')),
		],
	};
}

export const resourceMapping = { getLeadColumns };
