import type { INodeProperties } from 'n8n-workflow';

import { addSuppression } from '../../../core/outreach';
import { collectionByVersion, listedRecords } from '../../../shared/locators';
import { additionalFieldsField } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { targetField } from './fields';

export const description: INodeProperties[] = [
	targetField,
	...collectionByVersion(
		additionalFieldsField([
			listedRecords('campaign', {
				name: 'campaignId',
				displayName: 'Campaign Name or ID',
				description: 'The campaign that caused it, for the record; suppression applies to every campaign',
			}),
			{ displayName: 'Reason', name: 'reason', type: 'string', default: '', placeholder: 'e.g. asked by phone' },
		]),
		{
			displayName: 'Campaign ID',
			name: 'campaignId',
			type: 'string',
			default: '',
			description: 'The campaign that caused it, for the record; suppression applies to every campaign',
		},
	),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const target = params.string('target', 'Email or Domain');
	const fields = params.collection('additionalFields');
	const campaignId = fields.campaignId ? params.uuid('additionalFields.campaignId', 'Campaign') : undefined;
	return tenant((tx) => addSuppression(tx, { target, reason: fields.reason as string | undefined, campaignId }));
};
