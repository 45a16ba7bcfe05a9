import { requireUuids } from '../validation/ids';
import { wholeNumber } from '../validation/numbers';
import { eligibleMailboxSql, SENDING_MIN_HEALTH_SCORE } from './mailboxEligibility';
import type { TenantTx } from '../db/tenantTransaction';

/**
 * The sending queue's state machine, in SQL: claim (queued → sending, leased with a fencing token), complete
 * (sending → sent) and fail (→ queued again for a retry, or failed). Every statement handles a whole batch.
 *
 * Delivery is at least once: an email whose worker died after the SMTP server accepted it, but before Complete
 * committed, is sent again once its lease expires. That window is one batch's sending time; leases keep it bounded.
 */

export interface ClaimOptions {
	limit: number;
	/** How long a claim holds its emails; an expired lease returns them to the queue. */
	leaseSeconds: number;
	now?: Date;
	executionId?: string | null;
}

export interface ClaimedEmail {
	id: string;
	/** Fencing token of this attempt: only it completes or fails the email. */
	leaseToken: string;
	leaseExpiresAt: Date;
	attempts: number;
	campaignId: string;
	leadId: string;
	sequenceStep: number;
	variant: string | null;
	subject: string;
	body: string;
	scheduledAt: Date;
	to: { email: string; name?: string };
	account: { id: string; email: string; fromName?: string };
	campaign: { name: string; config: Record<string, unknown> };
	/** Message-IDs of the lead's earlier steps in this campaign, oldest first (threading). */
	previousMessageIds: string[];
}

/**
 * Claims up to `limit` due emails: returns expired leases to the queue, picks due emails of active campaigns, per
 * mailbox no more than it may still send today (its capacity minus what it sent and what is in flight), cancels
 * those whose lead may no longer be emailed (not active, its address or domain suppressed, or it clicked and the
 * campaign stops on clicks) and leases the rest. Mailbox rows are locked while this runs, so concurrent claims never
 * hand out the same capacity twice; every statement's work is bounded by the batch, not by the size of the queue.
 */
