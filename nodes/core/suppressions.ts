import { normalizeDomain, normalizeEmail } from './emailAddress';
import { InvalidInputError } from './errors';
import { camelCaseRow, type Page } from './rows';
import type { TenantTx } from './tenantTransaction';

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

/** An address (jane@example.com) or a domain (example.com or @example.com). */
export function parseSuppressionTarget(raw: unknown): { scope: 'email' | 'domain'; value: string } {
	const email = normalizeEmail(raw);
	if (email) return { scope: 'email', value: email };
	const domain = typeof raw === 'string' && !raw.includes('@', 1) ? normalizeDomain(raw) : undefined;
	if (domain) return { scope: 'domain', value: domain };
	throw new InvalidInputError('Email or Domain', 'an email address (jane@example.com) or a domain (example.com)', raw);
}

export async function addSuppression(
	tx: TenantTx,
	input: { target: unknown; reason?: string; campaignId?: string | null },
): Promise<Suppression & { created: boolean; cancelledEmails: number }> {
	const { scope, value } = parseSuppressionTarget(input.target);
	const reason = input.reason?.trim().slice(0, 100) || (scope === 'domain' ? 'domain suppressed' : 'suppressed');
	const { rows } = await tx.client.query(
		`WITH added AS (
		   INSERT INTO unsubscribes (organization_id, scope, email, reason, campaign_id) VALUES ($1, $2, $3, $4, $5)
		   ON CONFLICT (organization_id, scope, email) DO NOTHING RETURNING ${COLUMNS}
		 )
		 SELECT *, true AS created FROM added
		 UNION ALL
		 SELECT ${COLUMNS}, false FROM unsubscribes
		 WHERE organization_id = $1 AND scope = $2 AND email = $3 AND NOT EXISTS (SELECT 1 FROM added)`,
		[tx.organizationId, scope, value, reason, input.campaignId || null],
	);
	const cancelled = await tx.client.query(
		`UPDATE email_queue q SET status = 'cancelled', error_message = $3
		 FROM leads l
		 WHERE q.organization_id = $1 AND l.organization_id = $1 AND q.lead_id = l.id AND q.status = 'queued'
		   AND ${scope === 'email' ? 'l.email = $2' : "split_part(l.email, '@', 2) = $2"}`,
		[tx.organizationId, value, `suppressed: ${reason}`],
	);
	return { ...camelCaseRow<Suppression & { created: boolean }>(rows[0]), cancelledEmails: cancelled.rowCount ?? 0 };
}

/** Whether an address may be emailed; `matchedBy` says whether the address or its domain is suppressed. */
export async function checkSuppression(
	tx: TenantTx,
	rawEmail: unknown,
): Promise<{ email: string; suppressed: boolean; matchedBy: 'email' | 'domain' | null; reason: string | null }> {
	const email = normalizeEmail(rawEmail);
	if (!email) throw new InvalidInputError('Email', 'a valid email address such as jane@example.com', rawEmail);
	const { rows } = await tx.client.query<{ scope: 'email' | 'domain'; reason: string | null }>(
		`SELECT scope, reason FROM unsubscribes
		 WHERE organization_id = $1 AND ((scope = 'email' AND email = $2) OR (scope = 'domain' AND email = split_part($2, '@', 2)))
		 ORDER BY scope = 'email' DESC LIMIT 1`,
		[tx.organizationId, email],
	);
	return { email, suppressed: rows.length > 0, matchedBy: rows[0]?.scope ?? null, reason: rows[0]?.reason ?? null };
}

export async function listSuppressions(
	tx: TenantTx,
	filter: Page & { scope?: 'email' | 'domain'; search?: string },
): Promise<Suppression[]> {
	const search = filter.search?.trim() ? `%${filter.search.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
	const { rows } = await tx.client.query(
		`SELECT ${COLUMNS} FROM unsubscribes
		 WHERE organization_id = $1 AND ($2::text IS NULL OR scope = $2) AND ($3::text IS NULL OR email LIKE $3)
		 ORDER BY created_at DESC, id LIMIT $4 OFFSET $5`,
		[tx.organizationId, filter.scope ?? null, search, filter.limit, filter.offset],
	);
	return rows.map((row) => camelCaseRow<Suppression>(row));
}

export async function removeSuppression(tx: TenantTx, target: unknown): Promise<{ scope: string; email: string; removed: boolean }> {
	const { scope, value } = parseSuppressionTarget(target);
	const { rowCount } = await tx.client.query(
		'DELETE FROM unsubscribes WHERE organization_id = $1 AND scope = $2 AND email = $3',
		[tx.organizationId, scope, value],
	);
	return { scope, email: value, removed: (rowCount ?? 0) > 0 };
}
