import { lockQuota } from '../outreach/quotas';
import { wholeNumber } from '../validation/numbers';
import { eligibleMailboxSql, SENDING_MIN_HEALTH_SCORE } from './mailboxEligibility';
import type { TenantTx } from '../db/tenantTransaction';

// The sending queue's state machine, in SQL: claim (queued → sending, leased with a fencing token, here), then
// complete (sending → sent) or fail (→ queued again for a retry, or failed) in queueResults. Every statement handles
// a whole batch.
//
// Delivery is at least once: an email whose worker died after the SMTP server accepted it, but before Complete
// committed, is sent again once its lease expires. That window is one batch's sending time; leases keep it bounded.

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
 * With the organization's Max Emails per Day set, no more than what remains of it today; [] when nothing does
 * (organizationQuotas tells the two apart from an empty queue).
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
	const { rows: locked } = await tx.query<{ id: string; daily_limited: boolean }>(
		`SELECT a.id, EXISTS (SELECT 1 FROM organization_quotas oq
		                      WHERE oq.organization_id = $1 AND oq.max_emails_per_day IS NOT NULL) AS daily_limited
		 FROM email_accounts a
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
	await tx.query(
		`UPDATE email_queue SET status = 'queued', lease_token = NULL, lease_expires_at = NULL,
		   error_message = 'lease expired: the worker did not report back in time'
		 WHERE organization_id = $1 AND status = 'sending' AND lease_expires_at < $2::timestamp`,
		[org, now],
	);
	if (locked.length === 0) return [];
	// The organization's Max Emails per Day, across its mailboxes: a claim hands out no more than what remains of it
	// (none: it claims nothing, and the emails wait for tomorrow). Claims sharing a mailbox already wait for each other
	// on its row; the quota's lock (always after the mailboxes', so in one order) also orders claims over different
	// mailboxes, and its count, taken after the lock, sees what the previous claim leased.
	// (Read with the mailboxes: most organizations have no such limit, and then a claim spends no statement on it.)
	const daily = locked[0].daily_limited ? await lockQuota(tx, 'maxEmailsPerDay', { now }) : undefined;
	const batch = daily ? Math.min(limit, daily.limit - daily.used) : limit;
	if (batch <= 0) return [];
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
		[org, open.map((m) => m.id), open.map((m) => m.remaining), now, batch],
	);
	if (picked.length === 0) return [];
	// What changed since scheduling, checked for the candidates only: the lead left the sequence, its address or
	// domain was suppressed, or it clicked in a campaign that stops on clicks. Those are cancelled, not sent.
	await tx.query(
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
	return claimed.length === 0
		? []
		: loadClaimed(
				tx,
				claimed.map((row) => row.id),
			);
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
		account: {
			id: row.account_id,
			email: row.account_email,
			...(row.account_from_name ? { fromName: row.account_from_name } : {}),
		},
		campaign: { name: row.campaign_name, config: row.campaign_config },
		previousMessageIds: row.sequence_step > 1 ? previousMessageIds(row) : [],
	}));
}
