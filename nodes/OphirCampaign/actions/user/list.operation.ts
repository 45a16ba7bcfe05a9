import type { INodeProperties } from 'n8n-workflow';

import { listUsers } from '../../../core/outreach';
import { fetchList } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { listFields } from '../common';

export const description: INodeProperties[] = [...listFields];

export const execute: OperationExecute = async function ({ params, tenant }) {
	return fetchList(params, (page) => tenant((tx) => listUsers(tx, page)));
};
