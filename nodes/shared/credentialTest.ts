import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { checkConnection, credentialsFromFields } from '../core/db';

/** `testedBy` method of every OPhir node: reports the first thing that keeps the credential from working. */
export async function ophirConnectionTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	try {
		const { ok, message } = await checkConnection(credentialsFromFields(credential.data ?? {}));
		return { status: ok ? 'OK' : 'Error', message };
	} catch (error) {
		// Invalid credential fields (e.g. an organization ID that is not a UUID) are reported like any failure.
		return { status: 'Error', message: (error as Error).message };
	}
}

export const credentialTest = { ophirConnectionTest };
