import { normalizeEmail, requireEmail } from '../validation/emailAddress';
import { InvalidInputError, NotFoundError, OphirError } from '../validation/errors';
import { optionalUuid, requireUuid } from '../validation/ids';
import { wholeNumber } from '../validation/numbers';
import { camelCaseRow, checkedPage, type Page } from '../validation/rows';
import type { TenantTx } from '../db/tenantTransaction';
import { characterCount, optionalText, storableJsonObject, storableText } from '../validation/text';

export const LEAD_STATUSES = ['active', 'paused', 'completed', 'replied', 'bounced', 'unsubscribed', 'not_interested'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/**
 * What one lead may hold (README: OPhir Campaign, Limits). Names and company are the columns' sizes; custom
 * fields and tags are bounded so that one spreadsheet row cannot bloat the table, every rendering and every export.
 */
export const LEAD_LIMITS = Object.freeze({
	firstNameCharacters: 100,
	lastNameCharacters: 100,
	companyCharacters: 255,
	/** Custom fields (`data`) as JSON text, in UTF-8 bytes. */
	customFieldsBytes: 64 * 1024,
	tags: 100,
	tagCharacters: 100,
});

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

/** A lead as callers give it: the address is required, everything else optional. */
export interface LeadInput {
	email: unknown;
	firstName?: unknown;
	lastName?: unknown;
	company?: unknown;
	data?: unknown;
	tags?: unknown;
}

interface CleanLead {
	email: string;
	firstName: string | null;
	lastName: string | null;
	company: string | null;
	data: Record<string, unknown>;
	tags: string[];
}

const COLUMNS = 'id, organization_id, campaign_id, email, first_name, last_name, company, data, status, tags, created_at, updated_at';
const NO_CAMPAIGN = '00000000-0000-0000-0000-000000000000';
const toLead = (row: Record<string, unknown>) => {
	const lead = camelCaseRow<Lead>(row);
	lead.tags ??= [];
	return lead;
};

/** Names and companies may come from a spreadsheet as numbers: they are stored as their text. */
function cellText(value: unknown, field: string, max: number): string | null {
	return optionalText(typeof value === 'number' ? String(value) : value, field, max);
}

/** Tags from an array or a comma-separated text: trimmed, without blanks or repeats. */
export function cleanTags(value: unknown): string[] {
	if (value === undefined || value === null || value === '') return [];
	const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
	const tags = list
		.map((tag) => {
			if (typeof tag !== 'string' && typeof tag !== 'number') {
				throw new InvalidInputError('Tags', 'a list of texts or a comma-separated text', value);
			}
			return storableText(String(tag).trim(), 'Tags');
		})
		.filter(Boolean);
	const distinct = [...new Set(tags)];
	const tooMany = tagCountError(distinct.length, 'given');
	if (tooMany) throw tooMany;
	for (const tag of distinct) {
		if (characterCount(tag) > LEAD_LIMITS.tagCharacters) {
			throw new InvalidInputError('Tags', `tags of at most ${LEAD_LIMITS.tagCharacters} characters`, tag);
		}
		// A tag is a word or a short phrase; control characters are never meant (and one of them separates tags in bulk writes).
		for (let i = 0; i < tag.length; i++) {
			const code = tag.charCodeAt(i);
			if (code < 0x20 || code === 0x7f) throw new InvalidInputError('Tags', 'tags without control characters', tag);
		}
	}
	return distinct;
}

/** `counted` says what was counted: the tags given, or those a lead would hold after a merge. */
function tagCountError(count: number, counted: string): InvalidInputError | undefined {
	return count > LEAD_LIMITS.tags ? new InvalidInputError('Tags', `at most ${LEAD_LIMITS.tags} tags (${count} ${counted})`) : undefined;
}

const CUSTOM_FIELDS = 'Custom Fields (data)';

function customFieldsError(bytes: number, counted: string): InvalidInputError | undefined {
	const max = LEAD_LIMITS.customFieldsBytes;
	return bytes > max ? new InvalidInputError(CUSTOM_FIELDS, `at most ${max / 1024} KB (${max} bytes) of JSON (${bytes} bytes ${counted})`) : undefined;
}

/**
 * Bytes of a value as PostgreSQL prints it as jsonb (a space after each ':' and ','), the way merged fields are
 * measured in SQL: a lead accepted once is measured the same way when it is merged into later.
 */
function jsonbTextBytes(value: unknown): number {
	if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + jsonbTextBytes(item), 2 + Math.max(0, 2 * value.length - 2));
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value);
		// '{', '}', and per field its key, ': ' and ', ' between fields.
		return entries.reduce<number>((sum, [key, item]) => sum + Buffer.byteLength(JSON.stringify(key)) + 2 + jsonbTextBytes(item), 2 + Math.max(0, 2 * entries.length - 2));
	}
	return Buffer.byteLength(JSON.stringify(value) ?? 'null');
}

