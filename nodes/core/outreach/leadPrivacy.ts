import { requireEmail } from '../validation/emailAddress';
import { NotFoundError } from '../validation/errors';
import { requireUuid } from '../validation/ids';
import { camelCaseRow } from '../validation/rows';
import type { TenantTx } from '../db/tenantTransaction';
import { LEAD_COLUMNS, type LeadRow, toLead } from './leads';

// What GDPR asks of a lead's data: erasure, and access (an export of everything stored about an address).

/** An email_queue row as a lead's data export lists it. */
interface ExportedEmailRow {
	id: string;
	campaign_id: string;
	lead_id: string;
	sequence_step: number;
	subject: string;
	body: string;
	status: string;
	scheduled_at: Date;
	last_attempt_at: Date | null;
	created_at: Date;
}

/** An email_activities row as a lead's data export lists it (ip_address is inet, read as text). */
interface ExportedActivityRow {
	id: string;
	campaign_id: string | null;
	lead_id: string | null;
	email_queue_id: string | null;
	event_type: string;
	timestamp: Date;
	metadata: Record<string, unknown> | null;
	ip_address: string | null;
	user_agent: string | null;
}

interface ExportedSuppressionRow {
	scope: 'email' | 'domain';
	email: string;
	reason: string | null;
	campaign_id: string | null;
	created_at: Date;
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
		erasedEmails: emails.rowCount,
		erasedActivities: activities.rowCount,
		stillSuppressed: rows[0].suppressed,
	};
}

/** Everything stored about one address in this organization: for GDPR access requests. */
export async function exportLeadData(tx: TenantTx, rawEmail: unknown): Promise<Record<string, unknown>> {
	const email = requireEmail(rawEmail);
	const params = [tx.organizationId, email];
	// One after the other: a pg client runs one query at a time (overlapping calls are deprecated in pg 8).
	const leads = await tx.query<LeadRow>(
		`SELECT ${LEAD_COLUMNS} FROM leads WHERE organization_id = $1 AND email = $2 ORDER BY created_at, id`,
		params,
	);
	const emails = await tx.query<ExportedEmailRow>(
		`SELECT q.id, q.campaign_id, q.lead_id, q.sequence_step, q.subject, q.body, q.status, q.scheduled_at, q.last_attempt_at, q.created_at
		 FROM email_queue q JOIN leads l ON l.id = q.lead_id
		 WHERE q.organization_id = $1 AND l.organization_id = $1 AND l.email = $2 ORDER BY q.created_at, q.id`,
		params,
	);
	// The same activities eraseLeads deletes: those of the lead, and those of its emails.
	const activities = await tx.query<ExportedActivityRow>(
		`SELECT a.id, a.campaign_id, a.lead_id, a.email_queue_id, a.event_type, a.timestamp, a.metadata, a.ip_address, a.user_agent
		 FROM email_activities a
		 WHERE a.organization_id = $1 AND (
		   a.lead_id IN (SELECT id FROM leads WHERE organization_id = $1 AND email = $2)
		   OR a.email_queue_id IN (SELECT q.id FROM email_queue q JOIN leads l ON l.id = q.lead_id
		                           WHERE q.organization_id = $1 AND l.organization_id = $1 AND l.email = $2))
		 ORDER BY a.timestamp, a.id`,
		params,
	);
	const suppressions = await tx.query<ExportedSuppressionRow>(
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
