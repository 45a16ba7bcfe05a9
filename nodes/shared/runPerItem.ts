import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { SecretBox, type TenantTx, withTenant } from '../core/db';
import { CREDENTIAL_TYPE, connect, type OphirConnection } from './credentials';
import { failedItem } from './itemErrors';
import { ItemParameters } from './parameters';

/** What an operation gets: the credential's connection, and ways to act for its organization. */
export interface OperationContext extends OphirConnection {
	/** n8n's execution id, recorded on the rows the operation writes. */
	executionId: string;
	/** Runs `work` in one transaction acting for the credential's organization. */
	tenant<T>(work: (tx: TenantTx) => Promise<T>): Promise<T>;
	/** Seals and opens mailbox secrets with the credential's encryption key(s). */
	secretBox(): SecretBox;
	/**
	 * Opens sealed secrets, asking for the credential's encryption key only when there is one to open: for work that
	 * opens an organization's own tracking secrets, which most organizations do not have.
	 */
	opener: Pick<SecretBox, 'open'>;
}

export interface ItemContext extends OperationContext {
	itemIndex: number;
	item: INodeExecutionData;
	params: ItemParameters;
}

/** Handles one input item; may return several output items (a list), all paired with that input. */
export type OperationExecute = (this: IExecuteFunctions, context: ItemContext) => Promise<object | object[]>;

/**
 * Handles all input items at once (set-based operations); returns exactly one output per input item, or the Error
 * of an item that could not be handled (its own bad parameters, say) while the others were.
 */
export type BatchExecute = (
	this: IExecuteFunctions,
	context: OperationContext & { items: INodeExecutionData[] },
) => Promise<Array<object | Error>>;

async function operationContext(this: IExecuteFunctions): Promise<OperationContext | Error> {
	// A credential that cannot be used fails every item the same way, each as its own (continuable) error.
	const connection = await this.getCredentials(CREDENTIAL_TYPE)
		.then(connect)
		.catch((error: unknown) => error as Error);
	if (connection instanceof Error) return connection;
	let box: SecretBox | undefined;
	const secretBox = () =>
		(box ??= new SecretBox(connection.credentials.encryptionKey, connection.credentials.previousEncryptionKeys));
	return {
		...connection,
		executionId: this.getExecutionId(),
		tenant: (work) => withTenant(connection.pool, connection.credentials.organizationId, work),
		secretBox,
		opener: { open: (sealed) => secretBox().open(sealed) },
	};
}

/**
 * The loop every OPhir node shares: one call per input item, every output item paired with its input,
 * errors turned into NodeOperationError naming the item, and continueOnFail honoured per item.
 */
export async function runPerItem(this: IExecuteFunctions, execute: OperationExecute): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const context = await operationContext.call(this);
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			if (context instanceof Error) throw context;
			const params = new ItemParameters(this, itemIndex);
			const result = await execute.call(this, { ...context, itemIndex, item: items[itemIndex], params });
			for (const json of Array.isArray(result) ? result : [result]) {
				output.push({ json: json as IDataObject, pairedItem: { item: itemIndex } });
			}
		} catch (error) {
			output.push(failedItem(this, error, itemIndex));
		}
	}
	return [output];
}

/** Runs a set-based operation over all items; if it fails as a whole, every item carries the error. */
export async function runBatch(this: IExecuteFunctions, execute: BatchExecute): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	try {
		const context = await operationContext.call(this);
		if (context instanceof Error) throw context;
		const results = await execute.call(this, { ...context, items });
		return [
			results.map((result, itemIndex) =>
				result instanceof Error
					? failedItem(this, result, itemIndex)
					: { json: result as IDataObject, pairedItem: { item: itemIndex } },
			),
		];
	} catch (error) {
		return [items.map((_item, itemIndex) => failedItem(this, error, itemIndex))];
	}
}
