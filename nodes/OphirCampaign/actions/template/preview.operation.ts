import type { INodeProperties } from 'n8n-workflow';

import { InvalidInputError } from '../../../core/validation';
import { previewTemplate } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { bodyField, subjectField } from './fields';

export const description: INodeProperties[] = [
	{
		displayName: 'Template',
		name: 'source',
		type: 'options',
		options: [
			{ name: 'Stored Template', value: 'stored' },
			{ name: 'Subject and Body Below', value: 'inline' },
		],
		default: 'stored',
	},
	{
		displayName: 'Template ID',
		name: 'templateId',
		type: 'string',
		required: true,
		default: '',
		displayOptions: { show: { source: ['stored'] } },
	},
	{ ...subjectField, displayOptions: { show: { source: ['inline'] } } },
	{ ...bodyField, displayOptions: { show: { source: ['inline'] } } },
	{
		displayName: 'Sample Lead',
		name: 'sample',
		type: 'options',
		options: [
			{ name: 'Stored Lead', value: 'lead', description: 'A lead of this organization, by ID' },
			{
				name: 'Lead Fields (JSON)',
				value: 'json',
				description: 'Email, firstName, lastName, company and data, e.g. the input item',
			},
		],
		default: 'json',
	},
	{
		displayName: 'Lead ID',
		name: 'leadId',
		type: 'string',
		required: true,
		default: '',
		displayOptions: { show: { sample: ['lead'] } },
	},
	{
		displayName: 'Lead Fields (JSON)',
		name: 'leadJson',
		type: 'json',
		default: '={{ JSON.stringify($json) }}',
		description: 'The lead to render for; by default the input item',
		displayOptions: { show: { sample: ['json'] } },
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const source =
		params.raw<string>('source', 'stored') === 'stored'
			? { templateId: params.uuid('templateId', 'Template ID') }
			: { subject: params.raw<string>('subject', ''), body: params.raw<string>('body', '') };
	let sample: { leadId: string } | { lead: Record<string, unknown> };
	if (params.raw<string>('sample', 'json') === 'lead') sample = { leadId: params.uuid('leadId', 'Lead ID') };
	else {
		const lead = params.json('leadJson', 'Lead Fields (JSON)');
		if (!lead || Array.isArray(lead))
			throw new InvalidInputError('Lead Fields (JSON)', 'an object with at least an email', lead);
		sample = { lead };
	}
	return tenant((tx) => previewTemplate(tx, source, sample));
};
