import type { ICredentialDataDecryptedObject, ICredentialTestFunctions } from 'n8n-workflow';

import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';

/** Runs the credential test exactly as n8n does when a user clicks "Test" in the credential dialog. */
export async function testCredential(data: ICredentialDataDecryptedObject) {
	const node = new OphirCampaign();
	const [{ testedBy }] = node.description.credentials!;
	const method = node.methods.credentialTest[testedBy as 'ophirConnectionTest'];
	return method.call({} as ICredentialTestFunctions, { id: '1', name: 'OPhir', type: 'ophirPostgresApi', data });
}
