import { requireUuids } from '../validation/ids';
import { wholeNumber } from '../validation/numbers';
import type { TenantTx } from '../db/tenantTransaction';

// What became of claimed emails (see queueClaims): sent, or failed for a retry or for good. Only the attempt that
// holds an email's lease (its fencing token) records its result; every statement handles a whole batch.

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
	await tx.query(
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
	requireUuids(
		deliveries.map((d) => d.id),
		'Queue ID',
	);
	requireUuids(
		deliveries.map((d) => d.leaseToken),
		'Lease Token',
	);
	if (deliveries.length === 0) return { recorded: [], rejected: [] };
	await lockMailboxesOf(
		tx,
		deliveries.map((d) => d.id),
	);
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
	{
		now = new Date(),
		executionId = null,
		policy = DEFAULT_RETRY_POLICY,
	}: { now?: Date; executionId?: string | null; policy?: RetryPolicy } = {},
): Promise<BatchOutcome> {
	requireUuids(
		failures.map((f) => f.id),
		'Queue ID',
	);
	requireUuids(
		failures.map((f) => f.leaseToken),
		'Lease Token',
	);
	if (failures.length === 0) return { recorded: [], rejected: [] };
	const maxAttempts = wholeNumber(policy.maxAttempts, 'Max Attempts', 1, 100);
	wholeNumber(policy.backoffSeconds, 'Retry After (Seconds)', 1, 86_400);
	// Only a mailbox failure writes to the mailbox (it pauses it).
	await lockMailboxesOf(
		tx,
		failures.filter((f) => f.kind === 'mailbox').map((f) => f.id),
	);
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
