import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { credentialTest } from '../shared/credentialTest';
import { listSearch } from '../shared/methods/listSearch';
import { loadOptions } from '../shared/methods/loadOptions';
import { ACTION_NODE, OPHIR_ICON } from '../shared/nodeDescription';
import { runNamedOperation } from '../shared/operations';
import { description, operations } from './actions/operations';

export class OphirTrack implements INodeType {
	description: INodeTypeDescription = {
		...ACTION_NODE,
		displayName: 'OPhir Track',
		name: 'ophirTrack',
		// Version 2 picks campaigns from a list in Campaign Stats; version 1 workflows keep their ID text.
		version: [1, 2],
		defaultVersion: 2,
		icon: OPHIR_ICON,
		defaults: { name: 'OPhir Track' },
		usableAsTool: true,
		credentials: [{ name: 'ophirPostgresApi', required: true, testedBy: 'ophirConnectionTest' }],
		subtitle: '={{ $parameter["operation"] }}',
		description: 'Record email events, process replies and bounces, report campaign stats and mailbox health, log runs',
		properties: description,
	};

	methods = { credentialTest, listSearch, loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return runNamedOperation.call(this, operations, 'OPhir Track');
	}
}
