import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { credentialTest } from '../shared/credentialTest';
import { loadOptions } from '../shared/methods/loadOptions';
import { ACTION_NODE, OPHIR_ICON } from '../shared/nodeDescription';
import { runNamedOperation } from '../shared/operations';
import { description, operations } from './actions/operations';

export class OphirQueue implements INodeType {
	description: INodeTypeDescription = {
		...ACTION_NODE,
		displayName: 'OPhir Queue',
		name: 'ophirQueue',
		icon: OPHIR_ICON,
		defaults: { name: 'OPhir Queue' },
		usableAsTool: true,
		credentials: [{ name: 'ophirPostgresApi', required: true, testedBy: 'ophirConnectionTest' }],
		subtitle: '={{ $parameter["operation"] }}',
		description: 'Schedule and send OPhir cold-email sequences through rotating mailboxes',
		properties: description,
	};

	methods = { credentialTest, loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return runNamedOperation.call(this, operations, 'OPhir Queue');
	}
}
