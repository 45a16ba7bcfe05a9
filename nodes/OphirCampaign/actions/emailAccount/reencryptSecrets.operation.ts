import type { INodeProperties } from 'n8n-workflow';

import { reencryptSecrets } from '../../../core/outreach';
import { reencryptTrackingSecrets } from '../../../core/tracking';
import { forOrganizations, organizationsFieldsFromVersion2 } from '../../../shared/organizationScope';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName:
			'After a key rotation: put the old key in the credential\'s "Previous Encryption Keys" and the new one in "Encryption Key", then run this once. Every stored secret is re-sealed with the new key; the old key can then be removed.',
		name: 'reencryptNotice',
		type: 'notice',
		default: '',
	},
	...organizationsFieldsFromVersion2,
];

/**
 * The mailboxes' secrets and the organization's own tracking secrets, in one transaction per organization (the
 * operator re-seals every organization's with All Organizations: one organization cannot read another's).
 */
export const execute: OperationExecute = async function (context) {
	const box = context.secretBox();
	return forOrganizations(context, (tenant) =>
		tenant(async (tx) => ({
			...(await reencryptSecrets(tx, box)),
			trackingSecretsReencrypted: await reencryptTrackingSecrets(tx, box),
		})),
	);
};
