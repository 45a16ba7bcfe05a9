import type { INodeProperties } from 'n8n-workflow';

import { InvalidInputError } from '../../../core/validation';
import { previewTemplate, type RecordRef, resolveRecordId } from '../../../core/outreach';
import { recordLocator } from '../../../shared/locators';
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
	...recordLocator('template', {
		name: 'templateId',
		displayName: 'Template',
		required: true,
		displayOptions: { show: { source: ['stored'] } },
	}),
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
	...recordLocator('lead', {
		name: 'leadId',
		displayName: 'Lead',
		required: true,
		displayOptions: { show: { sample: ['lead'] } },
	}),
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
	const stored = params.raw<string>('source', 'stored') === 'stored';
	const templateRef = stored ? params.ref('templateId', 'Template') : undefined;
	const inline = { subject: params.raw<string>('subject', ''), body: params.raw<string>('body', '') };
	let leadRef: RecordRef | undefined;
	let lead: Record<string, unknown> | undefined;
	if (params.raw<string>('sample', 'json') === 'lead') leadRef = params.ref('leadId', 'Lead');
	else {
		lead = params.json('leadJson', 'Lead Fields (JSON)');
		if (!lead || Array.isArray(lead))
			throw new InvalidInputError('Lead Fields (JSON)', 'an object with at least an email', lead);
	}
	return tenant(async (tx) =>
		previewTemplate(
			tx,
			templateRef ? { templateId: await resolveRecordId(tx, 'template', templateRef) } : inline,
			leadRef ? { leadId: await resolveRecordId(tx, 'lead', leadRef) } : { lead: lead! },
		),
	);
};
