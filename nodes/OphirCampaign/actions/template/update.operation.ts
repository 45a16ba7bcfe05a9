import type { INodeProperties } from 'n8n-workflow';

import { resolveRecordId, updateTemplate } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';
import { templateFields, updateFields } from './fields';

export const description: INodeProperties[] = [
	...recordLocator('template', { name: 'templateId', displayName: 'Template', required: true }, ID_PLACEHOLDER),
	updateFields,
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const ref = params.ref('templateId', 'Template');
	const patch = templateFields(params, 'updateFields');
	return tenant(async (tx) => updateTemplate(tx, await resolveRecordId(tx, 'template', ref), patch));
};