function cleanData(value: unknown): Record<string, unknown> {
	const data = storableJsonObject(value, CUSTOM_FIELDS, 'an object of field names and values');
	const tooBig = customFieldsError(jsonbTextBytes(data), 'given');
	if (tooBig) throw tooBig;
	return data;
}

/** SQL for a lead's tags and custom fields with new ones merged in (Import's update, Update, Add Tags). */
const mergedTags = (stored: string, added: string) => `ARRAY(SELECT DISTINCT t FROM unnest(COALESCE(${stored}, '{}') || ${added}) AS t ORDER BY t)`;
const mergedData = (stored: string, added: string) => `COALESCE(${stored}, '{}'::jsonb) || ${added}`;

/**
 * A merge must leave the lead within LEAD_LIMITS too, or repeated imports and updates would grow it without end.
 * Merged custom fields are measured as PostgreSQL prints jsonb, as jsonbTextBytes measures a single input.
 */
const mergedTagCount = (stored: string, added: string) => `cardinality(${mergedTags(stored, added)})`;
const jsonBytes = (json: string) => `octet_length((${json})::text)`;
const WITH_STORED = "with the lead's stored ones";

export function cleanLead(input: LeadInput): CleanLead {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		throw new InvalidInputError('Lead', 'an object with an email field', input);
	}
	return {
		email: requireEmail(input.email),
		firstName: cellText(input.firstName, 'First Name', LEAD_LIMITS.firstNameCharacters),
		lastName: cellText(input.lastName, 'Last Name', LEAD_LIMITS.lastNameCharacters),
		company: cellText(input.company, 'Company', LEAD_LIMITS.companyCharacters),
		data: cleanData(input.data),
		tags: cleanTags(input.tags),
	};
}

export type ImportOutcome =
	| { status: 'created' | 'updated'; id: string; email: string }
	| { status: 'skipped'; email: string; reason: string; id?: string }
	| { status: 'invalid'; reason: string; email?: unknown };

export interface ImportOptions {
	campaignId?: string | null;
	/** What to do with an address the campaign already has: merge the new fields in, or leave it. */
	onExisting?: 'update' | 'skip';
	/** Rows per statement. */
	batchSize?: number;
}

/** Leads the import may not (re)activate: a campaign that will never send again takes no new leads. */
async function assertCampaignTakesLeads(tx: TenantTx, campaignId: string): Promise<void> {
	// FOR SHARE: a concurrent complete/archive waits for this import instead of racing past the check.
	const { rows } = await tx.query<{ status: string }>(
		'SELECT status FROM campaigns WHERE organization_id = $1 AND id = $2 FOR SHARE',
		[tx.organizationId, campaignId],
	);
	if (rows.length === 0) throw new NotFoundError('Campaign', campaignId);
	if (['completed', 'archived'].includes(rows[0].status)) {
		throw new OphirError(`Campaign ${campaignId} is ${rows[0].status} and takes no new leads`);
	}
}

