import { type CampaignConfig, parseCampaignConfig, stepDelayMinutes } from '../outreach/campaignConfig';
import { eligibleMailboxSql, SENDING_MIN_HEALTH_SCORE } from './mailboxEligibility';
import { HORIZON_DAYS, MailboxSchedule } from './mailboxSlots';
import type { SendingWindow } from './sendingWindow';
import type { LeadToRender, StepTemplate } from './stepRendering';
import { localDate, startOfLocalDay } from './timeZones';
import type { TenantTx } from '../db/tenantTransaction';

// What Schedule Due Steps reads and writes: the statements, each over the whole batch. scheduling.ts runs them in order.

export interface ActiveCampaign {
	id: string;
	name: string;
	config: CampaignConfig;
}

export interface DueLead extends LeadToRender {
	campaign_id: string;
}

export interface NewRow {
	campaignId: string;
	leadId: string;
	accountId: string | null;
	step: number;
	variant: string | null;
	subject: string | null;
	body: string | null;
	scheduledAt: Date;
	status: 'queued' | 'failed';
	error: string | null;
}

/** The active campaigns, locked; one whose stored config no longer parses is reported, not scheduled. */
export async function lockActiveCampaigns(
	tx: TenantTx,
): Promise<Array<ActiveCampaign | { id: string; name: string; problem: string }>> {
	// A campaign another scheduler is working on is skipped, not waited for: its due leads are that run's.
	const { rows } = await tx.query<{ id: string; name: string; config: unknown }>(
		`SELECT id, name, config FROM campaigns WHERE organization_id = $1 AND status = 'active' ORDER BY id FOR UPDATE SKIP LOCKED`,
		[tx.organizationId],
	);
	return rows.map((row) => {
		try {
			return { id: row.id, name: row.name, config: parseCampaignConfig(row.config) };
		} catch (error) {
			return { id: row.id, name: row.name, problem: `its stored config is invalid: ${(error as Error).message}` };
		}
	});
}

export async function loadTemplates(tx: TenantTx, campaigns: ActiveCampaign[]): Promise<Map<string, StepTemplate>> {
	const ids = campaigns.flatMap((c) =>
		c.config.sequence.flatMap((s) => [s.templateId, ...(s.variants ?? []).map((v) => v.templateId)]),
	);
	const { rows } = await tx.query<StepTemplate & { id: string }>(
		'SELECT id, subject, body, variables FROM templates WHERE organization_id = $1 AND id = ANY($2::uuid[])',
		[tx.organizationId, [...new Set(ids.filter(Boolean))]],
	);
	return new Map(rows.map((row) => [row.id, { subject: row.subject, body: row.body, variables: row.variables ?? {} }]));
}

/**
 * The campaigns' sending mailboxes that may send (active, healthy, with a secret), locked so that two schedulers
 * sharing a mailbox book its days one after the other, with their capacity per local day and what is booked.
 */
