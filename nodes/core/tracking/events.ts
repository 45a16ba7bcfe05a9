import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';

import { normalizeEmail } from '../validation/emailAddress';
import { InvalidInputError } from '../validation/errors';
import { requireUuid } from '../validation/ids';
import type { TenantTx } from '../db/tenantTransaction';

// Record Event: the one writer of email_activities for tracking, inbound mail and outside sources (ESP webhooks,
// CRMs). Events are matched to what OPhir sent (queue id, Message-ID, or the lead's address), written in one
// statement per batch, idempotent on the caller's event id, and applied to the leads at once: a reply stops the
// lead's sequence (unless its campaign's stopRules.onReply is off), a hard bounce or a complaint or an unsubscribe
// stops every lead with that address in the organization and suppresses the address. Counters follow by trigger.

export const EVENT_TYPES = ['sent', 'opened', 'clicked', 'replied', 'bounced', 'complained', 'unsubscribed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventInput {
	type: EventType;
	/** The caller's id for this event: the same id twice records once. */
	eventId?: string;
	queueId?: string;
	messageId?: string;
	/** The lead's address, when neither a queue id nor a Message-ID is known (the lead's last sent email is used). */
	email?: string;
	campaignId?: string;
	at?: Date;
	bounceType?: 'hard' | 'soft';
	/** Not a person (see machineTraffic.ts): kept, counted apart. */
	machine?: string;
	ip?: string | null;
	userAgent?: string | null;
	metadata?: Record<string, unknown>;
}

export type EventOutcome =
	| {
			status: 'recorded';
			activityId: string;
			queueId: string | null;
			leadId: string | null;
			campaignId: string | null;
			unique?: boolean;
	  }
	| { status: 'duplicate'; eventId: string }
	| { status: 'unmatched'; reason: string };

interface Resolved {
	idx: number;
	queue_id: string | null;
	lead_id: string | null;
	campaign_id: string | null;
}

function checkEvent(event: EventInput, index: number): EventInput {
	const where = (field: string) => `${field} (event ${index})`;
	if (!(EVENT_TYPES as readonly string[]).includes(event.type)) {
		throw new InvalidInputError(where('Event Type'), `one of ${EVENT_TYPES.join(', ')}`, event.type);
	}
	if (event.queueId !== undefined) requireUuid(event.queueId, where('Queue ID'));
	if (event.campaignId !== undefined) requireUuid(event.campaignId, where('Campaign ID'));
	if (event.bounceType !== undefined && !['hard', 'soft'].includes(event.bounceType)) {
		throw new InvalidInputError(where('Bounce Type'), 'hard or soft', event.bounceType);
	}
	if (event.at !== undefined && Number.isNaN(event.at.getTime()))
		throw new InvalidInputError(where('Time'), 'a valid date', event.at);
	if (
		event.eventId !== undefined &&
		(typeof event.eventId !== 'string' || !event.eventId.trim() || event.eventId.length > 255)
	) {
		throw new InvalidInputError(where('Event ID'), 'a text of 1 to 255 characters', event.eventId);
	}
	return event;
}

/** Finds what each event is about: its email (by id or Message-ID) or, by address, the lead and its last sent email. */
async function resolve(tx: TenantTx, events: EventInput[]): Promise<Resolved[]> {
	const { rows } = await tx.query<Resolved>(
		`SELECT i.idx, COALESCE(by_id.id, by_message.id, last_sent.id) AS queue_id,
		        COALESCE(by_id.lead_id, by_message.lead_id, lead.id) AS lead_id,
		        COALESCE(by_id.campaign_id, by_message.campaign_id, lead.campaign_id) AS campaign_id
		 FROM unnest($2::int[], $3::uuid[], $4::text[], $5::text[], $6::uuid[]) AS i(idx, queue_id, message_id, email, campaign_id)
		 LEFT JOIN LATERAL (SELECT q.id, q.lead_id, q.campaign_id FROM email_queue q
		                    WHERE q.organization_id = $1 AND q.id = i.queue_id) by_id ON true
		 LEFT JOIN LATERAL (SELECT q.id, q.lead_id, q.campaign_id FROM email_queue q
		                    WHERE by_id.id IS NULL AND i.message_id IS NOT NULL AND q.organization_id = $1 AND q.message_id = i.message_id
		                    LIMIT 1) by_message ON true
		 LEFT JOIN LATERAL (SELECT l.id, l.campaign_id FROM leads l
		                    WHERE by_id.id IS NULL AND by_message.id IS NULL AND i.email IS NOT NULL
		                      AND l.organization_id = $1 AND l.email = i.email AND (i.campaign_id IS NULL OR l.campaign_id = i.campaign_id)
		                    ORDER BY l.updated_at DESC NULLS LAST LIMIT 1) lead ON true
		 LEFT JOIN LATERAL (SELECT q.id FROM email_queue q
		                    WHERE lead.id IS NOT NULL AND q.organization_id = $1 AND q.lead_id = lead.id AND q.status = 'sent'
		                    ORDER BY q.sequence_step DESC LIMIT 1) last_sent ON true
		 ORDER BY i.idx`,
		[
			tx.organizationId,
			events.map((_, i) => i),
			events.map((e) => e.queueId ?? null),
			events.map((e) => e.messageId?.trim() || null),
			events.map((e) => (e.email ? (normalizeEmail(e.email) ?? e.email.trim().toLowerCase()) : null)),
			events.map((e) => e.campaignId ?? null),
		],
	);
	return rows;
}

