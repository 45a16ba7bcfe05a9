import type { INodeProperties } from 'n8n-workflow';

import { createCampaign, resolveRecordId } from '../../../core/outreach';
import { DEFAULT_SENDING_WINDOW } from '../../../core/sending';
import { recordLocator } from '../../../shared/locators';
import type { OperationExecute } from '../../../shared/runPerItem';
import { createSettingsFields, jsonModeFields, settingsAsJson, settingsModeField } from './settings';
import { configOfCreateFields, namingFields } from './settingsConfig';

export const description: INodeProperties[] = [
	{ displayName: 'Name', name: 'name', type: 'string', required: true, default: '' },
	settingsModeField,
	...jsonModeFields({
		displayName: 'Config (JSON)',
		name: 'config',
		type: 'json',
		default: JSON.stringify(
			{
				sequence: [
					{
						subject: 'Quick question, {{fallback firstName "there"}}',
						body: '<p>Hi {{fallback firstName "there"}},</p>',
					},
				],
				timezone: 'UTC',
				sendingWindow: DEFAULT_SENDING_WINDOW,
				accountIds: [],
				postalAddress: '',
			},
			null,
			2,
		),
		description: 'Sequence steps and sending rules; docs/campaign-config.md lists every setting and its default',
	}),
	...createSettingsFields,
	...recordLocator(
		'user',
		{ name: 'createdBy', displayName: 'Created By', description: 'The OPhir user who owns the campaign (optional)' },
		{ displayName: 'Created By (User ID)', description: 'ID of the OPhir user who owns the campaign (optional)' },
	),
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const name = params.string('name', 'Name');
	const json = settingsAsJson(params);
	const config = json ? params.json('config', 'Config (JSON)') : configOfCreateFields(params);
	const createdBy = params.optionalRef('createdBy', 'Created By');
	const created = tenant(async (tx) =>
		createCampaign(tx, {
			name,
			config,
			createdBy: createdBy && (await resolveRecordId(tx, 'user', createdBy)),
		}),
	);
	return json ? created : namingFields(created);
};
