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
 * The organization's custom fields, alphabetically: at most `limit`, the ones the most leads hold, so that an
 * organization whose leads carry thousands of distinct keys still gets a column list an editor can show.
 */
export async function listCustomFields(tx: TenantTx, limit = 200): Promise<CustomField[]> {
	const { rows } = await tx.query<CustomField>(
		`SELECT key, type, leads FROM (
			SELECT f.key, mode() WITHIN GROUP (ORDER BY jsonb_typeof(f.value)) AS type, count(*)::int AS leads
			FROM leads l, jsonb_each(l.data) AS f
			WHERE l.organization_id = $1 AND jsonb_typeof(l.data) = 'object'
			GROUP BY f.key
			ORDER BY count(*) DESC, f.key
			LIMIT $2
		) AS used
		ORDER BY key`,
		[tx.organizationId, wholeNumber(limit, 'Limit', 1, 1000)],
	);
	return rows;
}