export async function claimDueEmails(tx: TenantTx, options: ClaimOptions): Promise<ClaimedEmail[]> {
	const limit = wholeNumber(options.limit, 'Batch Size', 1, 10_000);
	const leaseSeconds = wholeNumber(options.leaseSeconds, 'Lease Seconds', 1, 86_400);
	const now = options.now ?? new Date();
	const org = tx.organizationId;
	// Mailboxes are locked first, in id order, as completeEmails and failEmails lock them too: taking them after
	// queue rows would let two transactions wait for each other. Counting comes after locking: a statement that
	// waited for another claim's lock still reads from the snapshot it started with, which misses the emails that
	// claim just leased, so counting in the locking statement would hand out the same capacity twice.
	const { rows: locked } = await tx.query<{ id: string }>(
		`SELECT a.id FROM email_accounts a
		 WHERE a.organization_id = $1 AND ${eligibleMailboxSql('a', 3)}
		   AND EXISTS (SELECT 1 FROM email_queue q
		               WHERE q.organization_id = $1 AND q.email_account_id = a.id
		                 AND ((q.status = 'queued' AND q.scheduled_at <= $2::timestamp)
		                   OR (q.status = 'sending' AND q.lease_expires_at < $2::timestamp)))
		 ORDER BY a.id FOR UPDATE OF a`,
		[org, now, SENDING_MIN_HEALTH_SCORE],
	);
	// A lease that expired belongs to a worker that died or stalled: the email goes back to the queue, and the new
	// attempt gets a new token, so the old worker's late result is refused.
	await tx.query<never>(
		`UPDATE email_queue SET status = 'queued', lease_token = NULL, lease_expires_at = NULL,
		   error_message = 'lease expired: the worker did not report back in time'
		 WHERE organization_id = $1 AND status = 'sending' AND lease_expires_at < $2::timestamp`,
		[org, now],
	);
	if (locked.length === 0) return [];
	const { rows: mailboxes } = await tx.query<{ id: string; remaining: number }>(
		`SELECT a.id,
		        ophir_account_capacity(a.daily_limit, a.warmup_status, a.settings, $2::timestamp)
		        - ophir_account_sent_today(a.current_sent_today, a.counter_date, a.settings, $2::timestamp)
		        - (SELECT count(*)::int FROM email_queue s WHERE s.organization_id = $1 AND s.email_account_id = a.id AND s.status = 'sending')
		          AS remaining
		 FROM email_accounts a
		 WHERE a.organization_id = $1 AND a.id = ANY($3::uuid[]) AND ${eligibleMailboxSql('a', 4)}
		 ORDER BY a.id`,
		[org, now, locked.map((m) => m.id), SENDING_MIN_HEALTH_SCORE],
	);
	const open = mailboxes.filter((m) => m.remaining > 0);
	if (open.length === 0) return [];
	// The candidates, oldest first, per mailbox no more than it may still send, locked (other claims skip them).
	const { rows: picked } = await tx.query<{ id: string }>(
		`WITH mailbox AS (SELECT * FROM unnest($2::uuid[], $3::int[]) AS m(id, remaining))
		 SELECT p.id FROM mailbox m CROSS JOIN LATERAL (
		   SELECT q.id, q.scheduled_at FROM email_queue q
		   WHERE q.organization_id = $1 AND q.email_account_id = m.id AND q.status = 'queued'
		     AND q.scheduled_at <= $4::timestamp
		     AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = q.campaign_id AND c.organization_id = $1 AND c.status = 'active')
		   ORDER BY q.scheduled_at LIMIT LEAST(m.remaining, $5)
		   FOR UPDATE OF q SKIP LOCKED) p
		 ORDER BY p.scheduled_at LIMIT $5`,
		[org, open.map((m) => m.id), open.map((m) => m.remaining), now, limit],
	);
	if (picked.length === 0) return [];
	// What changed since scheduling, checked for the candidates only: the lead left the sequence, its address or
	// domain was suppressed, or it clicked in a campaign that stops on clicks. Those are cancelled, not sent.
	await tx.query<never>(
		`UPDATE email_queue q SET status = 'cancelled',
		   error_message = CASE WHEN l.status <> 'active' THEN 'lead ' || l.status
		                        WHEN stop.clicked THEN 'lead clicked (the campaign stops on clicks)'
		                        ELSE 'address or domain suppressed' END
		 FROM leads l, campaigns c,
		      LATERAL (SELECT COALESCE((c.config #>> '{stopRules,onClick}')::boolean, false)
		                 AND EXISTS (SELECT 1 FROM email_activities a
		                             WHERE a.organization_id = $1 AND a.lead_id = l.id AND a.event_type = 'clicked' AND NOT a.metadata ? 'machine') AS clicked) stop
		 WHERE q.organization_id = $1 AND q.id = ANY($2::uuid[])
		   AND l.organization_id = $1 AND l.id = q.lead_id AND c.organization_id = $1 AND c.id = q.campaign_id
		   AND (l.status <> 'active' OR stop.clicked
		     OR EXISTS (SELECT 1 FROM unsubscribes u WHERE u.organization_id = $1 AND u.scope = 'email' AND u.email = l.email)
		     OR EXISTS (SELECT 1 FROM unsubscribes u WHERE u.organization_id = $1 AND u.scope = 'domain' AND u.email = split_part(l.email, '@', 2)))`,
		[org, picked.map((row) => row.id)],
	);
	const { rows: claimed } = await tx.query<{ id: string }>(
		`UPDATE email_queue q SET status = 'sending', lease_token = gen_random_uuid(),
		   lease_expires_at = $3::timestamp + make_interval(secs => $4),
		   attempts = COALESCE(q.attempts, 0) + 1, last_attempt_at = $3::timestamp, n8n_execution_id = $5
		 WHERE q.organization_id = $1 AND q.id = ANY($2::uuid[]) AND q.status = 'queued'
		 RETURNING q.id`,
		[org, picked.map((row) => row.id), now, leaseSeconds, options.executionId ?? null],
	);
	return claimed.length === 0 ? [] : loadClaimed(tx, claimed.map((row) => row.id));
}

interface ClaimedRow {
	id: string;
	lease_token: string;
	lease_expires_at: Date;
	attempts: number;
	campaign_id: string;
	lead_id: string;
	sequence_step: number;
	variant: string | null;
	subject: string;
	body: string;
	scheduled_at: Date;
	to_email: string;
	to_name: string | null;
	account_id: string;
	account_email: string;
	account_from_name: string | null;
	campaign_name: string;
	campaign_config: ClaimedEmail['campaign']['config'];
}