export async function loadMailboxes(
	tx: TenantTx,
	campaigns: ActiveCampaign[],
	now: Date,
): Promise<Map<string, MailboxSchedule>> {
	const ids = [...new Set(campaigns.flatMap((c) => c.config.accountIds))];
	const { rows } = await tx.query<{
		id: string;
		zone: string;
		window: Partial<SendingWindow> | null;
		days: string[];
		capacities: number[];
		booked_days: string[] | null;
		booked_counts: number[] | null;
		sent_today: number;
		booked_times: number[];
	}>(
		`WITH mailbox AS (
		   SELECT id, COALESCE(NULLIF(settings ->> 'timezone', ''), 'UTC') AS zone, settings -> 'sendingWindow' AS window,
		          daily_limit, warmup_status, settings, current_sent_today, counter_date, last_sent_at
		   FROM email_accounts a
		   WHERE a.organization_id = $1 AND a.id = ANY($2::uuid[]) AND ${eligibleMailboxSql('a', 4)}
		   ORDER BY a.id FOR UPDATE
		 )
		 SELECT m.id, m.zone, m.window,
		        ophir_account_sent_today(m.current_sent_today, m.counter_date, m.settings, $3::timestamp) AS sent_today,
		        (SELECT array_agg(ophir_local_date(m.zone, d)::text ORDER BY d) FROM generate_series(
		           $3::timestamp, $3::timestamp + interval '${HORIZON_DAYS} days', interval '1 day') d) AS days,
		        (SELECT array_agg(ophir_account_capacity(m.daily_limit, m.warmup_status, m.settings, d) ORDER BY d) FROM generate_series(
		           $3::timestamp, $3::timestamp + interval '${HORIZON_DAYS} days', interval '1 day') d) AS capacities,
		        b.days AS booked_days, b.counts AS booked_counts,
		        -- The last send and the sends booked from a day ago on: a new send keeps the gap to each of them.
		        ARRAY(SELECT extract(epoch FROM t)::float8 * 1000 FROM (
		                SELECT q.scheduled_at FROM email_queue q
		                WHERE q.organization_id = $1 AND q.email_account_id = m.id AND q.status IN ('queued', 'sending')
		                  AND q.scheduled_at >= $3::timestamp - interval '1 day'
		                UNION ALL SELECT m.last_sent_at WHERE m.last_sent_at >= $3::timestamp - interval '1 day'
		              ) booked(t) ORDER BY t) AS booked_times
		 FROM mailbox m
		 LEFT JOIN LATERAL (
		   SELECT array_agg(day::text) AS days, array_agg(n) AS counts FROM (
		     -- An overdue email is sent today.
		     SELECT ophir_local_date(m.zone, GREATEST(q.scheduled_at, $3::timestamp)) AS day, count(*)::int AS n
		     FROM email_queue q
		     WHERE q.organization_id = $1 AND q.email_account_id = m.id AND q.status IN ('queued', 'sending')
		     GROUP BY 1) per_day
		 ) b ON true`,
		[tx.organizationId, ids, now, SENDING_MIN_HEALTH_SCORE],
	);
	const mailboxes = new Map<string, MailboxSchedule>();
	for (const row of rows) {
		const capacityByDay = new Map(row.days.map((day, i) => [day, row.capacities[i]]));
		const mailbox = new MailboxSchedule(row.id, row.zone, capacityByDay, row.booked_times, row.window ?? undefined);
		mailbox.countOn(localDate(now, row.zone), row.sent_today);
		row.booked_days?.forEach((day, i) => mailbox.countOn(day, row.booked_counts![i]));
		mailboxes.set(row.id, mailbox);
	}
	return mailboxes;
}

/** How many more new leads each capped campaign may start today (its own time zone). */
export async function newLeadQuotas(
	tx: TenantTx,
	campaigns: ActiveCampaign[],
	now: Date,
): Promise<Map<string, number>> {
	const capped = campaigns.filter((c) => c.config.dailyNewLeadsCap !== undefined);
	const { rows } = await tx.query<{ campaign_id: string; started: number }>(
		`SELECT c.id AS campaign_id,
		        (SELECT count(*)::int FROM email_queue q
		         WHERE q.organization_id = $1 AND q.campaign_id = c.id AND q.sequence_step = 1
		           AND q.created_at >= c.since) AS started
		 FROM unnest($2::uuid[], $3::timestamp[]) AS c(id, since)`,
		[tx.organizationId, capped.map((c) => c.id), capped.map((c) => startOfLocalDay(now, c.config.timezone))],
	);
	const started = new Map(rows.map((row) => [row.campaign_id, row.started]));
	return new Map(capped.map((c) => [c.id, Math.max(0, c.config.dailyNewLeadsCap! - (started.get(c.id) ?? 0))]));
}

/**
 * Every lead whose next step is due: active, not suppressed (address or domain), not stopped by a click when the
 * campaign stops on clicks, its previous step sent at least the step's delay ago (the first step counts from the
 * lead's creation); new leads oldest first and within each campaign's quota of the day; follow-ups first.
 */
