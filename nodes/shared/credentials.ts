import type { ICredentialDataDecryptedObject, IWebhookFunctions } from 'n8n-workflow';

import { credentialsFromFields, type DatabasePool, getPool, type OphirCredentials } from '../core/db';

export const CREDENTIAL_TYPE = 'ophirPostgresApi';

export interface OphirConnection {
	credentials: OphirCredentials;
	pool: DatabasePool;
}

/** The credential's settings and this process's shared pool for them. */
export function connect(raw: ICredentialDataDecryptedObject): OphirConnection {
	const credentials = credentialsFromFields(raw);
	return { credentials, pool: getPool(credentials.database) };
}

/**
 * The credential of a webhook request, decrypted by n8n at most once a minute per credential and process: n8n
 * spends more time decrypting a credential than OPhir spends answering a tracking request. A changed credential
 * takes effect within the minute.
 */
const WEBHOOK_CREDENTIAL_TTL_MS = 60_000;
const webhookCredentialCache = new Map<string, { at: number; data: ICredentialDataDecryptedObject }>();

export async function webhookCredentials(context: IWebhookFunctions): Promise<ICredentialDataDecryptedObject> {
	const id = context.getNode().credentials?.[CREDENTIAL_TYPE]?.id;
	const cached = id ? webhookCredentialCache.get(id) : undefined;
	if (cached && Date.now() - cached.at < WEBHOOK_CREDENTIAL_TTL_MS) return cached.data;
	const data = await context.getCredentials(CREDENTIAL_TYPE);
	if (id) webhookCredentialCache.set(id, { at: Date.now(), data });
	return data;
}