async function loadClaimed(tx: TenantTx, ids: string[]): Promise<ClaimedEmail[]> {
	const { rows } = await tx.query<ClaimedRow>(
		`SELECT q.id, q.lease_token, q.lease_expires_at, q.attempts, q.campaign_id, q.lead_id, q.sequence_step, q.variant,
		        q.subject, q.body, q.scheduled_at, l.email AS to_email,
		        NULLIF(concat_ws(' ', l.first_name, l.last_name), '') AS to_name,
		        a.id AS account_id, a.email AS account_email, a.settings ->> 'fromName' AS account_from_name,
		        c.name AS campaign_name, c.config AS campaign_config
		 FROM email_queue q
		 JOIN leads l ON l.id = q.lead_id AND l.organization_id = $1
		 JOIN email_accounts a ON a.id = q.email_account_id AND a.organization_id = $1
		 JOIN campaigns c ON c.id = q.campaign_id AND c.organization_id = $1
		 WHERE q.organization_id = $1 AND q.id = ANY($2::uuid[])
		 ORDER BY q.scheduled_at, q.id`,
		[tx.organizationId, ids],
	);
	// The Message-IDs of the follow-ups' earlier steps, for threading: one lookup by lead for the whole batch.
	const followUps = rows.filter((row) => row.sequence_step > 1);
	const { rows: earlier } = followUps.length
		? await tx.query<{ lead_id: string; campaign_id: string; sequence_step: number; message_id: string }>(
				`SELECT lead_id, campaign_id, sequence_step, message_id FROM email_queue
				 WHERE organization_id = $1 AND lead_id = ANY($2::uuid[]) AND message_id IS NOT NULL
				 ORDER BY sequence_step`,
				[tx.organizationId, followUps.map((row) => row.lead_id)],
			)
		: { rows: [] };
	const byLead = new Map<string, typeof earlier>();
	for (const e of earlier) byLead.set(e.lead_id, [...(byLead.get(e.lead_id) ?? []), e]);
	const previousMessageIds = (row: { lead_id: string; campaign_id: string; sequence_step: number }) =>
		(byLead.get(row.lead_id) ?? [])
			.filter((e) => e.campaign_id === row.campaign_id && e.sequence_step < row.sequence_step)
			.map((e) => e.message_id);
	return rows.map((row) => ({
		id: row.id,
		leaseToken: row.lease_token,
		leaseExpiresAt: row.lease_expires_at,
		attempts: row.attempts,
		campaignId: row.campaign_id,
		leadId: row.lead_id,
		sequenceStep: row.sequence_step,
		variant: row.variant,
		subject: row.subject,
		body: row.body,
		scheduledAt: row.scheduled_at,
		to: { email: row.to_email, ...(row.to_name ? { name: row.to_name } : {}) },
		account: { id: row.account_id, email: row.account_email, ...(row.account_from_name ? { fromName: row.account_from_name } : {}) },
		campaign: { name: row.campaign_name, config: row.campaign_config },
		previousMessageIds: row.sequence_step > 1 ? previousMessageIds(row) : [],
	}));
}

export interface Delivery {
	id: string;
	leaseToken: string;
	messageId: string;
}

export interface BatchOutcome {
	/** Ids whose result was recorded. */
	recorded: string[];
	/** Ids refused: not sending, or leased again by a newer attempt (fencing). */
	rejected: string[];
}

/** Locks the mailboxes of these queue rows in id order (the order claims lock them in), before any queue row. */
async function lockMailboxesOf(tx: TenantTx, queueIds: string[]): Promise<void> {
	await tx.query<never>(
		`SELECT a.id FROM email_accounts a
		 WHERE a.organization_id = $1
		   AND a.id IN (SELECT q.email_account_id FROM email_queue q WHERE q.organization_id = $1 AND q.id = ANY($2::uuid[]))
		 ORDER BY a.id FOR UPDATE OF a`,
		[tx.organizationId, queueIds],
	);
}

/**
 * Records sent emails in one transaction: each becomes `sent` with its Message-ID, gets a `sent` activity, counts
 * towards its mailbox's day, and moves its lead on (the next step is due from now; after the last step the lead is
 * completed). Only the current lease holder's result counts.
 */
