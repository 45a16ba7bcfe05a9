import type { INodeProperties } from 'n8n-workflow';

import { updateTemplate } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';
import { templateFields, updateFields } from './fields';

export const description: INodeProperties[] = [idField('templateId', 'Template ID'), updateFields];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('templateId', 'Template ID');
	const patch = templateFields(params, 'updateFields');
	return tenant((tx) => updateTemplate(tx, id, patch));
};
