import type { Pool } from 'pg';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { credentialsFromFields, type OphirCredentials } from '../core/connectionSettings';
import { getPool } from '../core/pool';

export const CREDENTIAL_TYPE = 'ophirPostgresApi';

export interface OphirConnection {
	credentials: OphirCredentials;
	pool: Pool;
}

/** The credential's settings and this process's shared pool for them. */
export function connect(raw: ICredentialDataDecryptedObject): OphirConnection {
	const credentials = credentialsFromFields(raw);
	return { credentials, pool: getPool(credentials.database) };
}
