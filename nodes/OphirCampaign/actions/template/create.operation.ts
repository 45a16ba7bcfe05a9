import type { INodeProperties } from 'n8n-workflow';

import { createTemplate } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { additionalFields, bodyField, subjectField, templateFields } from './fields';

export const description: INodeProperties[] = [
	{ displayName: 'Name', name: 'name', type: 'string', required: true, default: '' },
	{ ...subjectField, required: true },
	{ ...bodyField, required: true },
	...additionalFields,
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const input = {
		...templateFields(params, 'additionalFields'),
		name: params.string('name', 'Name'),
		subject: params.raw<string>('subject', ''),
		body: params.raw<string>('body', ''),
	};
	if (input.createdBy) input.createdBy = params.uuid('additionalFields.createdBy', 'Created By');
	return tenant((tx) => createTemplate(tx, input));
};
