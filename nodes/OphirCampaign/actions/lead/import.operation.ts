import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { importLeads, type LeadInput } from '../../../core/outreach';
import { ItemParameters } from '../../../shared/parameters';
import type { BatchExecute } from '../../../shared/runPerItem';
import { campaignIdField } from './fields';

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
		displayName: 'Map Fields',
		name: 'mapping',
		type: 'options',
		options: [
			{
				name: 'Automatically',
				value: 'auto',
				description:
					'Email from "email", names from "firstName"/"first_name" and "lastName"/"last_name", "company", "tags"; every other field becomes a custom field',
			},
			{ name: 'Define Below', value: 'defined', description: 'Give each field as an expression' },
		],
		default: 'auto',
	},
	...(['Email', 'First Name', 'Last Name', 'Company', 'Tags'] as const).map(
		(label): INodeProperties => ({
			displayName: label,
			name: `map${label.replace(' ', '')}`,
			type: 'string',
			default: '',
			required: label === 'Email',
			displayOptions: { show: { mapping: ['defined'] } },
		}),
	),
	{
		displayName: 'Custom Fields (JSON)',
		name: 'mapData',
		type: 'json',
		default: '{}',
		displayOptions: { show: { mapping: ['defined'] } },
	},
];

const NAMED_FIELDS = new Set(['email', 'firstName', 'first_name', 'lastName', 'last_name', 'company', 'tags']);

/** A lead from an item's own fields, for "Map Fields: Automatically". */
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

export const executeBatch: BatchExecute = async function ({ items, tenant }) {
	const first = new ItemParameters(this, 0);
	const campaignId = first.optionalUuid('campaignId', 'Campaign ID');
	const onExisting = first.raw<'update' | 'skip'>('onExisting', 'update');
	const automatic = first.raw<string>('mapping', 'auto') === 'auto';
	const inputs = items.map((item, itemIndex): LeadInput | Error => {
		if (automatic) return leadFromItem(item.json);
		try {
			const params = new ItemParameters(this, itemIndex);
			return {
				email: params.raw('mapEmail'),
				firstName: params.raw('mapFirstName'),
				lastName: params.raw('mapLastName'),
				company: params.raw('mapCompany'),
				tags: params.raw('mapTags'),
				data: params.json('mapData', 'Custom Fields (JSON)'),
			};
		} catch (error) {
			return error instanceof Error ? error : new Error(String(error));
		}
	});
	// One transaction: the import lands whole or not at all (per-row problems are outcomes, not failures).
	// Items whose parameters did not parse stay in the list as errors, so positions stay the n8n item indexes.
	return tenant((tx) => importLeads(tx, inputs, { campaignId, onExisting }));
};
