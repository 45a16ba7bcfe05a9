import type { INodeProperties } from 'n8n-workflow';

import { resetDailyCounters } from '../../core/sending';
import type { OperationExecute } from '../../shared/runPerItem';

export const description: INodeProperties[] = [];

export const execute: OperationExecute = async function ({ tenant }) {
	return tenant((tx) => resetDailyCounters(tx));
};
