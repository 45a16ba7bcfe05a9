import type { INodeProperties } from 'n8n-workflow';

import { addSuppression, resolveRecordId } from '../../../core/outreach';
import { collectionByVersion, locatorField } from '../../../shared/locators';
import { additionalFieldsField } from '../../../shared/parameters';
import type { OperationExecute } from '../../../shared/runPerItem';
import { targetField } from './fields';

export const description: INodeProperties[] = [
	targetField,
	...collectionByVersion(
		additionalFieldsField([
			locatorField('campaign', {
				name: 'campaignId',
				displayName: 'Campaign',
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
	const campaign = params.optionalRef('additionalFields.campaignId', 'Campaign');
	return tenant(async (tx) =>
		addSuppression(tx, {
			target,
			reason: fields.reason as string | undefined,
			campaignId: campaign && (await resolveRecordId(tx, 'campaign', campaign)),
		}),
	);
};
