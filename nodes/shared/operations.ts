import type { IExecuteFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { type BatchExecute, type OperationExecute, runBatch, runPerItem } from './runPerItem';

/** One operation of a resource: its parameters, and either a per-item or an all-items execute. */
export type Operation = { description: INodeProperties[] } & (
	| { execute: OperationExecute; executeBatch?: never }
	| { executeBatch: BatchExecute; execute?: never }
);

export function runOperation(this: IExecuteFunctions, operation: Operation): Promise<INodeExecutionData[][]> {
	return operation.executeBatch
		? runBatch.call(this, operation.executeBatch)
		: runPerItem.call(this, operation.execute!);
}

/** Runs the operation the node's "operation" parameter names, from `operations`. */
export function runNamedOperation(
	this: IExecuteFunctions,
	operations: Record<string, Operation> | undefined,
	what: string,
): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const selected = operations?.[operation];
	if (!selected)
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of ${what} is not supported`);
	return runOperation.call(this, selected);
}

/** `fields` with more displayOptions.show conditions, keeping the ones each field already has. */
function shownWhen(fields: INodeProperties[], show: Record<string, string[]>): INodeProperties[] {
	return fields.map((field) => ({
		...field,
		displayOptions: { ...field.displayOptions, show: { ...field.displayOptions?.show, ...show } },
	}));
}

/** Shows `fields` only for these operations of this resource (n8n displayOptions), keeping other options given. */
export function showFor(resource: string, operations: string[], fields: INodeProperties[]): INodeProperties[] {
	return shownWhen(fields, { resource: [resource], operation: operations });
}

/** The Operation choice: one per resource (shown only for it), or the only one of a node without resources. */
function operationField(choices: INodePropertyOptions[], defaultOperation: string, resource?: string): INodeProperties {
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		...(resource ? { displayOptions: { show: { resource: [resource] } } } : {}),
		options: choices,
		default: defaultOperation,
	};
}

/** A resource's parameters: its Operation choice, then each operation's own fields, shown only for it. */
export function resourceDescription(
	resource: string,
	operations: Record<string, Operation>,
	defaultOperation: string,
	choices: INodePropertyOptions[],
): INodeProperties[] {
	return [
		operationField(choices, defaultOperation, resource),
		...Object.entries(operations).flatMap(([name, operation]) => showFor(resource, [name], operation.description)),
	];
}

/** A node without resources: its Operation choice, then each operation's own fields, shown only for it. */
export function operationsDescription(
	operations: Record<string, Operation>,
	defaultOperation: string,
	choices: INodePropertyOptions[],
): INodeProperties[] {
	return [
		operationField(choices, defaultOperation),
		...Object.entries(operations).flatMap(([name, operation]) =>
			shownWhen(operation.description, { operation: [name] }),
		),
	];
}
