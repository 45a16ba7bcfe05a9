import type { INodeProperties } from 'n8n-workflow';

import { getTemplate } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [idField('templateId', 'Template ID')];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('templateId', 'Template ID');
	return tenant((tx) => getTemplate(tx, id));
};
