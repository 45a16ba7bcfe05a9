import type { INodeProperties } from 'n8n-workflow';

/** n8n's usual Return All / Limit pair for list operations. */
export const listFields: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];

/** A secret read from the input item by default, so that it is never stored in the workflow itself. */
export function secretField(
	name: string,
	displayName: string,
	itemField: string,
	description: string,
): INodeProperties {
	return {
		displayName,
		name,
		type: 'string',
		typeOptions: { password: true },
		default: `={{ $json.${itemField} }}`,
		description: `${description} By default it is read from the input item's "${itemField}" field, so it is not stored in the workflow`,
	};
}
