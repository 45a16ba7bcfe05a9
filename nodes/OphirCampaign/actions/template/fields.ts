import type { INodeProperties } from 'n8n-workflow';

import type { TemplateInput } from '../../../core/outreach';
import { collectionByVersion, locatorField } from '../../../shared/locators';
import { HTML_TEXT, HTML_TEXT_LINE } from '../../../shared/nodeDescription';
import { additionalFieldsField, type ItemParameters } from '../../../shared/parameters';

const BODY_HINT =
	'Handlebars with {{firstName}}, {{fallback company "your team"}}, {{formatDate date "long"}} and spintax {Hi|Hello}';

export const subjectField: INodeProperties = {
	displayName: 'Subject',
	name: 'subject',
	type: 'string',
	typeOptions: HTML_TEXT_LINE,
	default: '',
	description: BODY_HINT,
};
export const bodyField: INodeProperties = {
	displayName: 'Body (HTML)',
	name: 'body',
	type: 'string',
	typeOptions: HTML_TEXT,
	default: '',
	description: BODY_HINT,
};

/** Optional template fields, shared by Create (Additional Fields) and Update (Update Fields, with the texts too). */
const optionalFields: INodeProperties[] = [
	{ displayName: 'Category', name: 'category', type: 'string', default: '' },
	{
		displayName: 'Default Values (JSON)',
		name: 'variables',
		type: 'json',
		default: '{}',
		description: 'Values for variables a lead leaves empty, e.g. {"company": "your team"}',
	},
	{
		displayName: 'Shared',
		name: 'isShared',
		type: 'boolean',
		default: false,
		description: 'Whether every user of the organization may use it',
	},
];

export const additionalFields: INodeProperties[] = collectionByVersion(
	additionalFieldsField([
		...optionalFields,
		locatorField('user', { name: 'createdBy', displayName: 'Created By', description: 'The OPhir user who owns it' }),
	]),
	{ displayName: 'Created By (User ID)', name: 'createdBy', type: 'string', default: '' },
);

export const updateFields: INodeProperties = {
	displayName: 'Update Fields',
	name: 'updateFields',
	type: 'collection',
	placeholder: 'Add Field',
	default: {},
	options: [
		{ ...bodyField, required: false },
		...optionalFields,
		{ displayName: 'Name', name: 'name', type: 'string', default: '' },
		{ ...subjectField, required: false },
	],
};

/** The template fields of a collection parameter, with its JSON field parsed. */
export function templateFields(params: ItemParameters, collection: 'additionalFields' | 'updateFields'): TemplateInput {
	const fields = params.collection(collection);
	return {
		name: fields.name as string | undefined,
		subject: fields.subject as string | undefined,
		body: fields.body as string | undefined,
		category: fields.category === undefined ? undefined : String(fields.category).trim() || null,
		variables:
			fields.variables === undefined ? undefined : params.json(`${collection}.variables`, 'Default Values (JSON)'),
		isShared: fields.isShared as boolean | undefined,
	};
}