export async function recordEvents(
	tx: TenantTx,
	input: EventInput[],
	{ executionId = null, now = new Date() }: { executionId?: string | null; now?: Date } = {},
): Promise<EventOutcome[]> {
	const events = input.map(checkEvent);
	if (events.length === 0) return [];
	const resolved = await resolve(tx, events);
	const outcomes: EventOutcome[] = new Array(events.length);
	const matched = resolved.filter((r) => {
		if (r.lead_id || r.queue_id) return true;
		const event = events[r.idx];
		outcomes[r.idx] = {
			status: 'unmatched',
			reason: event.queueId
				? `no email ${event.queueId} in this organization`
				: event.messageId
					? `no email with Message-ID ${event.messageId} in this organization`
					: event.email
						? `no lead with address ${event.email} in this organization`
						: 'the event names no email, Message-ID or address',
		};
		return false;
	});
	const ids = matched.map(() => randomUUID());
	const rows = matched.map((r, n) => {
		const e = events[r.idx];
		const metadata: Record<string, unknown> = { ...e.metadata };
		if (e.eventId) metadata.eventId = e.eventId;
		if (e.machine) metadata.machine = e.machine;
		if (e.type === 'bounced') metadata.bounceType = e.bounceType ?? 'hard';
		return { id: ids[n], r, e, metadata, ip: e.ip && isIP(e.ip) ? e.ip : null };
	});
	// Events seen before (by the source's event id) are left out up front, so that they cannot take an email's
	// unique open or click from the events that will be recorded. ON CONFLICT below still guards a race.
	const eventIds = [...new Set(rows.map((x) => x.e.eventId).filter((id): id is string => !!id))];
	const { rows: seen } = eventIds.length
		? await tx.query<{ event_id: string }>(
				`SELECT metadata ->> 'eventId' AS event_id FROM email_activities
				 WHERE organization_id = $1 AND metadata ? 'eventId' AND metadata ->> 'eventId' = ANY($2::text[])`,
				[tx.organizationId, eventIds],
			)
		: { rows: [] };
	const taken = new Set(seen.map((row) => row.event_id));
	const fresh = rows.filter(({ e }) => {
		if (!e.eventId) return true;
		if (taken.has(e.eventId)) return false;
		taken.add(e.eventId);
		return true;
	});
	const unique = await markFirstHuman(tx, fresh);
	const { rows: written } = await tx.query<{ id: string; is_unique: boolean | null }>(
		`INSERT INTO email_activities AS a (id, organization_id, email_queue_id, lead_id, campaign_id, event_type, timestamp, metadata,
		                                    ip_address, user_agent, n8n_execution_id)
		 SELECT i.id, $1, i.queue_id, i.lead_id, i.campaign_id, i.type, i.at,
		        CASE WHEN i.type IN ('opened', 'clicked') AND NOT i.metadata ? 'machine'
		             THEN i.metadata || jsonb_build_object('unique', i.id = ANY($11::uuid[]))
		             ELSE i.metadata END,
		        i.ip::inet, i.user_agent, $12
		 FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::timestamp[], $8::jsonb[], $9::text[], $10::text[])
		   WITH ORDINALITY AS i(id, type, queue_id, lead_id, campaign_id, at, metadata, ip, user_agent, ord)
		 ORDER BY i.ord
		 ON CONFLICT (organization_id, (metadata ->> 'eventId')) WHERE metadata ? 'eventId' DO NOTHING
		 RETURNING a.id, (a.metadata ->> 'unique')::boolean AS is_unique`,
		[
			tx.organizationId,
			rows.map((x) => x.id),
			rows.map((x) => x.e.type),
			rows.map((x) => x.r.queue_id),
			rows.map((x) => x.r.lead_id),
			rows.map((x) => x.r.campaign_id),
			rows.map((x) => x.e.at ?? now),
			rows.map((x) => JSON.stringify(x.metadata)),
			rows.map((x) => x.ip),
			rows.map((x) => x.e.userAgent?.slice(0, 1000) ?? null),
			unique,
			executionId,
		],
	);
	const insertedIds = new Map(written.map((w) => [w.id, w.is_unique]));
	rows.forEach(({ id, r, e }) => {
		if (!insertedIds.has(id)) {
			outcomes[r.idx] = { status: 'duplicate', eventId: e.eventId ?? '' };
			return;
		}
		const unique = insertedIds.get(id);
		outcomes[r.idx] = {
			status: 'recorded',
			activityId: id,
			queueId: r.queue_id,
			leadId: r.lead_id,
			campaignId: r.campaign_id,
			...(unique === null || unique === undefined ? {} : { unique }),
		};
	});
	await applyToLeads(
		tx,
		rows.filter((x) => insertedIds.has(x.id)),
	);
	return outcomes;
}

