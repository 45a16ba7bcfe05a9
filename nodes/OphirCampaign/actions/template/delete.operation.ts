import type { INodeProperties } from 'n8n-workflow';

import { deleteTemplate, resolveRecordId } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';

export const description: INodeProperties[] = [
	...recordLocator(
		'template',
		{
			name: 'templateId',
			displayName: 'Template',
			required: true,
			description: 'A template still used by a campaign that is not archived cannot be deleted',
		},
		ID_PLACEHOLDER,
	),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const ref = params.ref('templateId', 'Template');
	return tenant(async (tx) => deleteTemplate(tx, await resolveRecordId(tx, 'template', ref)));
};
