import type { INodeProperties } from 'n8n-workflow';

import { ACCOUNT_STATUSES, listEmailAccounts, PROVIDERS } from '../../../core/outreach';
import { fetchList, filtersField, optionsOf } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { listFields } from '../common';

export const description: INodeProperties[] = [
	...listFields,
	filtersField([
		{
			displayName: 'Provider',
			name: 'provider',
			type: 'options',
			options: PROVIDERS.map((p) => ({ name: p, value: p })),
			default: 'smtp',
		},
		{
			displayName: 'Status',
			name: 'status',
			type: 'options',
			options: optionsOf(ACCOUNT_STATUSES),
			default: 'active',
		},
	]),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const { provider, status } = params.collection('filters') as { provider?: string; status?: string };
	return fetchList(params, (page) => tenant((tx) => listEmailAccounts(tx, { ...page, provider, status })));
};
