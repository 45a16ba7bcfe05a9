import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { OphirError } from '../core/errors';
import { CREDENTIAL_TYPE, connect, type OphirConnection } from './credentials';

/** What an operation's execute gets for one input item. */
export interface ItemContext extends OphirConnection {
	itemIndex: number;
	item: INodeExecutionData;
	/** n8n's execution id, recorded on the rows the operation writes. */
	executionId: string;
}

export type OperationExecute = (
	this: IExecuteFunctions,
	context: ItemContext,
) => Promise<IDataObject | IDataObject[]>;

/**
 * The loop every OPhir node shares: one call per input item, every output item paired with its input,
 * errors turned into NodeOperationError naming the item, and continueOnFail honoured per item.
 */
export async function runPerItem(
	this: IExecuteFunctions,
	execute: OperationExecute,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	// A credential that cannot be used fails every item the same way, each as its own (continuable) error.
	const connection = await this.getCredentials(CREDENTIAL_TYPE)
		.then(connect)
		.catch((error: unknown) => error as Error);
	const executionId = this.getExecutionId();
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			if (connection instanceof Error) throw connection;
			const result = await execute.call(this, { ...connection, itemIndex, item: items[itemIndex], executionId });
			for (const json of Array.isArray(result) ? result : [result]) {
				output.push({ json, pairedItem: { item: itemIndex } });
			}
		} catch (error) {
			const nodeError = toNodeError(this, error, itemIndex);
			if (!this.continueOnFail()) throw nodeError;
			output.push({
				json: { error: nodeError.message, ...(nodeError.description ? { details: nodeError.description } : {}) },
				pairedItem: { item: itemIndex },
			});
		}
	}
	return [output];
}

function toNodeError(context: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const where = `[item ${itemIndex}]`;
	if (error instanceof OphirError) {
		return new NodeOperationError(context.getNode(), `${error.message} ${where}`, {
			itemIndex,
			description: error.description,
		});
	}
	const { message, code } = error as { message?: string; code?: string };
	// PostgreSQL errors carry a five-character SQLSTATE; say that the database refused, and why.
	const prefix = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? 'Database error: ' : '';
	return new NodeOperationError(context.getNode(), `${prefix}${message ?? String(error)} ${where}`, { itemIndex });
}
