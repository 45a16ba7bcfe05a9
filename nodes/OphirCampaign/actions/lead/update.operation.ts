import type { INodeProperties } from 'n8n-workflow';

import { updateLead } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';
import { leadFieldCollection } from './fields';

export const description: INodeProperties[] = [idField('leadId', 'Lead ID'), leadFieldCollection('updateFields')];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('leadId', 'Lead ID');
	const fields = params.collection('updateFields');
	const data = fields.data === undefined ? undefined : params.json('updateFields.data', 'Custom Fields (JSON)');
	return tenant((tx) => updateLead(tx, id, { ...fields, data }));
};