export async function completeEmails(
	tx: TenantTx,
	deliveries: Delivery[],
	{ now = new Date(), executionId = null }: { now?: Date; executionId?: string | null } = {},
): Promise<BatchOutcome> {
	requireUuids(deliveries.map((d) => d.id), 'Queue ID');
	requireUuids(deliveries.map((d) => d.leaseToken), 'Lease Token');
	if (deliveries.length === 0) return { recorded: [], rejected: [] };
	await lockMailboxesOf(tx, deliveries.map((d) => d.id));
	const { rows } = await tx.query<{ id: string }>(
		`WITH delivered AS (
		   SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS d(id, lease_token, message_id)
		 ), sent AS (
		   UPDATE email_queue q SET status = 'sent', sent_at = $5::timestamp, message_id = d.message_id,
		     lease_token = NULL, lease_expires_at = NULL, error_message = NULL, n8n_execution_id = COALESCE($6, q.n8n_execution_id)
		   FROM delivered d
		   WHERE q.organization_id = $1 AND q.id = d.id AND q.status = 'sending' AND q.lease_token = d.lease_token
		   RETURNING q.id, q.lead_id, q.campaign_id, q.email_account_id, q.sequence_step, q.variant, q.message_id
		 ), activity AS (
		   INSERT INTO email_activities (organization_id, email_queue_id, lead_id, campaign_id, event_type, timestamp, metadata, n8n_execution_id)
		   SELECT $1, s.id, s.lead_id, s.campaign_id, 'sent', $5::timestamp,
		          jsonb_strip_nulls(jsonb_build_object('step', s.sequence_step, 'variant', s.variant, 'accountId', s.email_account_id,
		                                               'messageId', s.message_id)), $6
		   FROM sent s
		 ), counted AS (
		   UPDATE email_accounts a SET
		     current_sent_today = ophir_account_sent_today(a.current_sent_today, a.counter_date, a.settings, $5::timestamp) + n.sent,
		     counter_date = ophir_local_date(a.settings ->> 'timezone', $5::timestamp),
		     last_sent_at = $5::timestamp
		   FROM (SELECT email_account_id, count(*)::int AS sent FROM sent GROUP BY 1) n
		   WHERE a.organization_id = $1 AND a.id = n.email_account_id
		 ), moved AS (
		   UPDATE leads l SET sequence_position = s.sequence_step, last_step_sent_at = $5::timestamp,
		     status = CASE WHEN s.sequence_step >= jsonb_array_length(COALESCE(c.config -> 'sequence', '[]')) AND l.status = 'active'
		                   THEN 'completed' ELSE l.status END
		   FROM sent s JOIN campaigns c ON c.id = s.campaign_id AND c.organization_id = $1
		   WHERE l.organization_id = $1 AND l.id = s.lead_id AND l.sequence_position < s.sequence_step
		 )
		 SELECT id FROM sent`,
		[
			tx.organizationId,
			deliveries.map((d) => d.id),
			deliveries.map((d) => d.leaseToken),
			deliveries.map((d) => d.messageId),
			now,
			executionId,
		],
	);
	const recorded = new Set(rows.map((row) => row.id));
	return { recorded: [...recorded], rejected: deliveries.map((d) => d.id).filter((id) => !recorded.has(id)) };
}

/**
 * Why an attempt failed, as the sender classifies it:
 * - `retry`: temporary (SMTP 4xx, timeout, dropped connection): queued again after a backoff, until the attempts run out;
 * - `bounce`: the server refused the recipient for good (5xx): failed, a hard `bounced` event, the lead bounced and its
 *   address suppressed;
 * - `permanent`: will not work on retry (5xx for the message, a message that cannot be built): failed;
 * - `mailbox`: the mailbox itself cannot send (authentication refused): paused with the reason, and the email waits
 *   in the queue without losing an attempt.
 */
export type FailureKind = 'retry' | 'bounce' | 'permanent' | 'mailbox';

export interface Failure {
	id: string;
	leaseToken: string;
	kind: FailureKind;
	error: string;
	smtpCode?: number;
}

export interface RetryPolicy {
	maxAttempts: number;
	/** First retry after this many seconds, doubling each attempt (at most six hours). */
	backoffSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, backoffSeconds: 60 };
const MAX_BACKOFF_SECONDS = 6 * 3600;

