import { InvalidInputError } from '../validation/errors';
import { requireUuids } from '../validation/ids';
import { anyOf } from '../validation/rows';
import type { TenantTx } from '../db/tenantTransaction';

// Campaign Stats, read from campaign_stats_daily (kept by a trigger in the same transaction as every event), so
// its cost follows the number of campaigns, days, steps, variants and mailboxes, not the number of events.
//
// Definitions: delivered = sent − hard bounces; open, click and reply rates are per delivered email and use
// unique human opens/clicks (the first open or click of each email by a person; machine traffic — image proxies,
// link scanners — is counted apart); bounce rate is hard bounces per sent; unsubscribe and complaint rates per
// delivered. Days are UTC days.

export const STATS_GROUPS = ['campaign', 'step', 'variant', 'account', 'day'] as const;
export type StatsGroup = (typeof STATS_GROUPS)[number];

const GROUP_COLUMNS: Record<StatsGroup, { select: string; key: string }> = {
	campaign: { select: 's.campaign_id, c.name AS campaign_name', key: 's.campaign_id, c.name' },
	step: { select: 's.sequence_step AS step', key: 's.sequence_step' },
	variant: { select: "NULLIF(s.variant, '') AS variant", key: 's.variant' },
	account: {
		select:
			"NULLIF(s.email_account_id, '00000000-0000-0000-0000-000000000000') AS account_id, a.email AS account_email",
		key: 's.email_account_id, a.email',
	},
	day: { select: "to_char(s.day, 'YYYY-MM-DD') AS day", key: 's.day' },
};

const COUNTERS = [
	'sent',
	'opens',
	'unique_opens',
	'machine_opens',
	'clicks',
	'unique_clicks',
	'machine_clicks',
	'replies',
	'hard_bounces',
	'soft_bounces',
	'unsubscribes',
	'complaints',
] as const;

/** A stats row: the columns of the chosen groups (see GROUP_COLUMNS), then every counter. */
type StatsRow = {
	campaign_id?: string;
	campaign_name?: string;
	step?: number;
	variant?: string | null;
	account_id?: string | null;
	account_email?: string | null;
	day?: string;
} & Record<(typeof COUNTERS)[number], number>;

export interface StatsFilter {
	/** One campaign or several. */
	campaignId?: string | string[];
	/** First and last UTC day included, as YYYY-MM-DD. */
	from?: string;
	to?: string;
	groupBy?: StatsGroup[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const rate = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);
const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export async function campaignStats(tx: TenantTx, filter: StatsFilter = {}): Promise<Array<Record<string, unknown>>> {
	const groups: StatsGroup[] = [...new Set(filter.groupBy ?? (['campaign'] as StatsGroup[]))];
	for (const group of groups) {
		if (!(STATS_GROUPS as readonly string[]).includes(group))
			throw new InvalidInputError('Group By', `any of ${STATS_GROUPS.join(', ')}`, group);
	}
	const campaignIds = anyOf(filter.campaignId);
	for (const [field, value] of [
		['From', filter.from],
		['To', filter.to],
	] as const) {
		if (value !== undefined && (!DAY.test(value) || Number.isNaN(Date.parse(value))))
			throw new InvalidInputError(field, 'a date as YYYY-MM-DD', value);
	}
	const select = groups.map((g) => GROUP_COLUMNS[g].select);
	const key = groups.map((g) => GROUP_COLUMNS[g].key);
	const { rows } = await tx.query<StatsRow>(
		`SELECT ${[...select, ...COUNTERS.map((c) => `COALESCE(sum(s.${c}), 0)::int AS ${c}`)].join(', ')}
		 FROM campaign_stats_daily s
		 JOIN campaigns c ON c.id = s.campaign_id AND c.organization_id = $1
		 LEFT JOIN email_accounts a ON a.id = s.email_account_id AND a.organization_id = $1
		 WHERE s.organization_id = $1 AND ($2::uuid[] IS NULL OR s.campaign_id = ANY($2))
		   AND ($3::date IS NULL OR s.day >= $3) AND ($4::date IS NULL OR s.day <= $4)
		 ${key.length ? `GROUP BY ${key.join(', ')} ORDER BY ${key.join(', ')}` : ''}`,
		[
			tx.organizationId,
			campaignIds && requireUuids(campaignIds, 'Campaign ID'),
			filter.from ?? null,
			filter.to ?? null,
		],
	);
	return rows.map((row) => {
		const out: Record<string, unknown> = {};
		for (const [column, value] of Object.entries(row)) out[camel(column)] = value;
		const delivered = Math.max(0, row.sent - row.hard_bounces);
		return {
			...out,
			delivered,
			deliveryRate: rate(delivered, row.sent),
			openRate: rate(row.unique_opens, delivered),
			clickRate: rate(row.unique_clicks, delivered),
			replyRate: rate(row.replies, delivered),
			bounceRate: rate(row.hard_bounces, row.sent),
			unsubscribeRate: rate(row.unsubscribes, delivered),
			complaintRate: rate(row.complaints, delivered),
		};
	});
}
