import { type AccountHealth, updateAccountHealth, type HealthOptions } from './accountHealth';
import { type EventInput, type EventOutcome, recordEvents } from './events';
import type { InboundClassification } from './inboundClassification';
import { verifyReturnPathToken } from './returnPath';
import type { TenantTx } from '../db/tenantTransaction';
import { usableTrackingKeys } from './trackingToken';

// Process Inbound Email, after classification. Anyone can send mail to the replies mailbox, so nothing in an
// inbound email is taken at its word; it acts only on an email OPhir can prove it sent:
// - by a Message-ID of ours it refers to (In-Reply-To, References, or the copy a DSN/ARF attaches), or
// - by a signed return path it was addressed to (returnPath.ts; a bare plus address proves nothing), verified with
//   the organization's verifying keys (trackingSecrets.ts); a version 2 one only in the organization it names.
// A proven hard bounce or complaint stops every lead with the address of the email it proves and suppresses that
// address (the address the report names is never used), and updates the email's mailbox health; one not proven is
// `unmatched` and writes nothing. A reply whose In-Reply-To/References name no email of ours may still stop the
// lead it comes from when OPhir sent to that address in this organization: a reply only ever stops its own lead,
// never suppresses, and never touches a mailbox's health. Each report counts once per email (inboundEventId).

export type InboundOutcome = {
	action: 'recorded' | 'duplicate' | 'unmatched' | 'ignored';
	event?: EventOutcome;
	reason?: string;
};

type InboundEmail = InboundClassification & { eventId?: string };

const EVENT_OF: Partial<Record<InboundClassification['kind'], EventInput['type']>> = {
	reply: 'replied',
	bounce: 'bounced',
	complaint: 'complained',
};

/** For each email, our email it proves (latest step first), or how a reply was matched by its sender. */
async function provenEmails(
	tx: TenantTx,
	emails: InboundEmail[],
	secrets: readonly string[],
): Promise<Array<{ queueId: string; by: string } | undefined>> {
	// Only keys that could have signed anything: with none, no token can be ours.
	const keys = usableTrackingKeys(secrets);
	const signed = emails.map((email) =>
		keys.length
			? (email.returnPathTokens ?? [])
					.map((token) => verifyReturnPathToken(keys, tx.organizationId, token)?.queueId)
					.find((id) => id)
			: undefined,
	);
	const referenced = [...new Set(emails.flatMap((e) => e.referencedMessageIds))];
	const { rows } = referenced.length
		? await tx.query<{ message_id: string; id: string; step: number }>(
				`SELECT message_id, id, sequence_step AS step FROM email_queue
				 WHERE organization_id = $1 AND message_id = ANY($2::text[])`,
				[tx.organizationId, referenced],
			)
		: { rows: [] };
	const ours = new Map(rows.map((row) => [row.message_id, row]));
	const byMessageId = emails.map(
		(email) =>
			email.referencedMessageIds
				.map((id) => ours.get(id))
				.filter((row): row is NonNullable<typeof row> => !!row)
				.sort((a, b) => b.step - a.step)[0],
	);
	// A reply proven by neither: its sender's latest email from us, if OPhir ever sent to that address here.
	const senders = emails.map((email, i) =>
		email.kind === 'reply' && !byMessageId[i] && !signed[i] && email.from ? email.from : null,
	);
	const addresses = [...new Set(senders.filter((from): from is string => !!from))];
	const { rows: sentTo } = addresses.length
		? await tx.query<{ email: string; id: string }>(
				`SELECT DISTINCT ON (l.email) l.email, q.id FROM email_queue q JOIN leads l ON l.organization_id = q.organization_id AND l.id = q.lead_id
				 WHERE q.organization_id = $1 AND l.email = ANY($2::text[]) AND q.sent_at IS NOT NULL
				 ORDER BY l.email, q.sent_at DESC`,
				[tx.organizationId, addresses],
			)
		: { rows: [] };
	const lastSentTo = new Map(sentTo.map((row) => [row.email, row.id]));
	return emails.map((_, i) => {
		if (byMessageId[i]) return { queueId: byMessageId[i].id, by: 'message-id' };
		if (signed[i]) return { queueId: signed[i]!, by: 'return-path' };
		const bySender = senders[i] && lastSentTo.get(senders[i]!);
		return bySender ? { queueId: bySender, by: 'sender' } : undefined;
	});
}

