import type { INodeProperties } from 'n8n-workflow';

import { SYSTEM_ORGANIZATION_ID, withTenant } from '../../../core/db';
import { MAX_KEEP_PREVIOUS_DAYS, rotateTrackingSecret } from '../../../core/tracking';
import { OphirError, requireUuid } from '../../../core/validation';
import type { OperationExecute } from '../../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName:
			'Gives the organization a new random tracking secret (stored encrypted with the credential’s Encryption Key) that signs its new tracking links and return paths. Links already sent keep working with the previous secret for the days below. The secret itself is never shown.',
		name: 'rotateTrackingSecretNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Keep Previous Valid (Days)',
		name: 'keepPreviousDays',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: MAX_KEEP_PREVIOUS_DAYS },
		default: 90,
		description:
			'How long links signed with the previous secret keep working; 0 stops them at once (e.g. after a leak)',
	},
	{
		displayName: 'Organization Name or ID',
		name: 'organizationId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getOrganizations' },
		default: '',
		description:
			'System organization credential only: the organization whose secret to rotate (empty: the credential’s own). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
];

/** Rotates the credential's own organization's secret, or (system organization) a client's, in that client's transaction. */
export const execute: OperationExecute = async function ({ params, credentials, pool, secretBox }) {
	const keepPreviousDays = params.wholeNumber(
		'keepPreviousDays',
		'Keep Previous Valid (Days)',
		0,
		MAX_KEEP_PREVIOUS_DAYS,
		90,
	);
	const own = credentials.organizationId.toLowerCase();
	const chosen = params.optionalString('organizationId');
	const target = chosen === undefined ? own : requireUuid(chosen, 'Organization').toLowerCase();
	if (target !== own && own !== SYSTEM_ORGANIZATION_ID) {
		throw new OphirError(
			'Only a credential acting for the system organization can rotate another organization’s tracking secret',
			'Leave Organization empty to rotate this credential’s own organization’s secret.',
		);
	}
	const box = secretBox();
	const rotation = await withTenant(pool, target, (tx) => rotateTrackingSecret(tx, box, { keepPreviousDays }));
	return { organizationId: target, ...rotation };
};