/** Records failed attempts in one transaction (see FailureKind); only the current lease holder's result counts. */
export async function failEmails(
	tx: TenantTx,
	failures: Failure[],
	{ now = new Date(), executionId = null, policy = DEFAULT_RETRY_POLICY }: { now?: Date; executionId?: string | null; policy?: RetryPolicy } = {},
): Promise<BatchOutcome> {
	requireUuids(failures.map((f) => f.id), 'Queue ID');
	requireUuids(failures.map((f) => f.leaseToken), 'Lease Token');
	if (failures.length === 0) return { recorded: [], rejected: [] };
	const maxAttempts = wholeNumber(policy.maxAttempts, 'Max Attempts', 1, 100);
	wholeNumber(policy.backoffSeconds, 'Retry After (Seconds)', 1, 86_400);
	// Only a mailbox failure writes to the mailbox (it pauses it).
	await lockMailboxesOf(tx, failures.filter((f) => f.kind === 'mailbox').map((f) => f.id));
	const { rows } = await tx.query<{ id: string }>(
		`WITH failure AS (
		   SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int[]) AS f(id, lease_token, kind, error, smtp_code)
		 ), failed AS (
		   UPDATE email_queue q SET
		     status = CASE WHEN f.kind = 'mailbox' OR (f.kind = 'retry' AND q.attempts < $7) THEN 'queued' ELSE 'failed' END,
		     scheduled_at = CASE
		       WHEN f.kind = 'retry' AND q.attempts < $7 THEN $8::timestamp
		         + make_interval(secs => LEAST($10::float8, $9::float8 * power(2, GREATEST(q.attempts, 1) - 1)))
		       ELSE q.scheduled_at END,
		     attempts = CASE WHEN f.kind = 'mailbox' THEN GREATEST(q.attempts - 1, 0) ELSE q.attempts END,
		     error_message = CASE
		       WHEN f.kind = 'retry' AND q.attempts >= $7 THEN f.error || ' (gave up after ' || q.attempts || ' attempts)'
		       ELSE f.error END,
		     lease_token = NULL, lease_expires_at = NULL, n8n_execution_id = COALESCE($11, q.n8n_execution_id)
		   FROM failure f
		   WHERE q.organization_id = $1 AND q.id = f.id AND q.status = 'sending' AND q.lease_token = f.lease_token
		   RETURNING q.id, q.lead_id, q.campaign_id, q.email_account_id, q.sequence_step, f.kind, f.error, f.smtp_code
		 ), bounced AS (
		   INSERT INTO email_activities (organization_id, email_queue_id, lead_id, campaign_id, event_type, timestamp, metadata, n8n_execution_id)
		   SELECT $1, b.id, b.lead_id, b.campaign_id, 'bounced', $8::timestamp,
		          jsonb_strip_nulls(jsonb_build_object('bounceType', 'hard', 'source', 'smtp', 'smtpCode', b.smtp_code,
		                                               'reason', b.error, 'step', b.sequence_step, 'accountId', b.email_account_id)), $11
		   FROM failed b WHERE b.kind = 'bounce'
		 ), stopped AS (
		   UPDATE leads l SET status = 'bounced' FROM failed b
		   WHERE b.kind = 'bounce' AND l.organization_id = $1 AND l.id = b.lead_id
		   RETURNING l.email, b.campaign_id
		 ), suppressed AS (
		   INSERT INTO unsubscribes (organization_id, scope, email, reason, campaign_id)
		   SELECT DISTINCT ON (email) $1, 'email', email, 'hard bounce', campaign_id FROM stopped
		   ON CONFLICT (organization_id, scope, email) DO NOTHING
		 ), paused AS (
		   UPDATE email_accounts a SET status = 'paused', paused_reason = m.error
		   FROM (SELECT DISTINCT ON (email_account_id) email_account_id, error FROM failed WHERE kind = 'mailbox') m
		   WHERE a.organization_id = $1 AND a.id = m.email_account_id
		 )
		 SELECT id FROM failed`,
		[
			tx.organizationId,
			failures.map((f) => f.id),
			failures.map((f) => f.leaseToken),
			failures.map((f) => f.kind),
			failures.map((f) => f.error.slice(0, 2000)),
			failures.map((f) => f.smtpCode ?? null),
			maxAttempts,
			now,
			policy.backoffSeconds,
			MAX_BACKOFF_SECONDS,
			executionId,
		],
	);
	const recorded = new Set(rows.map((row) => row.id));
	return { recorded: [...recorded], rejected: failures.map((f) => f.id).filter((id) => !recorded.has(id)) };
}

