import type { INodeProperties } from 'n8n-workflow';

import { ACCOUNT_STATUSES, listEmailAccounts, PROVIDERS } from '../../../core/outreach';
import { fetchList, filtersField, optionsOf } from '../../../shared/parameters';
import { collectionByVersion } from '../../../shared/locators';
import type { OperationExecute } from '../../../shared/runPerItem';
import { listFields } from '../common';

export const description: INodeProperties[] = [
	...listFields,
	// Version 2 filters by several statuses; version 1 by one.
	...collectionByVersion(
		filtersField([
			{
				displayName: 'Provider',
				name: 'provider',
				type: 'options',
				options: PROVIDERS.map((p) => ({ name: p, value: p })),
				default: 'smtp',
			},
			{
				displayName: 'Statuses',
				name: 'status',
				type: 'multiOptions',
				options: optionsOf(ACCOUNT_STATUSES),
				default: [],
				description: 'Mailboxes in any of these statuses',
			},
		]),
		{
			displayName: 'Status',
			name: 'status',
			type: 'options',
			options: optionsOf(ACCOUNT_STATUSES),
			default: 'active',
		},
	),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const { provider, status } = params.collection('filters') as { provider?: string; status?: string | string[] };
	return fetchList(params, (page) => tenant((tx) => listEmailAccounts(tx, { ...page, provider, status })));
};
