import type { INodeProperties } from 'n8n-workflow';

import { deleteTemplate } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [
	idField('templateId', 'Template ID', 'A template still used by a campaign that is not archived cannot be deleted'),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('templateId', 'Template ID');
	return tenant((tx) => deleteTemplate(tx, id));
};
