import type { INodeProperties } from 'n8n-workflow';

import { createTemplate, resolveRecordId } from '../../../core/outreach';
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
	const owner = params.optionalRef('additionalFields.createdBy', 'Created By', 'Created By (User ID)');
	return tenant(async (tx) =>
		createTemplate(tx, { ...input, createdBy: owner && (await resolveRecordId(tx, 'user', owner)) }),
	);
};
