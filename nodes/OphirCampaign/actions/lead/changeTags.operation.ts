import type { INodeProperties } from 'n8n-workflow';

import { changeTags, resolveRecordId } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';

/** Add Tags and Remove Tags: one operation, two directions. */
export function tagOperation(change: 'add' | 'remove') {
	const description: INodeProperties[] = [
		...recordLocator('lead', { name: 'leadId', displayName: 'Lead', required: true }, ID_PLACEHOLDER),
		{ displayName: 'Tags', name: 'tags', type: 'string', required: true, default: '', description: 'Comma-separated' },
	];
	const execute: OperationExecute = async function ({ params, tenant }) {
		const ref = params.ref('leadId', 'Lead');
		const tags = params.raw<string>('tags', '');
		return tenant(async (tx) => changeTags(tx, await resolveRecordId(tx, 'lead', ref), tags, change));
	};
	return { description, execute };
}
