import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { OphirError } from '../core/validation';

/** The error output of one item under continueOnFail; otherwise throws it as a NodeOperationError. */
export function failedItem(context: IExecuteFunctions, error: unknown, itemIndex: number): INodeExecutionData {
	const nodeError = toNodeError(context, error, itemIndex);
	if (!context.continueOnFail()) throw nodeError;
	// InvalidInputError, NotFoundError or ConflictError: lets an IF node after the error output tell them apart.
	const errorType = error instanceof OphirError && error.name !== 'OphirError' ? { errorType: error.name } : {};
	return {
		json: {
			error: nodeError.message,
			...(nodeError.description ? { details: nodeError.description } : {}),
			...errorType,
		},
		pairedItem: { item: itemIndex },
	};
}

/** An error of one item as n8n shows it: a NodeOperationError naming the item. */
export function toNodeError(context: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError {
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
	return new NodeOperationError(context.getNode(), `${prefix}${message ?? String(error)} ${where}`, {
		itemIndex,
		...(PREPARED_STATEMENT_CODES.has(code ?? '') ? { description: PREPARED_STATEMENTS_HINT } : {}),
	});
}

// A prepared statement missing on, or already on, the server connection: a pooler (PgBouncer in transaction mode
// before 1.21) handed the transaction a connection other than the one the statement was prepared on.
const PREPARED_STATEMENT_CODES = new Set(['26000', '42P05']);
const PREPARED_STATEMENTS_HINT =
	'Behind PgBouncer in transaction pooling mode (before 1.21, or without max_prepared_statements), turn off "Prepared Statements" in the OPhir credential.';
