import { type AccountHealth, updateAccountHealth, type HealthOptions } from './accountHealth';
import { type EventInput, type EventOutcome, recordEvents } from './events';
import type { InboundClassification } from './inboundEmail';
import type { TenantTx } from './tenantTransaction';

/**
 * Process Inbound Email, after classification: a reply stops its lead's sequence, a hard bounce stops every lead
 * with the address and suppresses it, a soft bounce is only recorded, a complaint stops and suppresses; auto-replies
 * and unrelated mail change nothing. Each is matched to the email we sent by the Message-IDs it refers to (or its
 * plus address, or the bounced address). The health of every mailbox that got a bounce or complaint is updated.
 */

export type InboundOutcome = { action: 'recorded' | 'duplicate' | 'unmatched' | 'ignored'; event?: EventOutcome; reason?: string };

const EVENT_OF: Partial<Record<InboundClassification['kind'], EventInput['type']>> = {
	reply: 'replied',
	bounce: 'bounced',
	complaint: 'complained',
};

export async function processInbound(
	tx: TenantTx,
	emails: Array<InboundClassification & { eventId?: string }>,
	{ executionId = null, health }: { executionId?: string | null; health?: HealthOptions } = {},
): Promise<{ outcomes: InboundOutcome[]; health: AccountHealth[] }> {
	// Our emails by the Message-IDs the inbound ones refer to, all at once; the latest step wins.
	const ids = [...new Set(emails.flatMap((e) => e.referencedMessageIds))];
	const { rows } = await tx.client.query<{ message_id: string; id: string; step: number }>(
		`SELECT message_id, id, sequence_step AS step FROM email_queue
		 WHERE organization_id = $1 AND message_id = ANY($2::text[])`,
		[tx.organizationId, ids],
	);
	const ours = new Map(rows.map((row) => [row.message_id, row]));
	const events: EventInput[] = [];
	const outcomes: InboundOutcome[] = emails.map((email) => {
		const type = EVENT_OF[email.kind];
		if (!type) return { action: 'ignored', reason: email.kind === 'auto_reply' ? 'automatic reply' : (email.reason ?? 'not a reply, bounce or complaint') };
		const matched = email.referencedMessageIds
			.map((id) => ours.get(id))
			.filter((row): row is NonNullable<typeof row> => !!row)
			.sort((a, b) => b.step - a.step)[0];
		const target: Partial<EventInput> = matched
			? { queueId: matched.id }
			: email.plusAddressQueueId
				? { queueId: email.plusAddressQueueId }
				: { email: email.kind === 'reply' ? email.from : email.failedRecipient };
		events.push({
			type,
			...target,
			eventId: email.eventId,
			at: email.receivedAt && !Number.isNaN(Date.parse(email.receivedAt)) ? new Date(email.receivedAt) : undefined,
			bounceType: email.kind === 'bounce' ? (email.bounceType ?? 'hard') : undefined,
			metadata: {
				source: 'inbound',
				...(email.status ? { status: email.status } : {}),
				...(email.diagnosticCode ? { diagnosticCode: email.diagnosticCode.slice(0, 500) } : {}),
				...(email.subject ? { subject: email.subject.slice(0, 300) } : {}),
				...(email.textSnippet ? { snippet: email.textSnippet } : {}),
			},
		});
		return { action: 'recorded' };
	});
	const recorded = await recordEvents(tx, events, { executionId });
	let next = 0;
	for (let i = 0; i < outcomes.length; i++) {
		if (outcomes[i].action === 'ignored') continue;
		const event = recorded[next++];
		outcomes[i] = {
			action: event.status === 'recorded' ? 'recorded' : event.status,
			event,
			...(event.status === 'unmatched' ? { reason: event.reason } : {}),
		};
	}
	// Mailboxes whose reputation just changed: their health, and a pause when a threshold is crossed.
	const hurt = recorded
		.map((event, n) => (event.status === 'recorded' && event.queueId && events[n].type !== 'replied' ? event.queueId : undefined))
		.filter((id): id is string => !!id);
	if (hurt.length === 0) return { outcomes, health: [] };
	const { rows: accounts } = await tx.client.query<{ id: string }>(
		`SELECT DISTINCT email_account_id AS id FROM email_queue WHERE organization_id = $1 AND id = ANY($2::uuid[]) AND email_account_id IS NOT NULL`,
		[tx.organizationId, hurt],
	);
	const updated = accounts.length ? await updateAccountHealth(tx, { ...health, accountIds: accounts.map((a) => a.id) }) : { accounts: [] };
	return { outcomes, health: updated.accounts };
}
