import type { INodeProperties } from 'n8n-workflow';

import { getCampaign, resolveRecordId, updateCampaign } from '../../../core/outreach';
import { ID_PLACEHOLDER, recordLocator } from '../../../shared/locators';
import type { OperationExecute } from '../../../shared/runPerItem';
import { jsonModeFields, nameOption, settingsAsJson, settingsModeField, updateSettingsField } from './settings';
import { configFromFields, namingFields } from './settingsConfig';

export const description: INodeProperties[] = [
	...recordLocator('campaign', { name: 'campaignId', displayName: 'Campaign', required: true }, ID_PLACEHOLDER),
	settingsModeField,
	...jsonModeFields({
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			nameOption,
			{
				displayName: 'Config (JSON)',
				name: 'config',
				type: 'json',
				default: '{}',
				description:
					'Settings to change: each top-level key given replaces the stored one (a list replaces the whole list)',
			},
		],
	}),
	updateSettingsField,
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const campaign = params.ref('campaignId', 'Campaign');
	const fields = params.collection('updateFields');
	const name = typeof fields.name === 'string' ? fields.name : undefined;
	if (settingsAsJson(params)) {
		const config = fields.config === undefined ? undefined : params.json('updateFields.config', 'Config (JSON)');
		return tenant(async (tx) => updateCampaign(tx, await resolveRecordId(tx, 'campaign', campaign), { name, config }));
	}
	return namingFields(
		tenant(async (tx) => {
			const id = await resolveRecordId(tx, 'campaign', campaign);
			// Read under the lock updateCampaign takes, so nested settings merge onto what is stored right now.
			const stored = await getCampaign(tx, id, { forUpdate: true });
			return updateCampaign(tx, id, { name, config: configFromFields(fields, stored.config) });
		}),
	);
};
