import { normalizeEmail } from '../validation/emailAddress';
import { InvalidInputError, NotFoundError } from '../validation/errors';
import { requireUuid, requireUuids } from '../validation/ids';
import { anyOf, camelCaseRow, checkedPage, type Page } from '../validation/rows';
import type { TenantTx } from '../db/tenantTransaction';
import {
	cellText,
	cleanData,
	cleanTags,
	customFieldsError,
	jsonBytes,
	LEAD_LIMITS,
	mergedData,
	mergedTagCount,
	mergedTags,
	tagCountError,
	WITH_STORED,
} from './leadFields';
import { containsPattern } from '../validation/text';

// One lead at a time: read, list, edit its fields and tags, change its status. Bulk writes are in leadImport.ts.

export const LEAD_STATUSES = [
	'active',
	'paused',
	'completed',
	'replied',
	'bounced',
	'unsubscribed',
	'not_interested',
] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export interface Lead {
	id: string;
	organizationId: string;
	campaignId: string | null;
	email: string;
	firstName: string | null;
	lastName: string | null;
	company: string | null;
	data: Record<string, unknown>;
	status: LeadStatus;
	tags: string[];
	createdAt: string;
	updatedAt: string;
}

/** A leads row as LEAD_COLUMNS selects it. */
export interface LeadRow {
	id: string;
	organization_id: string;
	campaign_id: string | null;
	email: string;
	first_name: string | null;
	last_name: string | null;
	company: string | null;
	data: Record<string, unknown>;
	status: LeadStatus;
	tags: string[] | null;
	created_at: Date;
	updated_at: Date;
}

export const LEAD_COLUMNS =
	'id, organization_id, campaign_id, email, first_name, last_name, company, data, status, tags, created_at, updated_at';

export function toLead(row: LeadRow): Lead {
	const lead = camelCaseRow<Lead>(row);
	lead.tags ??= [];
	return lead;
}

export async function getLead(tx: TenantTx, id: string): Promise<Lead> {
	const { rows } = await tx.query<LeadRow>(`SELECT ${LEAD_COLUMNS} FROM leads WHERE organization_id = $1 AND id = $2`, [
		tx.organizationId,
		requireUuid(id, 'Lead ID'),
	]);
	if (rows.length === 0) throw new NotFoundError('Lead', id);
	return toLead(rows[0]);
}

export interface LeadFilter {
	email?: string;
	search?: string;
	/** One campaign or several (any of them). */
	campaignId?: string | string[];
	status?: LeadStatus | LeadStatus[];
	tag?: string;
}

export async function listLeads(tx: TenantTx, filter: LeadFilter & Page): Promise<Lead[]> {
	const { limit, offset } = checkedPage(filter);
	const campaignIds = anyOf(filter.campaignId);
	const email = filter.email ? (normalizeEmail(filter.email) ?? filter.email.trim().toLowerCase()) : null;
	const search = containsPattern(filter.search);
	const { rows } = await tx.query<LeadRow>(
		`SELECT ${LEAD_COLUMNS} FROM leads
		 WHERE organization_id = $1
		   AND ($2::text IS NULL OR email = $2)
		   AND ($3::uuid[] IS NULL OR campaign_id = ANY($3))
		   AND ($4::text[] IS NULL OR status = ANY($4))
		   AND ($5::text IS NULL OR tags @> ARRAY[$5::text])
		   AND ($6::text IS NULL OR email ILIKE $6 OR first_name ILIKE $6 OR last_name ILIKE $6 OR company ILIKE $6)
		 ORDER BY created_at DESC, id LIMIT $7 OFFSET $8`,
		[
			tx.organizationId,
			email,
			campaignIds && requireUuids(campaignIds, 'Campaign ID'),
			anyOf(filter.status),
			filter.tag?.trim() || null,
			search,
			limit,
			offset,
		],
	);
	return rows.map(toLead);
}

