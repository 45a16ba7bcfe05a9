import type { INodeProperties } from 'n8n-workflow';

import { listTemplates } from '../../../core/outreach';
import { fetchList, filtersField } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { listFields } from '../common';

export const description: INodeProperties[] = [
	...listFields,
	filtersField([
		{ displayName: 'Category', name: 'category', type: 'string', default: '' },
		{
			displayName: 'Search',
			name: 'search',
			type: 'string',
			default: '',
			description: 'Text in the name or subject',
		},
	]),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const { category, search } = params.collection('filters') as { category?: string; search?: string };
	return fetchList(params, (page) =>
		tenant((tx) => listTemplates(tx, { ...page, category: category || undefined, search })),
	);
};