/**
 * The first human open (and click) of each email is its unique one: the first such event of the batch, if the
 * email had none before. One statement per kind, since one statement cannot update the same email row twice;
 * the IS NULL test is re-checked under the row lock, so concurrent batches never both win. Returns the winners.
 */
async function markFirstHuman(
	tx: TenantTx,
	rows: Array<{ id: string; r: Resolved; e: EventInput }>,
): Promise<string[]> {
	const winners: string[] = [];
	for (const [type, column] of [
		['opened', 'first_opened_at'],
		['clicked', 'first_clicked_at'],
	] as const) {
		const firsts = new Map<string, { id: string; at: Date }>();
		for (const { id, r, e } of rows) {
			if (e.type !== type || e.machine || !r.queue_id || firsts.has(r.queue_id)) continue;
			firsts.set(r.queue_id, { id, at: e.at ?? new Date() });
		}
		if (firsts.size === 0) continue;
		const { rows: won } = await tx.query<{ id: string }>(
			`UPDATE email_queue q SET ${column} = f.at
			 FROM unnest($2::uuid[], $3::uuid[], $4::timestamp[]) AS f(queue_id, id, at)
			 WHERE q.organization_id = $1 AND q.id = f.queue_id AND q.${column} IS NULL
			 RETURNING f.id`,
			[
				tx.organizationId,
				[...firsts.keys()],
				[...firsts.values()].map((f) => f.id),
				[...firsts.values()].map((f) => f.at),
			],
		);
		winners.push(...won.map((w) => w.id));
	}
	return winners;
}

/**
 * What recorded events change: replies stop their lead (campaign rule permitting); hard bounces, complaints and
 * unsubscribes stop every lead with that address and suppress it; and nothing stays queued for a stopped lead.
 */
async function applyToLeads(tx: TenantTx, rows: Array<{ r: Resolved; e: EventInput }>): Promise<void> {
	const stopping = rows.filter(
		({ r, e }) =>
			r.lead_id &&
			(e.type === 'replied' ||
				e.type === 'complained' ||
				e.type === 'unsubscribed' ||
				(e.type === 'bounced' && (e.bounceType ?? 'hard') === 'hard')),
	);
	if (stopping.length === 0) return;
	await tx.query(
		`WITH event AS (
		   SELECT * FROM unnest($2::uuid[], $3::text[]) AS e(lead_id, type)
		 ), affected AS (
		   -- Address-wide events reach every lead with the address; a reply only its own lead.
		   SELECT l.id, l.email, l.campaign_id,
		          max(CASE e.type WHEN 'unsubscribed' THEN 3 WHEN 'complained' THEN 3 WHEN 'bounced' THEN 2 ELSE 1 END) AS priority,
		          bool_or(e.type = 'replied' AND l.id = e.lead_id) AS replied_here
		   FROM event e JOIN leads src ON src.organization_id = $1 AND src.id = e.lead_id
		   JOIN leads l ON l.organization_id = $1 AND (l.id = e.lead_id OR (e.type <> 'replied' AND l.email = src.email))
		   GROUP BY l.id, l.email, l.campaign_id
		 ), decided AS (
		   SELECT a.id, a.email, CASE WHEN a.priority = 3 THEN 'unsubscribed' WHEN a.priority = 2 THEN 'bounced' ELSE 'replied' END AS status
		   FROM affected a LEFT JOIN campaigns c ON c.id = a.campaign_id AND c.organization_id = $1
		   WHERE a.priority >= 2 OR COALESCE((c.config #>> '{stopRules,onReply}')::boolean, true)
		 ), moved AS (
		   UPDATE leads l SET status = d.status FROM decided d
		   WHERE l.organization_id = $1 AND l.id = d.id AND l.status NOT IN ('unsubscribed', 'bounced')
		     AND NOT (d.status = 'replied' AND l.status = 'replied')
		   RETURNING l.id
		 ), suppressed AS (
		   INSERT INTO unsubscribes (organization_id, scope, email, reason)
		   SELECT DISTINCT ON (d.email) $1, 'email', d.email, CASE d.status WHEN 'bounced' THEN 'hard bounce' ELSE 'unsubscribed' END
		   FROM decided d WHERE d.status IN ('unsubscribed', 'bounced')
		   ON CONFLICT (organization_id, scope, email) DO NOTHING
		 )
		 UPDATE email_queue q SET status = 'cancelled', error_message = 'lead ' || d.status
		 FROM decided d WHERE q.organization_id = $1 AND q.lead_id = d.id AND q.status = 'queued'`,
		[tx.organizationId, stopping.map(({ r }) => r.lead_id), stopping.map(({ e }) => e.type)],
	);
}