/**
 * Imports many leads with one statement per batch: validates and de-duplicates in memory, skips suppressed
 * addresses and domains, and upserts the rest by (campaign, email). Returns one outcome per input, in order;
 * a bad row never aborts the others. An Error in `inputs` stands for an entry the caller already found invalid
 * (say, a node parameter that did not parse): it becomes an invalid outcome with its message and keeps its
 * position, so "duplicate of item N" always counts the caller's items.
 */
export async function importLeads(
	tx: TenantTx,
	inputs: Array<LeadInput | Error>,
	options: ImportOptions = {},
): Promise<ImportOutcome[]> {
	const batchSize = wholeNumber(options.batchSize ?? 5000, 'Batch Size', 1, 100_000);
	const onExisting = options.onExisting ?? 'update';
	if (onExisting !== 'update' && onExisting !== 'skip') throw new InvalidInputError('Existing Leads', "'update' or 'skip'", onExisting);
	const campaignId = optionalUuid(options.campaignId, 'Campaign ID');
	if (campaignId) await assertCampaignTakesLeads(tx, campaignId);
	const outcomes: ImportOutcome[] = new Array(inputs.length);
	const firstIndexOf = new Map<string, number>();
	const valid: Array<{ index: number; lead: CleanLead }> = [];
	inputs.forEach((input, index) => {
		if (input instanceof Error) {
			outcomes[index] = { status: 'invalid', reason: input.message };
			return;
		}
		try {
			const lead = cleanLead(input);
			const first = firstIndexOf.get(lead.email);
			if (first !== undefined) {
				outcomes[index] = { status: 'skipped', email: lead.email, reason: `duplicate of item ${first} in this import` };
				return;
			}
			firstIndexOf.set(lead.email, index);
			valid.push({ index, lead });
		} catch (error) {
			outcomes[index] = { status: 'invalid', email: input?.email, reason: (error as Error).message };
		}
	});
	for (let start = 0; start < valid.length; start += batchSize) {
		await upsertBatch(tx, campaignId, onExisting, valid.slice(start, start + batchSize), outcomes);
	}
	return outcomes;
}

const MERGE_EXISTING = `DO UPDATE SET
	first_name = COALESCE(EXCLUDED.first_name, l.first_name),
	last_name = COALESCE(EXCLUDED.last_name, l.last_name),
	company = COALESCE(EXCLUDED.company, l.company),
	data = ${mergedData('l.data', 'EXCLUDED.data')},
	tags = ${mergedTags('l.tags', 'EXCLUDED.tags')}
	WHERE ${mergedTagCount('l.tags', 'EXCLUDED.tags')} <= ${LEAD_LIMITS.tags}
	  AND ${jsonBytes(mergedData('l.data', 'EXCLUDED.data'))} <= ${LEAD_LIMITS.customFieldsBytes}`;

