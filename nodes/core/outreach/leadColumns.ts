import type { TenantTx } from '../db/tenantTransaction';
import { wholeNumber } from '../validation/numbers';

// The custom fields an organization's leads hold (the keys of leads.data): what an import can map columns to.

/** A JSON value's type, as PostgreSQL's jsonb_typeof names it. */
export type JsonType = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null';

export interface CustomField {
	key: string;
	/** The type most of its values have. */
	type: JsonType;
	/** How many of the organization's leads hold it. */
	leads: number;
}

/**
 * The organization's custom fields, alphabetically (ignoring case): at most `limit`, the ones the most leads hold, so
 * that an organization whose leads carry thousands of distinct keys still gets a column list an editor can show.
 * Reads every lead's fields (about a second per 300,000 leads).
 */
export async function listCustomFields(tx: TenantTx, limit = 200): Promise<CustomField[]> {
	const { rows } = await tx.query<CustomField>(
		`WITH typed AS (
			SELECT f.key, jsonb_typeof(f.value) AS type, count(*) AS n
			FROM leads l, jsonb_each(l.data) AS f
			WHERE l.organization_id = $1 AND jsonb_typeof(l.data) = 'object'
			GROUP BY f.key, jsonb_typeof(f.value)
		), used AS (
			SELECT DISTINCT ON (key) key, type, (sum(n) OVER (PARTITION BY key))::int AS leads
			FROM typed
			ORDER BY key, n DESC, type
		), kept AS (
			SELECT * FROM used ORDER BY leads DESC, key LIMIT $2
		)
		SELECT key, type, leads FROM kept ORDER BY lower(key), key`,
		[tx.organizationId, wholeNumber(limit, 'Limit', 1, 1000)],
	);
	return rows;
}
