import type { INodeProperties } from 'n8n-workflow';

import { listSuppressions } from '../../../core/outreach';
import { fetchList, filtersField } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { listFields } from '../common';

export const description: INodeProperties[] = [
	...listFields,
	filtersField([
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'options',
			options: [
				{ name: 'Address', value: 'email' },
				{ name: 'Domain', value: 'domain' },
			],
			default: 'email',
		},
		{
			displayName: 'Search',
			name: 'search',
			type: 'string',
			default: '',
			description: 'Text in the address or domain',
		},
	]),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const { scope, search } = params.collection('filters') as { scope?: 'email' | 'domain'; search?: string };
	return fetchList(params, (page) => tenant((tx) => listSuppressions(tx, { ...page, scope, search })));
};
