import type { INodeProperties } from 'n8n-workflow';

import { resolveRecordId, updateLead } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';
import { leadFieldCollection } from './fields';

export const description: INodeProperties[] = [
	...recordLocator('lead', { name: 'leadId', displayName: 'Lead', required: true }, ID_PLACEHOLDER),
	leadFieldCollection('updateFields'),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const ref = params.ref('leadId', 'Lead');
	const fields = params.collection('updateFields');
	const data = fields.data === undefined ? undefined : params.json('updateFields.data', 'Custom Fields (JSON)');
	return tenant(async (tx) => updateLead(tx, await resolveRecordId(tx, 'lead', ref), { ...fields, data }));
};
