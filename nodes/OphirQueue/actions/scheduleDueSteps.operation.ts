import type { INodeProperties } from 'n8n-workflow';

import { scheduleDueSteps } from '../../core/sending';
import { forOrganizations, organizationsFields } from '../../shared/organizationScope';
import type { OperationExecute } from '../../shared/runPerItem';

export const description: INodeProperties[] = [
	...organizationsFields,
	{
		displayName: 'Max Emails per Run',
		name: 'maxEmails',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 200000 },
		default: 10000,
		description: 'Most emails this run schedules (for each organization); the rest wait for the next run',
	},
];

export const execute: OperationExecute = async function (context) {
	const limit = context.params.wholeNumber('maxEmails', 'Max Emails per Run', 1, 200_000);
	return forOrganizations(context, (tenant) =>
		tenant((tx) => scheduleDueSteps(tx, { limit, executionId: context.executionId })),
	);
};