async function upsertBatch(
	tx: TenantTx,
	campaignId: string | null,
	onExisting: 'update' | 'skip',
	batch: Array<{ index: number; lead: CleanLead }>,
	outcomes: ImportOutcome[],
): Promise<void> {
	// Suppressed addresses and domains of the batch, in one indexed lookup; those leads are not written.
	const { rows: suppressedRows } = await tx.query<{ scope: 'email' | 'domain'; email: string }>(
		`SELECT scope, email FROM unsubscribes
		 WHERE organization_id = $1 AND ((scope = 'email' AND email = ANY($2::text[])) OR (scope = 'domain' AND email = ANY($3::text[])))`,
		[tx.organizationId, batch.map((b) => b.lead.email), [...new Set(batch.map((b) => b.lead.email.slice(b.lead.email.lastIndexOf('@') + 1)))]],
	);
	const suppressedAddresses = new Set(suppressedRows.filter((r) => r.scope === 'email').map((r) => r.email));
	const suppressedDomains = new Set(suppressedRows.filter((r) => r.scope === 'domain').map((r) => r.email));
	const writable: typeof batch = [];
	for (const b of batch) {
		const { email } = b.lead;
		if (suppressedAddresses.has(email)) outcomes[b.index] = { status: 'skipped', email, reason: 'address is suppressed (unsubscribed)' };
		else if (suppressedDomains.has(email.slice(email.lastIndexOf('@') + 1))) outcomes[b.index] = { status: 'skipped', email, reason: 'domain is suppressed' };
		else writable.push(b);
	}
	if (writable.length === 0) return;
	const { rows } = await tx.query<{ id: string; email: string; inserted: boolean }>(
		`INSERT INTO leads AS l (organization_id, campaign_id, email, first_name, last_name, company, data, tags)
		 SELECT $1, $2, i.email, i.first_name, i.last_name, i.company, i.data, string_to_array(i.tags, E'\\x1f')
		 FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[]) AS i(email, first_name, last_name, company, data, tags)
		 ON CONFLICT (organization_id, (COALESCE(campaign_id, '${NO_CAMPAIGN}'::uuid)), email)
		 ${onExisting === 'update' ? MERGE_EXISTING : 'DO NOTHING'}
		 RETURNING l.id, l.email, (xmax = 0) AS inserted`,
		[
			tx.organizationId,
			campaignId,
			writable.map((b) => b.lead.email),
			writable.map((b) => b.lead.firstName),
			writable.map((b) => b.lead.lastName),
			writable.map((b) => b.lead.company),
			writable.map((b) => JSON.stringify(b.lead.data)),
			writable.map((b) => b.lead.tags.join('\x1f')),
		],
	);
	// Emails are unique within a batch (de-duplicated above), so the address finds each input's row.
	const written = new Map(rows.map((row) => [row.email, row]));
	const kept = writable.filter((b) => !written.has(b.lead.email));
	// Kept as they are: with 'skip', every existing lead; with 'update', those the merge would take past LEAD_LIMITS.
	const existing = new Map<string, { id: string; tags: number; dataBytes: number }>();
	if (kept.length > 0) {
		const { rows: found } = await tx.query<{ id: string; email: string; tags: number; data_bytes: number }>(
			`SELECT l.id, l.email, ${mergedTagCount('l.tags', "string_to_array(k.tags, E'\\x1f')")} AS tags,
			        ${jsonBytes(mergedData('l.data', 'k.data'))} AS data_bytes
			 FROM unnest($3::text[], $4::text[], $5::jsonb[]) AS k(email, tags, data)
			 JOIN leads l ON l.email = k.email
			 WHERE l.organization_id = $1 AND COALESCE(l.campaign_id, '${NO_CAMPAIGN}'::uuid) = COALESCE($2::uuid, '${NO_CAMPAIGN}'::uuid)`,
			[
				tx.organizationId,
				campaignId,
				kept.map((b) => b.lead.email),
				kept.map((b) => b.lead.tags.join('\x1f')),
				kept.map((b) => JSON.stringify(b.lead.data)),
			],
		);
		for (const row of found) existing.set(row.email, { id: row.id, tags: row.tags, dataBytes: row.data_bytes });
	}
	for (const { index, lead } of writable) {
		const row = written.get(lead.email);
		const found = existing.get(lead.email);
		const overLimit =
			onExisting === 'update' && found
				? (tagCountError(found.tags, WITH_STORED) ?? customFieldsError(found.dataBytes, WITH_STORED))
				: undefined;
		outcomes[index] = row
			? { status: row.inserted ? 'created' : 'updated', id: row.id, email: lead.email }
			: overLimit
				? { status: 'invalid', email: lead.email, reason: overLimit.message }
				: { status: 'skipped', email: lead.email, reason: 'already exists', id: found?.id };
	}
}

