import type { TenantTx } from '../db/tenantTransaction';
import { checkedPage, type Page } from '../validation/rows';
import type { RecordKind } from './recordRefs';
import { containsPattern } from '../validation/text';

// The records the editor's pickers offer ("From List"): each kind searched by what a person would type, labelled
// so that a person recognises the record, in a stable order so that pages never overlap.

/** One record as a picker lists it. */
export interface RecordOption {
	id: string;
	label: string;
}

export interface RecordSearch extends Page {
	/** Text found anywhere in a searched column, ignoring case; blank lists every record. */
	filter?: string;
}

export interface RecordPage {
	records: RecordOption[];
	/** Whether a next page (the next offset) holds more records. */
	hasMore: boolean;
}

/** The columns each kind's label is made of. */
interface Rows {
	campaign: { id: string; name: string; status: string };
	lead: { id: string; email: string; first_name: string | null; last_name: string | null; campaign: string | null };
	template: { id: string; name: string; category: string | null };
	emailAccount: { id: string; email: string; status: string; health_score: number };
	user: { id: string; email: string; first_name: string | null; last_name: string | null; role: string };
}

interface Search<Row> {
	/** The SELECT list and FROM clause; `r` is the kind's own table. */
	select: string;
	/** Matched with the filter; a full name too, as a person types it ("Jane Doe"). */
	searched: string[];
	/** Ends with r.id, so that equal names keep one order across pages. */
	order: string;
	label(row: Row): string;
}

const FULL_NAME = `concat_ws(' ', r.first_name, r.last_name)`;
const fullName = (row: { first_name: string | null; last_name: string | null }) =>
	[row.first_name, row.last_name].filter(Boolean).join(' ');
/** Parts of a label that may be missing are left out with their separator. */
const withPart = (text: string, separator: string, part: string | null) => (part ? `${text}${separator}${part}` : text);

const SEARCHES: { [K in RecordKind]: Search<Rows[K]> } = {
	campaign: {
		select: 'r.id, r.name, r.status FROM campaigns r',
		searched: ['r.name'],
		order: 'lower(r.name), r.id',
		label: (row) => `${row.name} (${row.status})`,
	},
	lead: {
		select: `r.id, r.email, r.first_name, r.last_name, c.name AS campaign FROM leads r
			LEFT JOIN campaigns c ON c.organization_id = r.organization_id AND c.id = r.campaign_id`,
		searched: ['r.email', 'r.first_name', 'r.last_name', FULL_NAME, 'r.company'],
		// One address may be a lead of several campaigns: those sit together, by campaign.
		order: 'r.email, lower(c.name) NULLS FIRST, r.id',
		label: (row) => withPart(withPart(row.email, ' — ', fullName(row)), ' · ', row.campaign),
	},
	template: {
		select: 'r.id, r.name, r.category FROM templates r',
		searched: ['r.name', 'r.category', 'r.subject'],
		order: 'lower(r.name), r.id',
		label: (row) => withPart(row.name, ' · ', row.category),
	},
	emailAccount: {
		select: 'r.id, r.email, r.status, r.health_score FROM email_accounts r',
		searched: ['r.email'],
		order: 'r.email, r.id',
		label: (row) => `${row.email} · ${row.status} · health ${row.health_score}`,
	},
	user: {
		select: 'r.id, r.email, r.first_name, r.last_name, r.role FROM users r',
		searched: ['r.email', 'r.first_name', 'r.last_name', FULL_NAME],
		order: 'r.email, r.id',
		label: (row) => `${withPart(row.email, ' — ', fullName(row))} (${row.role})`,
	},
};

/** One page of the organization's records of a kind, for a picker; one row beyond the page tells `hasMore`. */
export async function searchRecords<K extends RecordKind>(
	tx: TenantTx,
	kind: K,
	{ filter, ...paging }: RecordSearch,
): Promise<RecordPage> {
	const { select, searched, order, label } = SEARCHES[kind];
	const { limit, offset } = checkedPage(paging);
	const pattern = containsPattern(filter);
	const { rows } = await tx.query<Rows[K]>(
		`SELECT ${select}
		 WHERE r.organization_id = $1 AND ($2::text IS NULL OR ${searched.map((column) => `${column} ILIKE $2 ESCAPE '\\'`).join(' OR ')})
		 ORDER BY ${order} LIMIT $3 OFFSET $4`,
		[tx.organizationId, pattern, limit + 1, offset],
	);
	return {
		records: rows.slice(0, limit).map((row) => ({ id: row.id, label: label(row) })),
		hasMore: rows.length > limit,
	};
}
