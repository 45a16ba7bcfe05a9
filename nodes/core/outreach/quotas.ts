import { NotFoundError, QuotaExceededError } from '../validation/errors';
import { requireUuid } from '../validation/ids';
import { wholeNumber } from '../validation/numbers';
import type { TenantTx } from '../db/tenantTransaction';
import { getOrganization, type Organization, requireSystemOrganization } from './organizations';

// Per-organization quotas the platform operator sets (organization_quotas; NULL is no limit). Each is enforced in
// the transaction of the work it limits, under a lock of its own, so concurrent imports, claims, mailbox creations
// or activations of one organization never go past it together.

// Usage expressions over `p` (p.org: the organization, p.now: the moment "today" is taken at).
const EMAILS_TODAY = `(SELECT COALESCE(sum(ophir_account_sent_today(a.current_sent_today, a.counter_date, a.settings, p.now)), 0)::int
	  FROM email_accounts a WHERE a.organization_id = p.org)
	+ (SELECT count(*)::int FROM email_queue s WHERE s.organization_id = p.org AND s.status = 'sending')`;

/** Each quota: its label, its column, what it counts (and how, in SQL), and the first key of its advisory lock. */
export const QUOTAS = {
	maxEmailAccounts: {
		label: 'Max Email Accounts',
		column: 'max_email_accounts',
		counting: 'email accounts',
		usage: '(SELECT count(*)::int FROM email_accounts a WHERE a.organization_id = p.org)',
		lockKey: 7_305_301,
	},
	// What the organization's mailboxes sent on their local day, plus what is leased to senders right now.
	maxEmailsPerDay: {
		label: 'Max Emails per Day',
		column: 'max_emails_per_day',
		counting: 'emails today',
		usage: EMAILS_TODAY,
		lockKey: 7_305_302,
	},
	maxActiveCampaigns: {
		label: 'Max Active Campaigns',
		column: 'max_active_campaigns',
		counting: 'active campaigns',
		usage: `(SELECT count(*)::int FROM campaigns c WHERE c.organization_id = p.org AND c.status = 'active')`,
		lockKey: 7_305_303,
	},
	maxLeads: {
		label: 'Max Leads',
		column: 'max_leads',
		counting: 'leads',
		usage: '(SELECT count(*)::int FROM leads l WHERE l.organization_id = p.org)',
		lockKey: 7_305_304,
	},
} as const;

export type QuotaName = keyof typeof QUOTAS;
export const QUOTA_NAMES = Object.keys(QUOTAS) as QuotaName[];

/** One quota of an organization: its limit (null: none) and what is used now. */
export interface QuotaUsage {
	limit: number | null;
	used: number;
}

export type OrganizationQuotas = Record<QuotaName, QuotaUsage>;

/** The limits to set: a whole number ≥ 0 (0 allows none), null or '' to remove the limit; a quota left out keeps its. */
export type QuotaInput = Partial<Record<QuotaName, number | string | null>>;

/** The largest limit organization_quotas holds (INTEGER). */
const MAX_LIMIT = 2_147_483_647;

/** The organization's parameters as the relation `p` the usage expressions read. */
const PARAMS = '(SELECT $1::uuid AS org, $2::timestamp AS now) p';

/** The acting organization's quotas, each with its limit and usage, in one statement. */
export async function organizationQuotas(tx: TenantTx, { now = new Date() } = {}): Promise<OrganizationQuotas> {
	const { rows } = await tx.query<Record<string, number | null>>(
		`SELECT ${QUOTA_NAMES.map((name) => `q.${QUOTAS[name].column} AS "${name}", ${QUOTAS[name].usage} AS "${name}Used"`).join(', ')}
		 FROM ${PARAMS} LEFT JOIN organization_quotas q ON q.organization_id = p.org`,
		[tx.organizationId, now],
	);
	const row = rows[0];
	return Object.fromEntries(
		QUOTA_NAMES.map((name) => [name, { limit: row[name], used: row[`${name}Used`] as number }]),
	) as OrganizationQuotas;
}

/** The acting organization with its quotas and their usage (Organization → Get and Update, Get Health). */
export async function organizationWithQuotas(
	tx: TenantTx,
	{ now = new Date() } = {},
): Promise<Organization & { quotas: OrganizationQuotas }> {
	const organization = await getOrganization(tx, tx.organizationId);
	return { ...organization, quotas: await organizationQuotas(tx, { now }) };
}