/** One lead, created or updated by address (the Upsert operation) or created only (Create). */
export async function saveLead(
	tx: TenantTx,
	input: LeadInput,
	{ campaignId, onExisting }: { campaignId?: string | null; onExisting: 'update' | 'fail' },
): Promise<{ lead: Lead; action: 'created' | 'updated' }> {
	cleanLead(input); // throws the InvalidInputError itself (field, expected, received), not just its message
	const [outcome] = await importLeads(tx, [input], { campaignId, onExisting: onExisting === 'update' ? 'update' : 'skip' });
	if (outcome.status === 'invalid') throw new OphirError(outcome.reason);
	if (outcome.status === 'skipped') {
		if (outcome.reason === 'already exists') {
			throw new OphirError(
				`A lead with email ${outcome.email} already exists ${campaignId ? `in campaign ${campaignId}` : 'without a campaign'} (${outcome.id})`,
				'Use the Upsert operation to update it instead.',
			);
		}
		throw new OphirError(`${outcome.email} cannot be added: its ${outcome.reason}`);
	}
	return { lead: await getLead(tx, outcome.id), action: outcome.status };
}

export async function getLead(tx: TenantTx, id: string): Promise<Lead> {
	const { rows } = await tx.query(`SELECT ${COLUMNS} FROM leads WHERE organization_id = $1 AND id = $2`, [
		tx.organizationId,
		requireUuid(id, 'Lead ID'),
	]);
	if (rows.length === 0) throw new NotFoundError('Lead', id);
	return toLead(rows[0]);
}

export interface LeadFilter {
	email?: string;
	search?: string;
	campaignId?: string;
	status?: LeadStatus;
	tag?: string;
}

