import { ConflictError, InvalidInputError, NotFoundError, OphirError } from '../validation/errors';
import { optionalUuid } from '../validation/ids';
import { wholeNumber } from '../validation/numbers';
import type { TenantTx } from '../db/tenantTransaction';
import {
	type CleanLead,
	cleanLead,
	customFieldsError,
	jsonBytes,
	LEAD_LIMITS,
	type LeadInput,
	mergedData,
	mergedTagCount,
	mergedTags,
	tagCountError,
	WITH_STORED,
} from './leadFields';
import { getLead, type Lead } from './leads';
import { requireQuota } from './quotas';

// Bulk writes of leads: Import (many, one statement per batch), and Create and Upsert on top of it (one).

const NO_CAMPAIGN = '00000000-0000-0000-0000-000000000000';

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
		throw new ConflictError(`Campaign ${campaignId} is ${rows[0].status} and takes no new leads`);
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
	if (onExisting !== 'update' && onExisting !== 'skip')
		throw new InvalidInputError('Existing Leads', "'update' or 'skip'", onExisting);
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
	// The whole import fits the organization's Max Leads or nothing is written; updates of existing leads add none.
	if (valid.length > 0) {
		await requireQuota(
			tx,
			'maxLeads',
			() =>
				newLeadCount(
					tx,
					campaignId,
					valid.map((v) => v.lead.email),
				),
			{ source: 'this import' },
		);
	}
	for (let start = 0; start < valid.length; start += batchSize) {
		await upsertBatch(tx, campaignId, onExisting, valid.slice(start, start + batchSize), outcomes);
	}
	return outcomes;
}

/** How many of these addresses the import would add: neither in the campaign yet nor suppressed (as upsertBatch skips). */
async function newLeadCount(tx: TenantTx, campaignId: string | null, emails: string[]): Promise<number> {
	const { rows } = await tx.query<{ count: number }>(
		`SELECT count(*)::int AS count FROM unnest($3::text[]) AS i(email)
		 WHERE NOT EXISTS (SELECT 1 FROM leads l
		                   WHERE l.organization_id = $1 AND l.email = i.email
		                     AND COALESCE(l.campaign_id, '${NO_CAMPAIGN}'::uuid) = COALESCE($2::uuid, '${NO_CAMPAIGN}'::uuid))
		   AND NOT EXISTS (SELECT 1 FROM unsubscribes u
		                   WHERE u.organization_id = $1
		                     AND ((u.scope = 'email' AND u.email = i.email)
		                       OR (u.scope = 'domain' AND u.email = substring(i.email from '[^@]*$'))))`,
		[tx.organizationId, campaignId, emails],
	);
	return rows[0].count;
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
		[
			tx.organizationId,
			batch.map((b) => b.lead.email),
			[...new Set(batch.map((b) => b.lead.email.slice(b.lead.email.lastIndexOf('@') + 1)))],
		],
	);
	const suppressedAddresses = new Set(suppressedRows.filter((r) => r.scope === 'email').map((r) => r.email));
	const suppressedDomains = new Set(suppressedRows.filter((r) => r.scope === 'domain').map((r) => r.email));
	const writable: typeof batch = [];
	for (const b of batch) {
		const { email } = b.lead;
		if (suppressedAddresses.has(email))
			outcomes[b.index] = { status: 'skipped', email, reason: 'address is suppressed (unsubscribed)' };
		else if (suppressedDomains.has(email.slice(email.lastIndexOf('@') + 1)))
			outcomes[b.index] = { status: 'skipped', email, reason: 'domain is suppressed' };
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
	const [outcome] = await importLeads(tx, [input], {
		campaignId,
		onExisting: onExisting === 'update' ? 'update' : 'skip',
	});
	if (outcome.status === 'invalid') throw new OphirError(outcome.reason);
	if (outcome.status === 'skipped') {
		if (outcome.reason === 'already exists') {
			throw new ConflictError(
				`A lead with email ${outcome.email} already exists ${campaignId ? `in campaign ${campaignId}` : 'without a campaign'} (${outcome.id})`,
				'Use the Upsert operation to update it instead.',
			);
		}
		throw new ConflictError(`${outcome.email} cannot be added: its ${outcome.reason}`);
	}
	return { lead: await getLead(tx, outcome.id), action: outcome.status };
}
