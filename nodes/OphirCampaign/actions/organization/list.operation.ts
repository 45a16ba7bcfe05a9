import type { INodeProperties } from 'n8n-workflow';

import { listOrganizations } from '../../../core/outreach';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [];

/** The system organization sees every organization; any other credential sees its own. */
export const execute: OperationExecute = async function ({ tenant }) {
	return tenant((tx) => listOrganizations(tx));
};