/**
 * Starts a new day for every mailbox whose local midnight (settings.timezone) has passed since its counter was
 * last set. Safe to run as often as wanted: a mailbox still in the same local day is left alone. (Sending counts
 * per local day by itself too; this keeps current_sent_today true for dashboards.)
 */
export async function resetDailyCounters(tx: TenantTx, { now = new Date() }: { now?: Date } = {}): Promise<{ reset: number; accounts: string[] }> {
	const { rows } = await tx.query<{ email: string }>(
		`UPDATE email_accounts SET current_sent_today = 0,
		   counter_date = ophir_local_date(settings ->> 'timezone', $2::timestamp)
		 WHERE organization_id = $1
		   AND counter_date IS DISTINCT FROM ophir_local_date(settings ->> 'timezone', $2::timestamp)
		 RETURNING email`,
		[tx.organizationId, now],
	);
	return { reset: rows.length, accounts: rows.map((row) => row.email).sort() };
}

export interface QueueStats {
	byStatus: Record<string, number>;
	due: number;
	oldestDueAt: Date | null;
	/** Emails in `sending` whose lease expired: their worker died; the next claim takes them back. */
	expiredLeases: number;
	accounts: Array<{
		id: string;
		email: string;
		status: string;
		eligible: boolean;
		capacityToday: number;
		sentToday: number;
		inFlight: number;
		remainingToday: number;
		queuedDue: number;
	}>;
}

export async function queueStats(tx: TenantTx, { now = new Date() }: { now?: Date } = {}): Promise<QueueStats> {
	const params = [tx.organizationId, now];
	const { rows: statuses } = await tx.query<{ status: string; n: number }>(
		'SELECT status, count(*)::int AS n FROM email_queue WHERE organization_id = $1 GROUP BY status ORDER BY status',
		[tx.organizationId],
	);
	const { rows: due } = await tx.query<{ due: number; oldest: Date | null; expired: number }>(
		`SELECT count(*) FILTER (WHERE status = 'queued')::int AS due, min(scheduled_at) FILTER (WHERE status = 'queued') AS oldest,
		        count(*) FILTER (WHERE status = 'sending')::int AS expired
		 FROM email_queue
		 WHERE organization_id = $1 AND ((status = 'queued' AND scheduled_at <= $2::timestamp)
		    OR (status = 'sending' AND lease_expires_at < $2::timestamp))`,
		params,
	);
	const { rows: accounts } = await tx.query<{
		id: string;
		email: string;
		status: string;
		eligible: boolean;
		capacity_today: number;
		sent_today: number;
		in_flight: number;
		queued_due: number;
	}>(
		`SELECT a.id, a.email, a.status, (${eligibleMailboxSql('a', 3)}) AS eligible,
		        ophir_account_capacity(a.daily_limit, a.warmup_status, a.settings, $2::timestamp) AS capacity_today,
		        ophir_account_sent_today(a.current_sent_today, a.counter_date, a.settings, $2::timestamp) AS sent_today,
		        (SELECT count(*)::int FROM email_queue q WHERE q.organization_id = $1 AND q.email_account_id = a.id AND q.status = 'sending') AS in_flight,
		        (SELECT count(*)::int FROM email_queue q WHERE q.organization_id = $1 AND q.email_account_id = a.id AND q.status = 'queued'
		           AND q.scheduled_at <= $2::timestamp) AS queued_due
		 FROM email_accounts a WHERE a.organization_id = $1 ORDER BY a.email`,
		[...params, SENDING_MIN_HEALTH_SCORE],
	);
	return {
		byStatus: Object.fromEntries(statuses.map((row) => [row.status, row.n])),
		due: due[0].due,
		oldestDueAt: due[0].oldest,
		expiredLeases: due[0].expired,
		accounts: accounts.map((row) => ({
			id: row.id,
			email: row.email,
			status: row.status,
			eligible: row.eligible,
			capacityToday: row.capacity_today,
			sentToday: row.sent_today,
			inFlight: row.in_flight,
			remainingToday: Math.max(0, row.capacity_today - row.sent_today - row.in_flight),
			queuedDue: row.queued_due,
		})),
	};
}
