import type { Pool } from 'pg';

import { InvalidInputError } from '../validation/errors';
import { type NumberInput, wholeNumber } from '../validation/numbers';
import type { TenantRunner } from './tenantTransaction';

// Maintenance: VACUUM and ANALYZE of the tables every send and event writes to, and retention (off unless asked)
// of old queue rows and raw activities. Campaign statistics live in campaign_stats_daily, which a trigger keeps on
// INSERT into email_activities only, so deleting raw rows never changes a counter.

export const HOT_TABLES = ['email_queue', 'email_activities', 'leads'] as const;
export type HotTable = (typeof HOT_TABLES)[number];

export interface TableMaintenance {
	table: HotTable;
	command: string;
	done: boolean;
	/** Why PostgreSQL skipped the table (no permission, or another VACUUM holds it), in its own words. */
	skipped?: string;
}

export interface TableMaintenanceOptions {
	vacuum?: boolean;
	analyze?: boolean;
	tables?: readonly string[];
}

function hotTables(tables: readonly string[] = HOT_TABLES): HotTable[] {
	for (const table of tables) {
		if (!(HOT_TABLES as readonly string[]).includes(table))
			throw new InvalidInputError('Tables', `any of ${HOT_TABLES.join(', ')}`, table);
	}
	return HOT_TABLES.filter((table) => tables.includes(table));
}

/**
 * VACUUM and/or ANALYZE each table on a plain pooled client as the credential's login user: VACUUM cannot run inside
 * a transaction, and tenant transactions run as ophir_app, which owns nothing. PostgreSQL skips, with a WARNING
 * rather than an error, a table the user may not maintain or that another VACUUM holds (SKIP_LOCKED: never wait
 * behind it); those warnings are reported per table instead of failing the run.
 */
export async function maintainTables(pool: Pool, options: TableMaintenanceOptions = {}): Promise<TableMaintenance[]> {
	const tables = hotTables(options.tables);
	const vacuum = options.vacuum ?? true;
	const analyze = options.analyze ?? true;
	if (!vacuum && !analyze) return [];
	const client = await pool.connect();
	let warnings: string[] = [];
	const onNotice = (notice: { severity?: string; message?: string }) => {
		if (notice.severity === 'WARNING') warnings.push(notice.message ?? '');
	};
	client.on('notice', onNotice);
	try {
		const results: TableMaintenance[] = [];
		for (const table of tables) {
			const command = vacuum
				? `VACUUM (${analyze ? 'ANALYZE, ' : ''}SKIP_LOCKED) ${table}`
				: `ANALYZE (SKIP_LOCKED) ${table}`;
			warnings = [];
			await client.query(command);
			results.push(
				warnings.length === 0
					? { table, command, done: true }
					: { table, command, done: false, skipped: warnings.join('; ') },
			);
		}
		return results;
	} finally {
		client.off('notice', onNotice);
		client.release();
	}
}

export interface RetentionOptions {
	/** Rows older than this many days go. */
	olderThanDays: NumberInput;
	/** Queue rows (with their activities), then activities without a queue row, per transaction (default 500). */
	batchSize?: NumberInput;
	/** Stop after this many batches; the next run goes on where this one stopped (default 200). */
	maxBatches?: NumberInput;
	now?: Date;
}

export interface RetentionResult {
	olderThanDays: number;
	cutoff: Date;
	deletedQueueRows: number;
	deletedActivities: number;
	batches: number;
	/** False when maxBatches stopped the run with old rows left. */
	complete: boolean;
}

/**
 * Deletes the organization's finished (sent, failed, cancelled) queue rows and raw activities older than N days, in
 * small batches, each its own short transaction holding row locks on that batch only (rows another transaction has
 * locked are left for the next run). An email's activities go with it, before it (they reference it); activities of
 * no email go by their own age. Kept whatever their age: emails with an activity newer than the cutoff, and every
 * email of a lead whose sequence in that campaign still has a step queued or sending (threading needs their
 * Message-IDs, and the stop-on-click rule their clicks).
 */
