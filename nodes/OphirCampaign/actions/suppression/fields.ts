import type { INodeProperties } from 'n8n-workflow';

export const targetField: INodeProperties = {
	displayName: 'Email or Domain',
	name: 'target',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'jane@example.com or example.com',
	description: 'An address, or a whole domain (example.com or @example.com)',
};
