import type { ILoadOptionsFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { type TenantTx, withTenant } from '../../core/db';
import { OphirError } from '../../core/validation';
import { CREDENTIAL_TYPE, connect } from '../credentials';

/**
 * Reads what the editor lists (pickers, dropdowns, the import's columns) in a transaction acting for the
 * credential's organization. Anything that fails (the credential, the connection, the query) becomes a
 * NodeOperationError "Could not list <what>: …", which n8n shows where the list would be.
 */
export async function forOrganization<T>(
	context: ILoadOptionsFunctions,
	what: string,
	read: (tx: TenantTx) => Promise<T>,
): Promise<T> {
	try {
		const { credentials, pool } = connect(await context.getCredentials(CREDENTIAL_TYPE));
		return await withTenant(pool, credentials.organizationId, read);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `Could not list ${what}: ${(error as Error).message}`, {
			description: error instanceof OphirError ? error.description : undefined,
		});
	}
}
