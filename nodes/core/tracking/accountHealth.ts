import { InvalidInputError } from '../validation/errors';
import { requireUuids } from '../validation/ids';
import { wholeNumber } from '../validation/numbers';
import type { TenantTx } from '../db/tenantTransaction';

/**
 * Account Health: each mailbox's health score from its bounce and complaint rates over the last `windowDays`
 * (from the campaign counters):
 *
 *   score = clamp(round(100 − 1000 × hard bounce rate − 10000 × complaint rate), 0, 100)
 *
 * so 1% bounces cost 10 points and 0.1% complaints cost 10 points; below 50 a mailbox gets no new emails (see
 * mailboxEligibility.ts). A mailbox whose bounce rate is above `bounceThreshold` (or complaint rate above
 * `complaintThreshold`) after at least `minSent` emails is paused with the reason; an active campaign left with no
 * active mailbox is paused too.
 */
export interface HealthOptions {
	windowDays?: number;
	bounceThreshold?: number;
	complaintThreshold?: number;
	minSent?: number;
	now?: Date;
	/** Only these mailboxes (all of the organization by default). */
	accountIds?: string[];
}

export const HEALTH_DEFAULTS = { windowDays: 14, bounceThreshold: 0.03, complaintThreshold: 0.003, minSent: 20 };

export interface AccountHealth {
	id: string;
	email: string;
	sent: number;
	hardBounces: number;
	complaints: number;
	bounceRate: number;
	complaintRate: number;
	healthScore: number;
	status: string;
	pausedNow: boolean;
}

function fraction(value: number, field: string): number {
	if (typeof value !== 'number' || !(value > 0 && value <= 1))
		throw new InvalidInputError(field, 'a fraction above 0 and at most 1 (0.03 = 3%)', value);
	return value;
}

/** One mailbox's counts, rates and state, as the health update returns them. */
interface HealthRow {
	id: string;
	email: string;
	sent: number;
	hard_bounces: number;
	complaints: number;
	bounce_rate: number;
	complaint_rate: number;
	health_score: number;
	status: string;
	paused_now: boolean;
}

export async function updateAccountHealth(
	tx: TenantTx,
	options: HealthOptions = {},
): Promise<{ accounts: AccountHealth[]; pausedCampaigns: Array<{ id: string; name: string }> }> {
	const windowDays = options.windowDays ?? HEALTH_DEFAULTS.windowDays;
	wholeNumber(windowDays, 'Window (Days)', 1, 365);
	wholeNumber(options.minSent ?? HEALTH_DEFAULTS.minSent, 'Minimum Emails', 0, 1_000_000_000);
	if (options.accountIds) requireUuids(options.accountIds, 'Email Account ID');
	const bounceThreshold = fraction(options.bounceThreshold ?? HEALTH_DEFAULTS.bounceThreshold, 'Bounce Threshold');
	const complaintThreshold = fraction(
		options.complaintThreshold ?? HEALTH_DEFAULTS.complaintThreshold,
		'Complaint Threshold',
	);
	const minSent = options.minSent ?? HEALTH_DEFAULTS.minSent;
	const { rows } = await tx.query<HealthRow>(
		`WITH window_totals AS (
		   SELECT a.id, COALESCE(sum(s.sent), 0)::int AS sent, COALESCE(sum(s.hard_bounces), 0)::int AS hard_bounces,
		          COALESCE(sum(s.complaints), 0)::int AS complaints
		   FROM email_accounts a
		   LEFT JOIN campaign_stats_daily s ON s.organization_id = $1 AND s.email_account_id = a.id
		     AND s.day > $2::timestamp::date - $3::int
		   WHERE a.organization_id = $1 AND ($4::uuid[] IS NULL OR a.id = ANY($4::uuid[]))
		   GROUP BY a.id
		 ), rated AS (
		   SELECT id, sent, hard_bounces, complaints,
		          CASE WHEN sent > 0 THEN hard_bounces::float8 / sent ELSE 0 END AS bounce_rate,
		          CASE WHEN sent > 0 THEN complaints::float8 / sent ELSE 0 END AS complaint_rate
		   FROM window_totals
		 )
		 UPDATE email_accounts a SET
		   health_score = GREATEST(0, LEAST(100, round(100 - 1000 * r.bounce_rate - 10000 * r.complaint_rate)))::int,
		   status = CASE WHEN a.status = 'active' AND r.sent >= $7 AND (r.bounce_rate > $5 OR r.complaint_rate > $6) THEN 'paused' ELSE a.status END,
		   paused_reason = CASE WHEN a.status = 'active' AND r.sent >= $7 AND (r.bounce_rate > $5 OR r.complaint_rate > $6)
		     THEN format('health: %s%% hard bounces and %s%% complaints over %s emails in %s days',
		                 round((100 * r.bounce_rate)::numeric, 1), round((100 * r.complaint_rate)::numeric, 2), r.sent, $3::int)
		     ELSE a.paused_reason END
		 FROM rated r, email_accounts old
		 WHERE a.organization_id = $1 AND a.id = r.id AND old.id = a.id
		 RETURNING a.id, a.email, r.sent, r.hard_bounces, r.complaints, r.bounce_rate, r.complaint_rate, a.health_score, a.status,
		           (old.status = 'active' AND a.status = 'paused') AS paused_now`,
		[
			tx.organizationId,
			options.now ?? new Date(),
			windowDays,
			options.accountIds ?? null,
			bounceThreshold,
			complaintThreshold,
			minSent,
		],
	);
	const { rows: campaigns } = await tx.query<{ id: string; name: string }>(
		`UPDATE campaigns c SET status = 'paused'
		 WHERE c.organization_id = $1 AND c.status = 'active'
		   AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(COALESCE(c.config -> 'accountIds', '[]')) AS m(id)
		                   JOIN email_accounts a ON a.organization_id = $1 AND a.id::text = m.id AND a.status = 'active')
		 RETURNING c.id, c.name`,
		[tx.organizationId],
	);
	return {
		accounts: rows
			.map((row) => ({
				id: row.id,
				email: row.email,
				sent: row.sent,
				hardBounces: row.hard_bounces,
				complaints: row.complaints,
				bounceRate: Math.round(row.bounce_rate * 10_000) / 10_000,
				complaintRate: Math.round(row.complaint_rate * 10_000) / 10_000,
				healthScore: row.health_score,
				status: row.status,
				pausedNow: row.paused_now,
			}))
			.sort((x, y) => x.email.localeCompare(y.email)),
		pausedCampaigns: campaigns,
	};
}
