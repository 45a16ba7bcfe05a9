import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { credentialTest } from '../shared/credentialTest';
import { listSearch } from '../shared/methods/listSearch';
import { loadOptions } from '../shared/methods/loadOptions';
import { resourceMapping } from '../shared/methods/resourceMapping';
import { ACTION_NODE, OPHIR_ICON } from '../shared/nodeDescription';
import { resources } from './actions/resources';
import { router } from './actions/router';

export class OphirCampaign implements INodeType {
	description: INodeTypeDescription = {
		...ACTION_NODE,
		displayName: 'OPhir Campaign',
		name: 'ophirCampaign',
		// Version 2 picks records from lists and builds campaigns with fields; version 1 workflows keep their ID texts.
		version: [1, 2],
		defaultVersion: 2,
		icon: OPHIR_ICON,
		defaults: { name: 'OPhir Campaign' },
		usableAsTool: true,
		credentials: [{ name: 'ophirPostgresApi', required: true, testedBy: 'ophirConnectionTest' }],
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Manage OPhir cold-email campaigns, leads, templates, mailboxes and the OPhir database',
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: Object.entries(resources).map(([value, { name }]) => ({ name, value })),
				default: 'campaign',
			},
			...Object.values(resources).flatMap((resource) => resource.description),
		],
	};

	methods = { credentialTest, listSearch, loadOptions, resourceMapping };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