/**
 * One bounce of each kind and one complaint per email, and each reply once: a report sent in again (a re-fetched
 * mailbox, a re-run, or someone repeating a report about their own email) is a duplicate, so it cannot inflate the
 * counts that pause a mailbox.
 */
function inboundEventId(type: EventInput['type'], email: InboundEmail, queueId: string): string {
	if (type === 'bounced') return `inbound:bounced:${email.bounceType ?? 'hard'}:${queueId}`;
	if (type === 'complained') return `inbound:complained:${queueId}`;
	return `inbound:replied:${queueId}:${email.receivedAt ?? ''}`;
}

function unprovenReason(email: InboundEmail): string {
	if (email.kind === 'reply')
		return 'refers to no email of ours, and OPhir never sent to its sender in this organization';
	const tokens = email.returnPathTokens?.length
		? ' (its return path token is not signed for this organization with its tracking keys)'
		: '';
	return `not proven to concern an email of ours: no Message-ID of ours and no signed return path${tokens}; the address it names is not trusted`;
}

export async function processInbound(
	tx: TenantTx,
	emails: InboundEmail[],
	{
		secrets,
		executionId = null,
		health,
	}: {
		/** The organization's verifying keys (verifyingTrackingKeys), for signed return paths. */
		secrets: readonly string[];
		executionId?: string | null;
		health?: HealthOptions;
	},
): Promise<{ outcomes: InboundOutcome[]; health: AccountHealth[] }> {
	const proven = await provenEmails(tx, emails, secrets);
	const events: EventInput[] = [];
	const outcomes: InboundOutcome[] = emails.map((email, i) => {
		const type = EVENT_OF[email.kind];
		if (!type)
			return {
				action: 'ignored',
				reason: email.kind === 'auto_reply' ? 'automatic reply' : (email.reason ?? 'not a reply, bounce or complaint'),
			};
		const target = proven[i];
		if (!target) return { action: 'unmatched', reason: unprovenReason(email) };
		events.push({
			type,
			queueId: target.queueId,
			eventId: email.eventId ?? inboundEventId(type, email, target.queueId),
			at: email.receivedAt && !Number.isNaN(Date.parse(email.receivedAt)) ? new Date(email.receivedAt) : undefined,
			bounceType: email.kind === 'bounce' ? (email.bounceType ?? 'hard') : undefined,
			metadata: {
				source: 'inbound',
				matchedBy: target.by,
				...(email.status ? { status: email.status } : {}),
				...(email.diagnosticCode ? { diagnosticCode: email.diagnosticCode.slice(0, 500) } : {}),
				...(email.failedRecipient ? { failedRecipient: email.failedRecipient } : {}),
				...(email.subject ? { subject: email.subject.slice(0, 300) } : {}),
				...(email.textSnippet ? { snippet: email.textSnippet } : {}),
			},
		});
		return { action: 'recorded' };
	});
	const recorded = await recordEvents(tx, events, { executionId });
	let next = 0;
	for (let i = 0; i < outcomes.length; i++) {
		if (outcomes[i].action !== 'recorded') continue;
		const event = recorded[next++];
		outcomes[i] = {
			action: event.status === 'recorded' ? 'recorded' : event.status,
			event,
			...(event.status === 'unmatched' ? { reason: event.reason } : {}),
		};
	}
	// Mailboxes whose reputation just changed (proven hard bounces and complaints, what health counts): their health,
	// and a pause when a threshold is crossed.
	const hurt = recorded
		.map((event, n) => {
			const { type, bounceType } = events[n];
			const counts = type === 'complained' || (type === 'bounced' && bounceType === 'hard');
			return event.status === 'recorded' && event.queueId && counts ? event.queueId : undefined;
		})
		.filter((id): id is string => !!id);
	if (hurt.length === 0) return { outcomes, health: [] };
	const { rows: accounts } = await tx.query<{ id: string }>(
		`SELECT DISTINCT email_account_id AS id FROM email_queue WHERE organization_id = $1 AND id = ANY($2::uuid[]) AND email_account_id IS NOT NULL`,
		[tx.organizationId, hurt],
	);
	const updated = accounts.length
		? await updateAccountHealth(tx, { ...health, accountIds: accounts.map((a) => a.id) })
		: { accounts: [] };
	return { outcomes, health: updated.accounts };
}
