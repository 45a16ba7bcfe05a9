import type { INodeProperties } from 'n8n-workflow';

import { naturalKeyOf, type RecordKind } from '../core/outreach';
import { UUID_EXAMPLE } from '../core/validation';

/** The listSearch method that lists each kind for a "From List" picker (nodes/shared/methods/listSearch.ts). */
export const SEARCH_METHODS: Record<RecordKind, string> = {
	campaign: 'searchCampaigns',
	lead: 'searchLeads',
	template: 'searchTemplates',
	emailAccount: 'searchEmailAccounts',
	user: 'searchUsers',
};

const UUID_REGEX = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Version 1 asked for IDs as plain text; version 2 offers pickers. A field shown only from version 2 on: */
export const FROM_VERSION_2 = { '@version': [{ _cnd: { gte: 2 } }] };
/** A field kept for workflows saved with version 1 of a node, shown only to them. */
export const VERSION_1 = { '@version': [1] };

/** Adds `show` conditions to a field, keeping the ones it has. */
function shownOnly(field: INodeProperties, show: NonNullable<INodeProperties['displayOptions']>['show']) {
	return { ...field, displayOptions: { ...field.displayOptions, show: { ...field.displayOptions?.show, ...show } } };
}

/**
 * A parameter naming one record (campaign, lead, template, mailbox, user): a resource locator with "From List"
 * (searchable, paged), "By ID" and "By Name"/"By Email", and, for workflows saved with version 1, the plain ID
 * text field it replaces under the same name. ItemParameters.ref reads both.
 */
export function recordLocator(
	kind: RecordKind,
	field: Pick<INodeProperties, 'name' | 'displayName' | 'description' | 'required' | 'hint'>,
): INodeProperties[] {
	const key = naturalKeyOf(kind);
	const locator: INodeProperties = {
		...field,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: `Select a ${field.displayName.toLowerCase()}...`,
				typeOptions: { searchListMethod: SEARCH_METHODS[kind], searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: `e.g. ${UUID_EXAMPLE}`,
				validation: [
					{
						type: 'regex',
						properties: { regex: UUID_REGEX, errorMessage: `Not a UUID: an OPhir ID looks like ${UUID_EXAMPLE}` },
					},
				],
			},
			key === 'email'
				? { displayName: 'By Email', name: 'email', type: 'string', placeholder: 'e.g. jane@example.com' }
				: { displayName: 'By Name', name: 'name', type: 'string', placeholder: 'e.g. Q3 outreach' },
		],
	};
	const legacy: INodeProperties = {
		...field,
		displayName: `${field.displayName} ID`,
		type: 'string',
		default: '',
		placeholder: `e.g. ${UUID_EXAMPLE}`,
	};
	return [shownOnly(legacy, VERSION_1), shownOnly(locator, FROM_VERSION_2)];
}
