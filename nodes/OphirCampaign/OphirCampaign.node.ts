import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { credentialTest } from '../shared/credentialTest';
import { resources } from './actions/resources';
import { router } from './actions/router';

export class OphirCampaign implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'OPhir Campaign',
		name: 'ophirCampaign',
		icon: { light: 'file:../../icons/ophir.svg', dark: 'file:../../icons/ophir.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Manage OPhir cold-email campaigns, leads, templates, mailboxes and the OPhir database',
		defaults: { name: 'OPhir Campaign' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'ophirPostgresApi', required: true, testedBy: 'ophirConnectionTest' }],
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

	methods = { credentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
