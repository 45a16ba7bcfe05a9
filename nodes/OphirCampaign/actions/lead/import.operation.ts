import {
	type FieldType,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type ResourceMapperField,
	validateFieldType,
} from 'n8n-workflow';

import { importLeads, type LeadInput, resolveRecordId } from '../../../core/outreach';
import { OphirError } from '../../../core/validation';
import { FROM_VERSION_2, VERSION_1 } from '../../../shared/locators';
import { ItemParameters } from '../../../shared/parameters';
import type { BatchExecute } from '../../../shared/runPerItem';
import { campaignIdField } from './fields';

const AUTOMATIC_MAPPING =
	'Email from "email", names from "firstName"/"first_name" and "lastName"/"last_name", "company", "tags"; every other field becomes a custom field';

/** Version 1's mapping, kept for the workflows saved with it. */
const version1Mapping: INodeProperties[] = [
	{
		displayName: 'Map Fields',
		name: 'mapping',
		type: 'options',
		options: [
			{ name: 'Automatically', value: 'auto', description: AUTOMATIC_MAPPING },
			{ name: 'Define Below', value: 'defined', description: 'Give each field as an expression' },
		],
		default: 'auto',
		displayOptions: { show: VERSION_1 },
	},
	...(['Email', 'First Name', 'Last Name', 'Company', 'Tags'] as const).map(
		(label): INodeProperties => ({
			displayName: label,
			name: `map${label.replace(' ', '')}`,
			type: 'string',
			default: '',
			required: label === 'Email',
			displayOptions: { show: { ...VERSION_1, mapping: ['defined'] } },
		}),
	),
	{
		displayName: 'Custom Fields (JSON)',
		name: 'mapData',
		type: 'json',
		default: '{}',
		displayOptions: { show: { ...VERSION_1, mapping: ['defined'] } },
	},
];

export const description: INodeProperties[] = [
	{
		displayName:
			'Imports all input items in a few set-based statements and outputs one result per item: created, updated, skipped (with the reason) or invalid (with the reason). One bad row never stops the others.',
		name: 'importNotice',
		type: 'notice',
		default: '',
	},
	...campaignIdField,
	{
		displayName: 'Existing Leads',
		name: 'onExisting',
		type: 'options',
		options: [
			{ name: 'Update Them', value: 'update', description: 'Merge the new fields, custom fields and tags in' },
			{ name: 'Skip Them', value: 'skip', description: 'Leave them as they are' },
		],
		default: 'update',
	},
	{
		displayName: 'Columns',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'autoMapInputData', value: null },
		required: true,
		description: `Mapped automatically: ${AUTOMATIC_MAPPING}`,
		typeOptions: {
			resourceMapper: {
				resourceMapperMethod: 'getLeadColumns',
				mode: 'add',
				fieldWords: { singular: 'column', plural: 'columns' },
				addAllFields: true,
				multiKeyMatch: false,
				supportAutoMap: true,
			},
		},
		displayOptions: { show: FROM_VERSION_2 },
	},
	...version1Mapping,
];

const NAMED_FIELDS = new Set(['email', 'firstName', 'first_name', 'lastName', 'last_name', 'company', 'tags']);

/** A lead from an item's own fields, for automatic mapping. */
function leadFromItem(json: IDataObject): LeadInput {
	const data: IDataObject = {};
	for (const [key, value] of Object.entries(json)) if (!NAMED_FIELDS.has(key)) data[key] = value;
	return {
		email: json.email,
		firstName: json.firstName ?? json.first_name,
		lastName: json.lastName ?? json.last_name,
		company: json.company,
		tags: json.tags,
		data,
	};
}

/** A lead from the columns mapped by hand: the lead's own fields by their names, every other column a custom field. */
function leadFromColumns(columns: IDataObject, types: Map<string, FieldType | undefined>): LeadInput {
	const values: IDataObject = {};
	for (const [id, value] of Object.entries(columns)) {
		// An empty column is left out rather than written over a lead's stored value (n8n would read it as 0 in a
		// number column); the others are converted to their column's type as n8n converts them.
		if (value === undefined || value === null || value === '') continue;
		const checked = validateFieldType(id, value, types.get(id) ?? 'string');
		if (!checked.valid) throw new OphirError(checked.errorMessage);
		values[id] = checked.newValue;
	}
	const { email, firstName, lastName, company, tags, ...data } = values;
	return { email, firstName, lastName, company, tags, data };
}

/** How each item becomes a lead, as the node's version and mapping say. */
function leadReader(
	context: IExecuteFunctions,
	first: ItemParameters,
): (item: INodeExecutionData, itemIndex: number) => LeadInput {
	const fromItem = (item: INodeExecutionData) => leadFromItem(item.json);
	// Mapped fields are read per item: their expressions may give each item its own values.
	if (context.getNode().typeVersion < 2) {
		if (first.raw<string>('mapping', 'auto') === 'auto') return fromItem;
		return (_item, itemIndex) => {
			const params = new ItemParameters(context, itemIndex);
			return {
				email: params.raw('mapEmail'),
				firstName: params.raw('mapFirstName'),
				lastName: params.raw('mapLastName'),
				company: params.raw('mapCompany'),
				tags: params.raw('mapTags'),
				data: params.json('mapData', 'Custom Fields (JSON)'),
			};
		};
	}
	if (first.raw<string>('columns.mappingMode', 'autoMapInputData') === 'autoMapInputData') return fromItem;
	const schema = first.raw<ResourceMapperField[]>('columns.schema', []);
	const types = new Map(schema.map((column) => [column.id, column.type]));
	return (_item, itemIndex) => {
		// Unchecked by n8n, which would convert the values before leadFromColumns leaves out the empty ones.
		const columns = context.getNodeParameter('columns.value', itemIndex, {}, { skipValidation: true });
		return leadFromColumns((columns ?? {}) as IDataObject, types);
	};
}

export const executeBatch: BatchExecute = async function ({ items, tenant }) {
	const first = new ItemParameters(this, 0);
	const campaign = first.optionalRef('campaignId', 'Campaign');
	const onExisting = first.raw<'update' | 'skip'>('onExisting', 'update');
	const leadOf = leadReader(this, first);
	const inputs = items.map((item, itemIndex): LeadInput | Error => {
		try {
			return leadOf(item, itemIndex);
		} catch (error) {
			return error instanceof Error ? error : new Error(String(error));
		}
	});
	// One transaction: the import lands whole or not at all (per-row problems are outcomes, not failures).
	// Items whose parameters did not parse stay in the list as errors, so positions stay the n8n item indexes.
	return tenant(async (tx) =>
		importLeads(tx, inputs, {
			campaignId: campaign && (await resolveRecordId(tx, 'campaign', campaign)),
			onExisting,
		}),
	);
};
