import type { INodeProperties } from 'n8n-workflow';

import { schemaStatus } from '../../../core/db';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [];

export const execute: OperationExecute = async function ({ pool }) {
	const status = await schemaStatus(pool);
	return { ...status, upToDate: status.pending.length === 0 };
};
