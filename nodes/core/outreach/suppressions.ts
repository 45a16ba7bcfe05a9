import { normalizeDomain, normalizeEmail } from '../validation/emailAddress';
import { InvalidInputError, NotFoundError } from '../validation/errors';
import { optionalUuid } from '../validation/ids';
import { camelCaseRow, checkedPage, type Page } from '../validation/rows';
import type { TenantTx } from '../db/tenantTransaction';
import { containsPattern, optionalText } from '../validation/text';

/**
 * The organization's suppression list (the unsubscribes table): addresses and whole domains that no campaign of
 * the organization may email. Adding one also cancels what is already queued for it.
 */
export interface Suppression {
	id: string;
	scope: 'email' | 'domain';
	email: string;
	reason: string | null;
	campaignId: string | null;
	createdAt: string;
}

const COLUMNS = 'id, scope, email, reason, campaign_id, created_at';

/** An unsubscribes row as COLUMNS selects it. */
interface SuppressionRow {
	id: string;
	scope: 'email' | 'domain';
	email: string;
	reason: string | null;
	campaign_id: string | null;
	created_at: Date;
}

/** An address (jane@example.com) or a domain (example.com or @example.com). */
function parseSuppressionTarget(raw: unknown): { scope: 'email' | 'domain'; value: string } {
	const email = normalizeEmail(raw);
	if (email) return { scope: 'email', value: email };
	// A domain may carry one leading @ (@example.com); any other @ makes it a (bad) address.
	const domain = typeof raw === 'string' && !raw.trim().includes('@', 1) ? normalizeDomain(raw) : undefined;
	if (domain) return { scope: 'domain', value: domain };
	throw new InvalidInputError('Email or Domain', 'an email address (jane@example.com) or a domain (example.com)', raw);
}

/** The reason column holds 100 characters: a longer reason is refused rather than silently cut. */
function suppressionReason(raw: unknown, scope: 'email' | 'domain'): string {
	return optionalText(raw, 'Reason', 100) ?? (scope === 'domain' ? 'domain suppressed' : 'suppressed');
}

/**
 * The campaign an entry came from, if any. Checked here because the foreign key alone would accept another
 * organization's campaign (key checks ignore row-level security) and answer an unknown id with a raw SQL error.
 */
async function ownCampaignId(tx: TenantTx, raw: unknown): Promise<string | null> {
	const campaignId = optionalUuid(raw, 'Campaign ID');
	if (campaignId === null) return null;
	const { rowCount } = await tx.query('SELECT 1 FROM campaigns WHERE organization_id = $1 AND id = $2', [
		tx.organizationId,
		campaignId,
	]);
	if (!rowCount) throw new NotFoundError('Campaign', campaignId);
	return campaignId;
}

/**
 * Suppresses an address or a domain for every campaign of the organization, and cancels the emails still queued
 * for its leads there. Idempotent: an existing entry is kept as it was (`created: false`).
 */
