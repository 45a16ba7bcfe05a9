import type { INodeProperties } from 'n8n-workflow';

export const batchSizeField: INodeProperties = {
	displayName: 'Batch Size',
	name: 'batchSize',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 10000 },
	default: 100,
	description: 'Most emails claimed by one run',
};

export const leaseSecondsField: INodeProperties = {
	displayName: 'Lease (Seconds)',
	name: 'leaseSeconds',
	type: 'number',
	typeOptions: { minValue: 10, maxValue: 86400 },
	default: 300,
	description:
		'How long a claim holds its emails. An email whose result is not reported in time goes back to the queue and may be sent again, so keep it well above the time a batch takes to send.',
};

/** An item field read by default from the item Claim produced. */
export function claimField(name: string, displayName: string, itemField = name): INodeProperties {
	return { displayName, name, type: 'string', required: true, default: `={{ $json.${itemField} }}` };
}