export async function applyRetention(tenant: TenantRunner, options: RetentionOptions): Promise<RetentionResult> {
	const olderThanDays = wholeNumber(options.olderThanDays, 'Retention Days', 1, 36_500);
	const batchSize = wholeNumber(options.batchSize ?? 500, 'Batch Size', 1, 10_000);
	const maxBatches = wholeNumber(options.maxBatches ?? 200, 'Max Batches', 1, 100_000);
	const cutoff = new Date((options.now ?? new Date()).getTime() - olderThanDays * 86_400_000);
	const result: RetentionResult = {
		olderThanDays,
		cutoff,
		deletedQueueRows: 0,
		deletedActivities: 0,
		batches: 0,
		complete: false,
	};
	while (result.batches < maxBatches) {
		const batch = await tenant(async (tx) => {
			const { rows: emails } = await tx.query<{ id: string }>(
				`SELECT q.id FROM email_queue q
				 WHERE q.organization_id = $1 AND q.status IN ('sent', 'failed', 'cancelled')
				   AND q.scheduled_at < $2::timestamp
				   AND COALESCE(q.updated_at, q.created_at) < $2::timestamp
				   AND NOT EXISTS (SELECT 1 FROM email_queue o WHERE o.organization_id = $1 AND o.campaign_id = q.campaign_id
				                     AND o.lead_id = q.lead_id AND o.status IN ('queued', 'sending'))
				   AND NOT EXISTS (SELECT 1 FROM email_activities a WHERE a.organization_id = $1 AND a.email_queue_id = q.id
				                     AND a.timestamp >= $2::timestamp)
				 ORDER BY q.scheduled_at LIMIT $3
				 FOR UPDATE OF q SKIP LOCKED`,
				[tx.organizationId, cutoff, batchSize],
			);
			const ids = emails.map((e) => e.id);
			const ofEmails = ids.length
				? await tx.query(
						'DELETE FROM email_activities WHERE organization_id = $1 AND email_queue_id = ANY($2::uuid[])',
						[tx.organizationId, ids],
					)
				: { rowCount: 0 };
			const queue = ids.length
				? await tx.query('DELETE FROM email_queue WHERE organization_id = $1 AND id = ANY($2::uuid[])', [
						tx.organizationId,
						ids,
					])
				: { rowCount: 0 };
			const loose = await tx.query(
				`DELETE FROM email_activities WHERE id IN (
				   SELECT id FROM email_activities
				   WHERE organization_id = $1 AND email_queue_id IS NULL AND timestamp < $2::timestamp
				   ORDER BY timestamp LIMIT $3 FOR UPDATE SKIP LOCKED)`,
				[tx.organizationId, cutoff, batchSize],
			);
			return {
				emails: ids.length,
				queue: queue.rowCount,
				activities: ofEmails.rowCount + loose.rowCount,
				loose: loose.rowCount,
			};
		});
		result.batches++;
		result.deletedQueueRows += batch.queue;
		result.deletedActivities += batch.activities;
		if (batch.emails < batchSize && batch.loose < batchSize) {
			result.complete = true;
			break;
		}
	}
	return result;
}

export interface MaintenanceOptions extends TableMaintenanceOptions {
	/** Off unless given. */
	retention?: RetentionOptions;
}

export interface MaintenanceResult {
	/** Every selected table was maintained and retention (if on) finished. */
	ok: boolean;
	tables: TableMaintenance[];
	retention: (RetentionResult & { enabled: true }) | { enabled: false };
	warnings: string[];
}

/** Retention first (so VACUUM then reclaims what it deleted), then VACUUM/ANALYZE. Safe to run at any time, and twice. */
export async function runMaintenance(
	connection: { pool: Pool; tenant: TenantRunner },
	options: MaintenanceOptions = {},
): Promise<MaintenanceResult> {
	hotTables(options.tables);
	const retention = options.retention
		? { enabled: true as const, ...(await applyRetention(connection.tenant, options.retention)) }
		: { enabled: false as const };
	const tables = await maintainTables(connection.pool, options);
	const warnings = tables
		.filter((t) => !t.done)
		.map((t) =>
			/lock not available/i.test(t.skipped ?? '')
				? `${t.command} was skipped: ${t.skipped}. Another VACUUM or a schema change held the table; the next run does it.`
				: `${t.command} was skipped: ${t.skipped}. VACUUM and ANALYZE need the owner of the OPhir tables (the user that applied the migrations) or, on PostgreSQL 17 and later, the MAINTAIN privilege on them (or membership in pg_maintain).`,
		);
	if (retention.enabled && !retention.complete) {
		warnings.push(
			`Retention stopped after ${retention.batches} batches with old rows left: the next run continues (or raise Max Batches).`,
		);
	}
	return { ok: warnings.length === 0, tables, retention, warnings };
}
