import type { INodeProperties } from 'n8n-workflow';

import { completeEmails, type Delivery } from '../../core/sending';
import { readEachItem } from '../../shared/parameters';
import type { BatchExecute } from '../../shared/runPerItem';
import { claimField } from './fields';

export const description: INodeProperties[] = [
	claimField('queueId', 'Queue ID'),
	claimField('leaseToken', 'Lease Token'),
	{ ...claimField('messageId', 'Message ID'), description: 'The Message-ID the email was sent with (Claim gives one)' },
];

/** Records every input item's email as sent, in one transaction. */
export const executeBatch: BatchExecute = async function ({ items, tenant, executionId }) {
	const deliveries = readEachItem(this, items.length, (params) => ({
		id: params.uuid('queueId', 'Queue ID'),
		leaseToken: params.uuid('leaseToken', 'Lease Token'),
		messageId: params.string('messageId', 'Message ID'),
	}));
	const valid = deliveries.filter((d): d is Delivery => !(d instanceof Error));
	const outcome = await tenant((tx) => completeEmails(tx, valid, { executionId }));
	const recorded = new Set(outcome.recorded);
	return deliveries.map((d) =>
		d instanceof Error
			? d
			: recorded.has(d.id)
				? { queueId: d.id, status: 'sent', recorded: true }
				: {
						queueId: d.id,
						recorded: false,
						reason:
							'not leased with this token: the lease expired and the email was claimed again, or it was already reported',
					},
	);
};