/** Changes the given fields; custom fields merge into `data` (a field set to null is removed). */
export async function updateLead(
	tx: TenantTx,
	id: string,
	patch: { firstName?: unknown; lastName?: unknown; company?: unknown; data?: unknown },
): Promise<Lead> {
	requireUuid(id, 'Lead ID');
	const data = cleanData(patch.data);
	const removed = Object.keys(data).filter((key) => data[key] === null);
	const patched = (fields: string, removedKeys: string) => `(${mergedData('data', fields)}) - ${removedKeys}`;
	if (Object.keys(data).length > 0) {
		const { rows: merged } = await tx.query<{ bytes: number }>(
			`SELECT ${jsonBytes(patched('$3::jsonb', '$4::text[]'))} AS bytes FROM leads WHERE organization_id = $1 AND id = $2 FOR UPDATE`,
			[tx.organizationId, id, JSON.stringify(data), removed],
		);
		if (merged.length === 0) throw new NotFoundError('Lead', id);
		const tooBig = customFieldsError(merged[0].bytes, WITH_STORED);
		if (tooBig) throw tooBig;
	}
	const { rows } = await tx.query<LeadRow>(
		`UPDATE leads SET
		   first_name = CASE WHEN $3 THEN $4 ELSE first_name END,
		   last_name = CASE WHEN $5 THEN $6 ELSE last_name END,
		   company = CASE WHEN $7 THEN $8 ELSE company END,
		   data = ${patched('$9::jsonb', '$10::text[]')}
		 WHERE organization_id = $1 AND id = $2 RETURNING ${LEAD_COLUMNS}`,
		[
			tx.organizationId,
			id,
			patch.firstName !== undefined,
			cellText(patch.firstName, 'First Name', LEAD_LIMITS.firstNameCharacters),
			patch.lastName !== undefined,
			cellText(patch.lastName, 'Last Name', LEAD_LIMITS.lastNameCharacters),
			patch.company !== undefined,
			cellText(patch.company, 'Company', LEAD_LIMITS.companyCharacters),
			JSON.stringify(data),
			removed,
		],
	);
	if (rows.length === 0) throw new NotFoundError('Lead', id);
	return toLead(rows[0]);
}

export async function changeTags(tx: TenantTx, id: string, tags: unknown, change: 'add' | 'remove'): Promise<Lead> {
	requireUuid(id, 'Lead ID');
	if (change !== 'add' && change !== 'remove') throw new InvalidInputError('Change', "'add' or 'remove'", change);
	const list = cleanTags(tags);
	if (list.length === 0) throw new InvalidInputError('Tags', 'at least one tag');
	if (change === 'add') {
		const { rows: merged } = await tx.query<{ count: number }>(
			`SELECT ${mergedTagCount('tags', '$3::text[]')} AS count FROM leads WHERE organization_id = $1 AND id = $2 FOR UPDATE`,
			[tx.organizationId, id, list],
		);
		if (merged.length === 0) throw new NotFoundError('Lead', id);
		const tooMany = tagCountError(merged[0].count, WITH_STORED);
		if (tooMany) throw tooMany;
	}
	const expression =
		change === 'add'
			? mergedTags('tags', '$3::text[]')
			: `ARRAY(SELECT t FROM unnest(COALESCE(tags, '{}')) AS t WHERE t <> ALL($3::text[]))`;
	const { rows } = await tx.query<LeadRow>(
		`UPDATE leads SET tags = ${expression} WHERE organization_id = $1 AND id = $2 RETURNING ${LEAD_COLUMNS}`,
		[tx.organizationId, id, list],
	);
	if (rows.length === 0) throw new NotFoundError('Lead', id);
	return toLead(rows[0]);
}

export async function setLeadStatus(tx: TenantTx, id: string, status: string): Promise<Lead> {
	requireUuid(id, 'Lead ID');
	if (!(LEAD_STATUSES as readonly string[]).includes(status)) {
		throw new InvalidInputError('Status', `one of ${LEAD_STATUSES.join(', ')}`, status);
	}
	const { rows } = await tx.query<LeadRow>(
		`UPDATE leads SET status = $3 WHERE organization_id = $1 AND id = $2 RETURNING ${LEAD_COLUMNS}`,
		[tx.organizationId, id, status],
	);
	if (rows.length === 0) throw new NotFoundError('Lead', id);
	// A lead that leaves the sequence has nothing more queued.
	if (status !== 'active') {
		await tx.query(
			`UPDATE email_queue SET status = 'cancelled', error_message = $3
			 WHERE organization_id = $1 AND lead_id = $2 AND status = 'queued'`,
			[tx.organizationId, id, `lead ${status}`],
		);
	}
	return toLead(rows[0]);
}