export async function addSuppression(
	tx: TenantTx,
	input: { target: unknown; reason?: string; campaignId?: string | null },
): Promise<Suppression & { created: boolean; cancelledEmails: number }> {
	const { scope, value } = parseSuppressionTarget(input.target);
	const reason = suppressionReason(input.reason, scope);
	const campaignId = await ownCampaignId(tx, input.campaignId);
	const params = [tx.organizationId, scope, value];
	const { rows } = await tx.query<SuppressionRow & { created: boolean }>(
		`WITH added AS (
		   INSERT INTO unsubscribes (organization_id, scope, email, reason, campaign_id) VALUES ($1, $2, $3, $4, $5)
		   ON CONFLICT (organization_id, scope, email) DO NOTHING RETURNING ${COLUMNS}
		 )
		 SELECT *, true AS created FROM added
		 UNION ALL
		 SELECT ${COLUMNS}, false FROM unsubscribes
		 WHERE organization_id = $1 AND scope = $2 AND email = $3 AND NOT EXISTS (SELECT 1 FROM added)`,
		[...params, reason, campaignId],
	);
	// A concurrent transaction that committed the same entry after this statement's snapshot was taken makes the
	// insert do nothing while the select cannot see its row yet; a new statement (new snapshot) does.
	if (rows.length === 0) {
		const again = await tx.query<SuppressionRow & { created: boolean }>(
			`SELECT ${COLUMNS}, false AS created FROM unsubscribes WHERE organization_id = $1 AND scope = $2 AND email = $3`,
			params,
		);
		rows.push(...again.rows);
	}
	const cancelled = await tx.query(
		`UPDATE email_queue q SET status = 'cancelled', error_message = $3
		 FROM leads l
		 WHERE q.organization_id = $1 AND l.organization_id = $1 AND q.lead_id = l.id AND q.status = 'queued'
		   AND ${scope === 'email' ? 'l.email = $2' : "split_part(l.email, '@', 2) = $2"}`,
		[tx.organizationId, value, `suppressed: ${rows[0].reason ?? reason}`],
	);
	return { ...camelCaseRow<Suppression & { created: boolean }>(rows[0]), cancelledEmails: cancelled.rowCount };
}

/**
 * Whether an address may be emailed. `matchedBy` says whether the address itself or its domain is suppressed
 * (the address wins when both are) and `entry` is that suppression.
 */
export async function checkSuppression(
	tx: TenantTx,
	rawEmail: unknown,
): Promise<{
	email: string;
	suppressed: boolean;
	matchedBy: 'email' | 'domain' | null;
	reason: string | null;
	entry: Suppression | null;
}> {
	const email = normalizeEmail(rawEmail);
	if (!email) throw new InvalidInputError('Email', 'a valid email address such as jane@example.com', rawEmail);
	const { rows } = await tx.query<SuppressionRow>(
		`SELECT ${COLUMNS} FROM unsubscribes
		 WHERE organization_id = $1 AND ((scope = 'email' AND email = $2) OR (scope = 'domain' AND email = split_part($2, '@', 2)))
		 ORDER BY scope = 'email' DESC LIMIT 1`,
		[tx.organizationId, email],
	);
	const entry = rows.length ? camelCaseRow<Suppression>(rows[0]) : null;
	return { email, suppressed: entry !== null, matchedBy: entry?.scope ?? null, reason: entry?.reason ?? null, entry };
}

export async function listSuppressions(
	tx: TenantTx,
	filter: Page & { scope?: 'email' | 'domain'; search?: string },
): Promise<Suppression[]> {
	const { limit, offset } = checkedPage(filter);
	const scope = filter.scope || null;
	if (scope !== null && scope !== 'email' && scope !== 'domain')
		throw new InvalidInputError('Scope', 'email or domain', scope);
	// Entries are stored lower-cased; the search is a literal substring (% and _ match only themselves).
	const search = containsPattern(filter.search?.toLowerCase());
	const { rows } = await tx.query<SuppressionRow>(
		`SELECT ${COLUMNS} FROM unsubscribes
		 WHERE organization_id = $1 AND ($2::text IS NULL OR scope = $2) AND ($3::text IS NULL OR email LIKE $3)
		 ORDER BY created_at DESC, id LIMIT $4 OFFSET $5`,
		[tx.organizationId, scope, search, limit, offset],
	);
	return rows.map((row) => camelCaseRow<Suppression>(row));
}

export async function removeSuppression(
	tx: TenantTx,
	target: unknown,
): Promise<{ scope: string; email: string; removed: boolean }> {
	const { scope, value } = parseSuppressionTarget(target);
	const { rowCount } = await tx.query(
		'DELETE FROM unsubscribes WHERE organization_id = $1 AND scope = $2 AND email = $3',
		[tx.organizationId, scope, value],
	);
	return { scope, email: value, removed: rowCount > 0 };
}
