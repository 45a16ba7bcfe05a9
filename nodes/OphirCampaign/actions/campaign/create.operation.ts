import type { INodeProperties } from 'n8n-workflow';

import { createCampaign } from '../../../core/outreach';
import { DEFAULT_SENDING_WINDOW } from '../../../core/sending';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [
	{ displayName: 'Name', name: 'name', type: 'string', required: true, default: '' },
	{
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
	},
	{
		displayName: 'Created By (User ID)',
		name: 'createdBy',
		type: 'string',
		default: '',
		description: 'ID of the OPhir user who owns the campaign (optional)',
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const name = params.string('name', 'Name');
	const config = params.json('config', 'Config (JSON)');
	const createdBy = params.optionalUuid('createdBy', 'Created By (User ID)');
	return tenant((tx) => createCampaign(tx, { name, config, createdBy }));
};
