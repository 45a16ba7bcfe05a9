import type { INodeProperties } from 'n8n-workflow';

import { getLead } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

export const description: INodeProperties[] = [idField('leadId', 'Lead ID')];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const id = params.uuid('leadId', 'Lead ID');
	return tenant((tx) => getLead(tx, id));
};
