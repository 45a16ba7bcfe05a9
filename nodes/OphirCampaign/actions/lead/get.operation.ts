import type { INodeProperties } from 'n8n-workflow';

import { getLead, resolveRecordId } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';

export const description: INodeProperties[] = [
	...recordLocator('lead', { name: 'leadId', displayName: 'Lead', required: true }, ID_PLACEHOLDER),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const ref = params.ref('leadId', 'Lead');
	return tenant(async (tx) => getLead(tx, await resolveRecordId(tx, 'lead', ref)));
};
