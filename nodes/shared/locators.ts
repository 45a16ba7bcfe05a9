import type { INodeProperties, INodePropertyMode } from 'n8n-workflow';

import { naturalKeyOf, oneRecordOf, type RecordKind } from '../core/outreach';
import { UUID_EXAMPLE } from '../core/validation';

/** The listSearch method that lists each kind for a "From List" picker (nodes/shared/methods/listSearch.ts). */
export const SEARCH_METHODS: Record<RecordKind, string> = {
	campaign: 'searchCampaigns',
	lead: 'searchLeads',
	template: 'searchTemplates',
	emailAccount: 'searchEmailAccounts',
	user: 'searchUsers',
};

/** The loadOptions method that lists each kind for a dropdown or multi-select (nodes/shared/methods/loadOptions.ts). */
export const LOAD_METHODS = {
	campaign: 'getCampaigns',
	emailAccount: 'getEmailAccounts',
	template: 'getTemplates',
} as const satisfies Partial<Record<RecordKind, string>>;

/** n8n's wording for a list loaded from the server that also takes an ID through an expression. */
const CHOOSE_FROM_LIST =
	'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>';

/**
 * Records picked from a multi-select (a campaign's mailboxes, filters by campaign), or one from a dropdown (a
 * sequence step's template). The value is the ID itself.
 */
export function listedRecords(
	kind: keyof typeof LOAD_METHODS,
	field: Pick<INodeProperties, 'name' | 'displayName' | 'description'>,
	{ multiple = false } = {},
): INodeProperties {
	return {
		...field,
		type: multiple ? 'multiOptions' : 'options',
		typeOptions: { loadOptionsMethod: LOAD_METHODS[kind] },
		default: multiple ? [] : '',
		description: field.description ? `${field.description}. ${CHOOSE_FROM_LIST}.` : `${CHOOSE_FROM_LIST}.`,
	};
}

const UUID_REGEX = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Version 1 asked for IDs as plain text; version 2 offers pickers. A field shown only from version 2 on: */
export const FROM_VERSION_2 = { '@version': [{ _cnd: { gte: 2 } }] };
/** A field kept for workflows saved with version 1 of a node, shown only to them. */
export const VERSION_1 = { '@version': [1] };

/** Adds `show` conditions to a field, keeping the ones it has. */
export function shownOnly(field: INodeProperties, show: NonNullable<INodeProperties['displayOptions']>['show']) {
	return { ...field, displayOptions: { ...field.displayOptions, show: { ...field.displayOptions?.show, ...show } } };
}

/** The "By Name"/"By Email" mode; each is written under a `modes` key, where n8n's lint expects locator modes. */
const NATURAL_KEY_MODES: Record<'name' | 'email', { modes: INodePropertyMode[] }> = {
	email: { modes: [{ displayName: 'By Email', name: 'email', type: 'string', placeholder: 'e.g. jane@example.com' }] },
	name: { modes: [{ displayName: 'By Name', name: 'name', type: 'string', placeholder: 'e.g. Q3 outreach' }] },
};

/** A resource locator naming one record: "From List" (searchable, paged), "By ID" and "By Name"/"By Email". */
export function locatorField(
	kind: RecordKind,
	field: Pick<INodeProperties, 'name' | 'displayName' | 'description' | 'required' | 'hint' | 'displayOptions'>,
): INodeProperties {
	return {
		...field,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: `Select ${oneRecordOf(kind)}...`,
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
			...NATURAL_KEY_MODES[naturalKeyOf(kind)].modes,
		],
	};
}

/** A field as version 1 had it and as version 2 has it, under one name: each shown only to its own version. */
export function byVersion(version1: INodeProperties, version2: INodeProperties): INodeProperties[] {
	return [shownOnly(version1, VERSION_1), shownOnly(version2, FROM_VERSION_2)];
}

/**
 * A collection with an option that picks a record from a list from version 2 on, where version 1 asked for the ID
 * as text (`version1Option`, of the same name); the collection is otherwise the same in both versions.
 */
export function collectionByVersion(collection: INodeProperties, version1Option: INodeProperties): INodeProperties[] {
	const options = (collection.options as INodeProperties[]).map((option) =>
		option.name === version1Option.name ? version1Option : option,
	);
	return byVersion({ ...collection, options }, collection);
}

/** What version 1's required ID fields showed as their placeholder. */
export const ID_PLACEHOLDER = { placeholder: `e.g. ${UUID_EXAMPLE}` };

/**
 * A parameter naming one record: the locator from version 2 on and, for workflows saved with version 1, the plain
 * ID text field it replaces under the same name ("Campaign ID"; `version1` gives what that field had besides).
 * ItemParameters.ref reads both.
 */
export function recordLocator(
	kind: RecordKind,
	field: Parameters<typeof locatorField>[1],
	version1: Partial<INodeProperties> = {},
): INodeProperties[] {
	const legacy: INodeProperties = {
		...field,
		displayName: `${field.displayName} ID`,
		type: 'string',
		default: '',
		...version1,
	};
	return byVersion(legacy, locatorField(kind, field));
}
