import type { INodeProperties } from 'n8n-workflow';

import { classifyInboundEmail, processInbound, verifyingTrackingKeys } from '../../core/tracking';
import type { BatchExecute } from '../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName:
			'Connect n8n’s Email Trigger (IMAP) on the mailbox replies and bounces go to (any format: simple, resolved or raw). ' +
			'Bounces (RFC 3464 reports and common non-standard ones), complaints (ARF), auto-replies and replies are told apart. ' +
			'Only mail that proves it concerns an email OPhir sent (our Message-ID, or a signed return path) acts: replies stop the lead, ' +
			'hard bounces and complaints stop and suppress the address and lower the mailbox’s health; the rest comes out as unmatched.',
		name: 'inboundNotice',
		type: 'notice',
		default: '',
	},
];

/**
 * Classifies every input email, then records them all in one transaction of the credential's organization; signed
 * return paths are verified with its tracking keys (its own secrets and the credential's Tracking Secret). One
 * output item per email.
 */
export const executeBatch: BatchExecute = async function ({ items, tenant, credentials, executionId, secretBox }) {
	const classified = await Promise.all(items.map((item) => classifyInboundEmail(item.json)));
	// The box is opened only when the organization has a tracking secret of its own.
	const box = { open: (sealed: string) => secretBox().open(sealed) };
	const { outcomes, health } = await tenant(async (tx) =>
		processInbound(tx, classified, {
			secrets: await verifyingTrackingKeys(tx, box, credentials.trackingSecret),
			executionId,
		}),
	);
	return classified.map((classification, i) => ({
		...classification,
		...outcomes[i],
		...(i === 0 && health.length ? { mailboxHealth: health } : {}),
	}));
};