export async function listLeads(tx: TenantTx, filter: LeadFilter & Page): Promise<Lead[]> {
	const { limit, offset } = checkedPage(filter);
	const campaignId = optionalUuid(filter.campaignId, 'Campaign ID');
	const email = filter.email ? (normalizeEmail(filter.email) ?? filter.email.trim().toLowerCase()) : null;
	const search = filter.search?.trim() ? `%${filter.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
	const { rows } = await tx.query(
		`SELECT ${COLUMNS} FROM leads
		 WHERE organization_id = $1
		   AND ($2::text IS NULL OR email = $2)
		   AND ($3::uuid IS NULL OR campaign_id = $3)
		   AND ($4::text IS NULL OR status = $4)
		   AND ($5::text IS NULL OR tags @> ARRAY[$5::text])
		   AND ($6::text IS NULL OR email ILIKE $6 OR first_name ILIKE $6 OR last_name ILIKE $6 OR company ILIKE $6)
		 ORDER BY created_at DESC, id LIMIT $7 OFFSET $8`,
		[tx.organizationId, email, campaignId, filter.status ?? null, filter.tag?.trim() || null, search, limit, offset],
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
	const { rows } = await tx.query(
		`UPDATE leads SET
		   first_name = CASE WHEN $3 THEN $4 ELSE first_name END,
		   last_name = CASE WHEN $5 THEN $6 ELSE last_name END,
		   company = CASE WHEN $7 THEN $8 ELSE company END,
		   data = ${patched('$9::jsonb', '$10::text[]')}
		 WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
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
	const { rows } = await tx.query(
		`UPDATE leads SET tags = ${expression} WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
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
	const { rows } = await tx.query(
		`UPDATE leads SET status = $3 WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
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

/**
 * GDPR erasure: the lead (one, by id, or every lead with that address in the organization), its queued and sent
 * emails and its activities. A suppression entry stays, so an unsubscribed address is never contacted again.
 */
export async function eraseLeads(
	tx: TenantTx,
	by: { id: string } | { email: string },
): Promise<{ erasedLeads: number; erasedEmails: number; erasedActivities: number; stillSuppressed: boolean }> {
	const key = 'email' in by ? requireEmail(by.email) : requireUuid(by.id, 'Lead ID');
	const { rows: doomed } = await tx.query<{ id: string; email: string }>(
		`SELECT id, email FROM leads WHERE organization_id = $1 AND ${'email' in by ? 'email = $2' : 'id = $2'} FOR UPDATE`,
		[tx.organizationId, key],
	);
	if (doomed.length === 0) throw new NotFoundError('Lead', key);
	const ids = doomed.map((d) => d.id);
	const activities = await tx.query(
		`DELETE FROM email_activities WHERE organization_id = $1
		   AND (lead_id = ANY($2::uuid[]) OR email_queue_id IN (SELECT id FROM email_queue WHERE organization_id = $1 AND lead_id = ANY($2::uuid[])))`,
		[tx.organizationId, ids],
	);
	const emails = await tx.query(`DELETE FROM email_queue WHERE organization_id = $1 AND lead_id = ANY($2::uuid[])`, [
		tx.organizationId,
		ids,
	]);
	await tx.query(`DELETE FROM leads WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [tx.organizationId, ids]);
	// Suppressed as importLeads sees it: the address itself, or its whole domain.
	const { rows } = await tx.query<{ suppressed: boolean }>(
		`SELECT EXISTS (SELECT 1 FROM unsubscribes WHERE organization_id = $1 AND (
		   (scope = 'email' AND email = ANY($2::text[]))
		   OR (scope = 'domain' AND email IN (SELECT split_part(e, '@', 2) FROM unnest($2::text[]) AS e)))) AS suppressed`,
		[tx.organizationId, [...new Set(doomed.map((d) => d.email))]],
	);
	return {
		erasedLeads: ids.length,
		erasedEmails: emails.rowCount ?? 0,
		erasedActivities: activities.rowCount ?? 0,
		stillSuppressed: rows[0].suppressed,
	};
}

/** Everything stored about one address in this organization: for GDPR access requests. */
export async function exportLeadData(tx: TenantTx, rawEmail: unknown): Promise<Record<string, unknown>> {
	const email = requireEmail(rawEmail);
	const params = [tx.organizationId, email];
	// One after the other: a pg client runs one query at a time (overlapping calls are deprecated in pg 8).
	const leads = await tx.query(`SELECT ${COLUMNS} FROM leads WHERE organization_id = $1 AND email = $2 ORDER BY created_at, id`, params);
	const emails = await tx.query(
		`SELECT q.id, q.campaign_id, q.lead_id, q.sequence_step, q.subject, q.body, q.status, q.scheduled_at, q.last_attempt_at, q.created_at
		 FROM email_queue q JOIN leads l ON l.id = q.lead_id
		 WHERE q.organization_id = $1 AND l.organization_id = $1 AND l.email = $2 ORDER BY q.created_at, q.id`,
		params,
	);
	// The same activities eraseLeads deletes: those of the lead, and those of its emails.
	const activities = await tx.query(
		`SELECT a.id, a.campaign_id, a.lead_id, a.email_queue_id, a.event_type, a.timestamp, a.metadata, a.ip_address, a.user_agent
		 FROM email_activities a
		 WHERE a.organization_id = $1 AND (
		   a.lead_id IN (SELECT id FROM leads WHERE organization_id = $1 AND email = $2)
		   OR a.email_queue_id IN (SELECT q.id FROM email_queue q JOIN leads l ON l.id = q.lead_id
		                           WHERE q.organization_id = $1 AND l.organization_id = $1 AND l.email = $2))
		 ORDER BY a.timestamp, a.id`,
		params,
	);
	const suppressions = await tx.query(
		`SELECT scope, email, reason, campaign_id, created_at FROM unsubscribes
		 WHERE organization_id = $1 AND ((scope = 'email' AND email = $2) OR (scope = 'domain' AND email = split_part($2, '@', 2)))
		 ORDER BY scope DESC`,
		params,
	);
	return {
		email,
		exportedAt: new Date().toISOString(),
		leads: leads.rows.map(toLead),
		emails: emails.rows.map((r) => camelCaseRow(r)),
		activities: activities.rows.map((r) => camelCaseRow(r)),
		suppressions: suppressions.rows.map((r) => camelCaseRow(r)),
	};
}
