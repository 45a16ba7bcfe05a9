import { eligibleMailboxSql, SENDING_MIN_HEALTH_SCORE } from './mailboxEligibility';
import type { TenantTx } from '../db/tenantTransaction';

// The queue's and its mailboxes' numbers of the day: the daily counters kept current, and what dashboards read.

/**
 * Starts a new day for every mailbox whose local midnight (settings.timezone) has passed since its counter was
 * last set. Safe to run as often as wanted: a mailbox still in the same local day is left alone. (Sending counts
 * per local day by itself too; this keeps current_sent_today true for dashboards.)
 */
export async function resetDailyCounters(
	tx: TenantTx,
	{ now = new Date() }: { now?: Date } = {},
): Promise<{ reset: number; accounts: string[] }> {
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
