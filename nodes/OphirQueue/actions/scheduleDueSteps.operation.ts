import type { INodeProperties } from 'n8n-workflow';

import { scheduleDueSteps } from '../../core/sending';
import type { OperationExecute } from '../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName: 'Max Emails per Run',
		name: 'maxEmails',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 200000 },
		default: 10000,
		description: 'Most emails this run schedules; the rest wait for the next run',
	},
];

export const execute: OperationExecute = async function ({ params, tenant, executionId }) {
	const limit = params.wholeNumber('maxEmails', 'Max Emails per Run', 1, 200_000);
	return tenant((tx) => scheduleDueSteps(tx, { limit, executionId }));
};
