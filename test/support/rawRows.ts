import type { TestDatabase } from './database';

/**
 * Rows written and read as the database owner, past the core's checks: for tests that need a lead or a queued email
 * in a given state without the whole sending path. `db` is a getter because files create their database in beforeAll.
 */
export function rawRows(db: () => TestDatabase) {
	async function addLead(organizationId: string, campaignId: string, email: string): Promise<string> {
		const { rows } = await db().pool.query<{ id: string }>(
			`INSERT INTO leads (organization_id, campaign_id, email) VALUES ($1, $2, $3) RETURNING id`,
			[organizationId, campaignId, email],
		);
		return rows[0].id;
	}

	/** An email of the lead's next step, in `status`. */
	async function addQueued(
		organizationId: string,
		campaignId: string,
		leadId: string,
		accountId: string,
		status = 'queued',
	): Promise<string> {
		const { rows } = await db().pool.query<{ id: string }>(
			`INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, subject, body, status, scheduled_at, sequence_step)
			 VALUES ($1, $2, $3, $4, 'Hi', 'Hello', $5, now(),
			         (SELECT COALESCE(max(sequence_step), 0) + 1 FROM email_queue WHERE campaign_id = $2 AND lead_id = $3)) RETURNING id`,
			[organizationId, campaignId, leadId, accountId, status],
		);
		return rows[0].id;
	}

	async function queueRows(ids: string[]): Promise<Record<string, { status: string; error: string | null }>> {
		const { rows } = await db().pool.query<{ id: string; status: string; error_message: string | null }>(
			`SELECT id, status, error_message FROM email_queue WHERE id = ANY($1::uuid[])`,
			[ids],
		);
		return Object.fromEntries(rows.map((r) => [r.id, { status: r.status, error: r.error_message }]));
	}

	return { addLead, addQueued, queueRows };
}
