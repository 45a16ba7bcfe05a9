import type { INodeProperties } from 'n8n-workflow';

import { removeSuppression } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { targetField } from './fields';

export const description: INodeProperties[] = [targetField];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const target = params.string('target', 'Email or Domain');
	return tenant((tx) => removeSuppression(tx, target));
};
