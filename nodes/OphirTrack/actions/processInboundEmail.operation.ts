import type { INodeProperties } from 'n8n-workflow';

import { classifyInboundEmail } from '../../core/inboundEmail';
import { processInbound } from '../../core/inboundProcessing';
import type { BatchExecute } from '../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName:
			'Connect n8n’s Email Trigger (IMAP) on the mailbox replies and bounces go to (any format: simple, resolved or raw). Bounces (RFC 3464 reports and common non-standard ones), complaints (ARF), auto-replies and replies are told apart; replies stop the lead, hard bounces stop and suppress the address and lower the mailbox’s health.',
		name: 'inboundNotice',
		type: 'notice',
		default: '',
	},
];

/** Classifies every input email, then records them all in one transaction; one output item per email. */
export const executeBatch: BatchExecute = async function ({ items, tenant, executionId }) {
	const classified = await Promise.all(items.map((item) => classifyInboundEmail(item.json)));
	const { outcomes, health } = await tenant((tx) => processInbound(tx, classified, { executionId }));
	return classified.map((classification, i) => ({
		...classification,
		...outcomes[i],
		...(i === 0 && health.length ? { mailboxHealth: health } : {}),
	}));
};
