import type { INodeProperties } from 'n8n-workflow';

import { HEALTH_DEFAULTS, updateAccountHealth } from '../../core/tracking';
import { forOrganizations, organizationsFieldsFromVersion2 } from '../../shared/organizationScope';
import type { OperationExecute } from '../../shared/runPerItem';

export const description: INodeProperties[] = [
	...organizationsFieldsFromVersion2,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Bounce Threshold',
				name: 'bounceThreshold',
				type: 'number',
				typeOptions: { minValue: 0.001, maxValue: 1, numberPrecision: 3 },
				default: 0.03,
				description: 'Pause a mailbox whose hard-bounce rate is above this (0.03 = 3%)',
			},
			{
				displayName: 'Complaint Threshold',
				name: 'complaintThreshold',
				type: 'number',
				typeOptions: { minValue: 0.0001, maxValue: 1, numberPrecision: 4 },
				default: 0.003,
				description: 'Pause a mailbox whose complaint rate is above this (0.003 = 0.3%)',
			},
			{
				displayName: 'Minimum Emails',
				name: 'minSent',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 20,
				description: 'Emails in the window before a mailbox can be paused',
			},
			{
				displayName: 'Window (Days)',
				name: 'windowDays',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 365 },
				default: 14,
			},
		],
	},
];

/** One item: every mailbox's health, and what was paused now (route pausedNow > 0 to an alert). */
export const execute: OperationExecute = async function (context) {
	const options = context.params.collection('options') as Partial<typeof HEALTH_DEFAULTS>;
	return forOrganizations(context, async (tenant) => {
		const result = await tenant((tx) => updateAccountHealth(tx, { ...HEALTH_DEFAULTS, ...options }));
		return { ...result, pausedNow: result.accounts.filter((a) => a.pausedNow).length + result.pausedCampaigns.length };
	});
};