/**
 * Sets an organization's limits (the platform operator only: row-level security lets no other organization write
 * them). Quotas left out keep their limit; a new row starts without limits.
 */
export async function setOrganizationQuotas(
	tx: TenantTx,
	organizationId: string,
	input: QuotaInput,
): Promise<Record<QuotaName, number | null>> {
	requireSystemOrganization(tx, 'set quotas');
	const id = requireUuid(organizationId, 'Organization');
	const given = QUOTA_NAMES.filter((name) => input[name] !== undefined);
	const limits = QUOTA_NAMES.map((name) => {
		const value = input[name];
		return value === undefined || value === null || value === ''
			? null
			: wholeNumber(value, QUOTAS[name].label, 0, MAX_LIMIT);
	});
	const { rows: found } = await tx.query('SELECT 1 FROM organizations WHERE id = $1', [id]);
	if (found.length === 0) throw new NotFoundError('Organization', id);
	const columns = QUOTA_NAMES.map((name) => QUOTAS[name].column);
	// A quota not given is NULL in a new row and keeps its value in an existing one.
	const { rows } = await tx.query<Record<string, number | null>>(
		`INSERT INTO organization_quotas AS q (organization_id, ${columns.join(', ')})
		 VALUES ($1, ${columns.map((_, i) => `$${i + 3}::int`).join(', ')})
		 ON CONFLICT (organization_id) DO UPDATE SET
		   ${columns.map((c) => `${c} = CASE WHEN '${c}' = ANY($2::text[]) THEN EXCLUDED.${c} ELSE q.${c} END`).join(', ')},
		   updated_at = CURRENT_TIMESTAMP
		 RETURNING ${QUOTA_NAMES.map((name) => `${QUOTAS[name].column} AS "${name}"`).join(', ')}`,
		[id, given.map((name) => QUOTAS[name].column), ...limits],
	);
	return rows[0] as Record<QuotaName, number | null>;
}

/**
 * The quota's limit and usage, counted while holding the quota's lock, which is kept until the transaction ends; or
 * undefined, without locking anything, when the organization has no such limit.
 *
 * The lock is a transaction-level advisory lock on (quota, organization): it serialises the writers of that one
 * quota of that one organization (two imports, two claims) and blocks nothing else, not their other work, not
 * readers, not another organization (but for a hashtext collision, which only makes two take turns). An organization cannot lock its own quota row instead (FOR UPDATE needs the
 * write access only the platform operator has), and a transaction-level lock is released by commit or rollback
 * whatever happens to the work.
 */
export async function lockQuota(
	tx: TenantTx,
	quota: QuotaName,
	{ now = new Date() } = {},
): Promise<{ limit: number; used: number } | undefined> {
	const { column, usage, lockKey } = QUOTAS[quota];
	const { rows: set } = await tx.query<{ limit: number | null }>(
		`SELECT ${column} AS limit FROM organization_quotas WHERE organization_id = $1`,
		[tx.organizationId],
	);
	if (set.length === 0 || set[0].limit === null) return undefined;
	await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [lockKey, tx.organizationId]);
	// Counted in a statement of its own, after the lock: in READ COMMITTED each statement takes a fresh snapshot, so
	// this one sees what the lock's previous holder committed (a count in the locking statement would not). The limit
	// is read again for the same reason.
	const { rows } = await tx.query<{ limit: number | null; used: number }>(
		`SELECT q.${column} AS limit, ${usage} AS used FROM ${PARAMS} LEFT JOIN organization_quotas q ON q.organization_id = p.org`,
		[tx.organizationId, now],
	);
	const { limit, used } = rows[0];
	return limit === null ? undefined : { limit, used };
}

/**
 * Refuses work that would take the acting organization past a quota, with a QuotaExceededError naming it. `adding`
 * is how many the work adds, or a function counting it once the lock is held (what is new may depend on a
 * concurrent writer). The work must follow in the same transaction: the lock keeps the count true until it commits.
 */
export async function requireQuota(
	tx: TenantTx,
	quota: QuotaName,
	adding: number | (() => Promise<number>),
	{ source = 'this' } = {},
): Promise<void> {
	if (typeof adding === 'number' && adding <= 0) return;
	const held = await lockQuota(tx, quota);
	if (!held) return;
	const count = typeof adding === 'number' ? adding : await adding();
	if (count > 0 && held.used + count > held.limit) {
		throw new QuotaExceededError(QUOTAS[quota].label, held.limit, held.used, count, {
			counting: QUOTAS[quota].counting,
			source,
		});
	}
}
