import type { INodeProperties } from 'n8n-workflow';

import { changeTags } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { idField } from '../common';

/** Add Tags and Remove Tags: one operation, two directions. */
export function tagOperation(change: 'add' | 'remove') {
	const description: INodeProperties[] = [
		idField('leadId', 'Lead ID'),
		{ displayName: 'Tags', name: 'tags', type: 'string', required: true, default: '', description: 'Comma-separated' },
	];
	const execute: OperationExecute = async function ({ params, tenant }) {
		const id = params.uuid('leadId', 'Lead ID');
		const tags = params.raw<string>('tags', '');
		return tenant((tx) => changeTags(tx, id, tags, change));
	};
	return { description, execute };
}
