import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { credentialTest } from '../shared/credentialTest';
import { runNamedOperation, showForOperation } from '../shared/operations';
import { operationField, operations } from './actions/operations';

export class OphirTrack implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'OPhir Track',
		name: 'ophirTrack',
		icon: { light: 'file:../../icons/ophir.svg', dark: 'file:../../icons/ophir.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description: 'Record email events, process replies and bounces, report campaign stats and mailbox health, log runs',
		defaults: { name: 'OPhir Track' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'ophirPostgresApi', required: true, testedBy: 'ophirConnectionTest' }],
		properties: [operationField, ...showForOperation(operations)],
	};

	methods = { credentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return runNamedOperation.call(this, operations, 'OPhir Track');
	}
}