export async function dueLeads(
	tx: TenantTx,
	campaigns: ActiveCampaign[],
	quotas: Map<string, number>,
	now: Date,
	limit: number,
): Promise<DueLead[]> {
	const steps = campaigns.flatMap((c) =>
		c.config.sequence.map((step, index) => ({
			campaignId: c.id,
			step: index + 1,
			delay: stepDelayMinutes(step),
			quota: quotas.get(c.id) ?? null,
			stopOnClick: c.config.stopRules.onClick,
		})),
	);
	const { rows } = await tx.query<DueLead>(
		`WITH step AS (
		   SELECT * FROM unnest($2::uuid[], $3::int[], $4::int[], $5::int[], $6::bool[])
		     AS s(campaign_id, number, delay_minutes, new_lead_quota, stop_on_click)
		 ), due AS (
		   SELECT l.id, l.campaign_id, l.email, l.first_name, l.last_name, l.company, l.data, s.number AS step, s.new_lead_quota,
		          row_number() OVER (PARTITION BY l.campaign_id, s.number ORDER BY l.created_at, l.id) AS rank
		   FROM leads l JOIN step s ON s.campaign_id = l.campaign_id AND s.number = l.sequence_position + 1
		   WHERE l.organization_id = $1 AND l.status = 'active'
		     AND COALESCE(l.last_step_sent_at, l.created_at) + make_interval(mins => s.delay_minutes) <= $7::timestamp
		     AND NOT EXISTS (SELECT 1 FROM email_queue q WHERE q.campaign_id = l.campaign_id AND q.lead_id = l.id AND q.sequence_step = s.number)
		     AND NOT EXISTS (SELECT 1 FROM unsubscribes u WHERE u.organization_id = $1 AND u.scope = 'email' AND u.email = l.email)
		     AND NOT EXISTS (SELECT 1 FROM unsubscribes u
		                     WHERE u.organization_id = $1 AND u.scope = 'domain' AND u.email = split_part(l.email, '@', 2))
		     AND NOT (s.stop_on_click AND EXISTS (SELECT 1 FROM email_activities a
		                                          WHERE a.lead_id = l.id AND a.event_type = 'clicked' AND NOT a.metadata ? 'machine' AND a.organization_id = $1))
		 )
		 SELECT id, campaign_id, email, first_name, last_name, company, data, step FROM due
		 WHERE step > 1 OR new_lead_quota IS NULL OR rank <= new_lead_quota
		 ORDER BY step DESC, rank LIMIT $8`,
		[
			tx.organizationId,
			steps.map((s) => s.campaignId),
			steps.map((s) => s.step),
			steps.map((s) => s.delay),
			steps.map((s) => s.quota),
			steps.map((s) => s.stopOnClick),
			now,
			limit,
		],
	);
	return rows;
}

export type WrittenRow = { campaign_id: string; sequence_step: number; status: string };

/**
 * Inserts a batch of rows; a row that exists already (another run scheduled it) is left alone. created_at is the
 * run's `now`: the daily cap of new leads counts the first steps created on the campaign's day of `now`.
 */
export async function writeBatch(
	tx: TenantTx,
	batch: NewRow[],
	executionId: string | null,
	now: Date,
): Promise<WrittenRow[]> {
	const { rows } = await tx.query<WrittenRow>(
		`INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, sequence_step, variant, subject, body,
		                          scheduled_at, status, error_message, n8n_execution_id, created_at)
		 SELECT $1, campaign_id, lead_id, account_id, step, variant, subject, body, scheduled_at, status, error, $12,
		        $13::timestamp
		 FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::int[], $6::text[], $7::text[], $8::text[], $9::timestamp[], $10::text[], $11::text[])
		   AS i(campaign_id, lead_id, account_id, step, variant, subject, body, scheduled_at, status, error)
		 ON CONFLICT (campaign_id, lead_id, sequence_step) DO NOTHING
		 RETURNING campaign_id, sequence_step, status`,
		[
			tx.organizationId,
			batch.map((r) => r.campaignId),
			batch.map((r) => r.leadId),
			batch.map((r) => r.accountId),
			batch.map((r) => r.step),
			batch.map((r) => r.variant),
			batch.map((r) => r.subject),
			batch.map((r) => r.body),
			batch.map((r) => r.scheduledAt),
			batch.map((r) => r.status),
			batch.map((r) => r.error),
			executionId,
			now,
		],
	);
	return rows;
}
