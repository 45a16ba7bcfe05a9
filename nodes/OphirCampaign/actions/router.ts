import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runNamedOperation } from '../../shared/operations';
import { resources } from './resources';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	return runNamedOperation.call(this, resources[resource]?.operations, `"${resource}"`);
}
