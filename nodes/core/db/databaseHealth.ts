import type { Pool } from 'pg';

import type { DatabaseSettings, PoolLimits } from './connectionSettings';
import { type NumberInput, wholeNumber } from '../validation/numbers';
import { poolStats } from './pool';
import { queueStats } from '../sending/queue';
import type { TenantRunner } from './tenantTransaction';

/**
 * Database Health: what an operator needs to see before users notice. Pool, table and index figures are
 * database-wide (sizes and statistics, no tenant's rows) and are read as the credential's login user; queue lag is
 * the credential's organization's own, read in a tenant transaction.
 */

/** The specification's tables and OPhir's own; tables named ophir_* count too. */
export const OPHIR_TABLES = [
	'organizations',
	'users',
	'email_accounts',
	'campaigns',
	'leads',
	'email_queue',
	'email_activities',
	'templates',
	'n8n_executions',
	'unsubscribes',
	'campaign_stats_daily',
] as const;

export interface HealthOptions {
	now?: Date;
	/** Remember this run's table sizes, so the next run reports growth since this one (default true). */
	recordSnapshot?: boolean;
	/** A due email older than this while a mailbox could still send it is a warning (default 60). */
	maxQueueLagMinutes?: NumberInput;
	/** How many of the slowest statements to list (default 10). */
	slowStatements?: NumberInput;
	/** Tables with at least this many rows get missing-index hints when mostly read by sequential scans (default 10,000). */
	bigTableRows?: NumberInput;
}

export interface TableHealth {
	table: string;
	liveRows: number;
	totalBytes: number;
	totalSize: string;
	deadRows: number;
	sequentialScans: number;
	rowsReadBySequentialScans: number;
	indexScans: number;
	lastVacuumAt: Date | null;
	lastAutovacuumAt: Date | null;
	lastAnalyzeAt: Date | null;
	lastAutoanalyzeAt: Date | null;
	/** Since the previous health run that recorded a snapshot; null on the first run. */
	growth: { since: Date; rows: number; bytes: number } | null;
}

export interface IndexUsage {
	table: string;
	index: string;
	scans: number;
	bytes: number;
	/** Unique and primary-key indexes enforce a constraint, so they are never reported as unused. */
	enforcesConstraint: boolean;
}

export interface SlowStatement {
	query: string;
	calls: number;
	meanMs: number;
	maxMs: number;
	totalMs: number;
	rows: number;
}

export interface DatabaseHealth {
	/** No warnings: route on this (an IF node) to alert. */
	healthy: boolean;
	warnings: string[];
	checkedAt: Date;
	pool: { total: number; idle: number; waiting: number; limits: PoolLimits; poolsInProcess: number };
	tables: TableHealth[];
	snapshot: { recorded: boolean; note?: string };
	indexes: {
		statsSince: Date | null;
		usage: IndexUsage[];
		neverUsed: IndexUsage[];
		missingIndexHints: Array<{ table: string; liveRows: number; sequentialScans: number; indexScans: number; avgRowsPerSequentialScan: number; hint: string }>;
	};
	slowStatements: { available: boolean; message?: string; statements: SlowStatement[] };
	queue: {
		byStatus: Record<string, number>;
		due: number;
		oldestDueAt: Date | null;
		oldestDueAgeSeconds: number | null;
		/** Emails in `sending` whose lease expired: their worker stopped before reporting. */
		stuckPastLease: number;
		accounts: Array<{ id: string; email: string; eligible: boolean; capacityToday: number; sentToday: number; inFlight: number; remainingToday: number; queuedDue: number }>;
	};
}

const DEAD_ROWS_WARNING = 1_000;
const DEAD_RATIO_WARNING = 0.2;


const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
const fmt = (n: number) => n.toLocaleString('en-US');

function size(bytes: number): string {
	const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

export async function databaseHealth(
	connection: { pool: Pool; settings: DatabaseSettings; tenant: TenantRunner },
	options: HealthOptions = {},
): Promise<DatabaseHealth> {
	const maxLagMinutes = wholeNumber(options.maxQueueLagMinutes ?? 60, 'Max Queue Lag (Minutes)', 1, 525_600);
	const slowLimit = wholeNumber(options.slowStatements ?? 10, 'Slow Statements', 0, 100);
	const bigTableRows = wholeNumber(options.bigTableRows ?? 10_000, 'Big Table Rows', 1, 2_000_000_000);
	const now = options.now ?? new Date();
	const { pool, settings } = connection;
	// Before this run takes a connection of its own.
	const own = poolStats(settings);
	const warnings: string[] = [];
	if (own.waiting > 0) {
		warnings.push(
			`${own.waiting} callers are waiting for a database connection (at most ${settings.pool.max} per credential): raise Max Connections on the credential, or run fewer OPhir nodes at once.`,
		);
	}

	const tables = await tableHealth(pool);
	const snapshot = await recordSnapshot(pool, tables, now, options.recordSnapshot ?? true);
	if (snapshot.note) warnings.push(snapshot.note);
	for (const t of tables) {
		if (t.deadRows >= DEAD_ROWS_WARNING && t.deadRows >= DEAD_RATIO_WARNING * (t.liveRows + t.deadRows)) {
			const share = Math.round((100 * t.deadRows) / (t.liveRows + t.deadRows));
			warnings.push(`${t.table} has ${fmt(t.deadRows)} dead rows (${share}% of it): run Maintenance with Vacuum on it.`);
		}
	}

	const indexes = await indexHealth(pool, tables, bigTableRows);
	const slowStatements = await slowestStatements(pool, slowLimit);

	const stats = await connection.tenant((tx) => queueStats(tx, { now }));
	const oldestDueAgeSeconds = stats.oldestDueAt ? Math.max(0, Math.floor((now.getTime() - stats.oldestDueAt.getTime()) / 1000)) : null;
	if (stats.expiredLeases > 0) {
		warnings.push(
			`${stats.expiredLeases} emails are stuck in sending past their lease (a worker stopped before reporting back): the next claim puts them back in the queue; if this repeats, check the sender workflow's failed executions.`,
		);
	}
	// Emails wait legitimately while their mailboxes have used up today's capacity; lag is a problem only when a
	// mailbox that may send still has due emails.
	const couldSend = stats.accounts.some((a) => a.eligible && a.queuedDue > 0 && a.remainingToday > 0);
	if (oldestDueAgeSeconds !== null && oldestDueAgeSeconds > maxLagMinutes * 60 && couldSend) {
		warnings.push(
			`The oldest due email has waited ${Math.floor(oldestDueAgeSeconds / 60)} minutes (more than ${maxLagMinutes}) although a mailbox has capacity left today: is the sender workflow active and succeeding?`,
		);
	}

	return {
		healthy: warnings.length === 0,
		warnings,
		checkedAt: now,
		pool: { total: own.total, idle: own.idle, waiting: own.waiting, limits: { ...settings.pool }, poolsInProcess: poolStats().pools },
		tables,
		snapshot: { recorded: snapshot.recorded, ...(snapshot.note ? { note: snapshot.note } : {}) },
		indexes,
		slowStatements,
		queue: {
			byStatus: stats.byStatus,
			due: stats.due,
			oldestDueAt: stats.oldestDueAt,
			oldestDueAgeSeconds,
			stuckPastLease: stats.expiredLeases,
			accounts: stats.accounts.map(({ id, email, eligible, capacityToday, sentToday, inFlight, remainingToday, queuedDue }) => ({
				id,
				email,
				eligible,
				capacityToday,
				sentToday,
				inFlight,
				remainingToday,
				queuedDue,
			})),
		},
	};
}

const OPHIR_TABLE_FILTER = `(c.relname = ANY($1::text[]) OR c.relname LIKE 'ophir\\_%')`;

async function tableHealth(pool: Pool): Promise<TableHealth[]> {
	// Row counts are the planner's estimate (exact for small tables after ANALYZE); before a table's first ANALYZE,
	// the statistics collector's live-row count. Counting rows would read whole tables.
	const hasSnapshots = await snapshotTableExists(pool);
	const { rows } = await pool.query(
		`SELECT c.relname AS table, CASE WHEN c.reltuples > 0 THEN c.reltuples::bigint ELSE COALESCE(s.n_live_tup, 0) END AS live_rows,
		        pg_total_relation_size(c.oid) AS total_bytes, COALESCE(s.n_dead_tup, 0) AS dead_rows,
		        COALESCE(s.seq_scan, 0) AS seq_scan, COALESCE(s.seq_tup_read, 0) AS seq_tup_read, COALESCE(s.idx_scan, 0) AS idx_scan,
		        s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze
		 FROM pg_class c
		 JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
		 LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
		 WHERE c.relkind IN ('r', 'p') AND ${OPHIR_TABLE_FILTER}
		 ORDER BY pg_total_relation_size(c.oid) DESC, c.relname`,
		[OPHIR_TABLES],
	);
	const previous = new Map<string, { live_rows: string; total_bytes: string; taken_at: Date }>();
	if (hasSnapshots) {
		const { rows: snapshots } = await pool.query('SELECT table_name, live_rows, total_bytes, taken_at FROM ophir_table_snapshots');
		for (const s of snapshots) previous.set(s.table_name, s);
	}
	return rows.map((row) => {
		const before = previous.get(row.table);
		const liveRows = num(row.live_rows);
		const totalBytes = num(row.total_bytes);
		return {
			table: row.table,
			liveRows,
			totalBytes,
			totalSize: size(totalBytes),
			deadRows: num(row.dead_rows),
			sequentialScans: num(row.seq_scan),
			rowsReadBySequentialScans: num(row.seq_tup_read),
			indexScans: num(row.idx_scan),
			lastVacuumAt: row.last_vacuum,
			lastAutovacuumAt: row.last_autovacuum,
			lastAnalyzeAt: row.last_analyze,
			lastAutoanalyzeAt: row.last_autoanalyze,
			growth: before
				? { since: before.taken_at, rows: liveRows - num(before.live_rows), bytes: totalBytes - num(before.total_bytes) }
				: null,
		};
	});
}

async function snapshotTableExists(pool: Pool): Promise<boolean> {
	const { rows } = await pool.query(`SELECT to_regclass('ophir_table_snapshots') IS NOT NULL AS exists`);
	return rows[0].exists;
}

async function recordSnapshot(
	pool: Pool,
	tables: TableHealth[],
	now: Date,
	record: boolean,
): Promise<{ recorded: boolean; note?: string }> {
	if (!record) return { recorded: false };
	if (!(await snapshotTableExists(pool))) {
		return { recorded: false, note: 'The OPhir schema is not up to date (ophir_table_snapshots is missing): run Database → Apply Migrations.' };
	}
	try {
		await pool.query(
			`INSERT INTO ophir_table_snapshots (table_name, live_rows, total_bytes, taken_at)
			 SELECT t.name, t.live_rows, t.total_bytes, $4::timestamptz AT TIME ZONE 'UTC'
			 FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS t(name, live_rows, total_bytes)
			 ON CONFLICT (table_name) DO UPDATE SET live_rows = EXCLUDED.live_rows, total_bytes = EXCLUDED.total_bytes, taken_at = EXCLUDED.taken_at`,
			[tables.map((t) => t.table), tables.map((t) => t.liveRows), tables.map((t) => t.totalBytes), now.toISOString()],
		);
		return { recorded: true };
	} catch (error) {
		// A read-only login user still gets its health report, just without growth next time.
		if ((error as { code?: string }).code !== '42501') throw error;
		return { recorded: false, note: `Growth cannot be tracked: ${(error as Error).message} (the credential's user may not write ophir_table_snapshots).` };
	}
}

async function indexHealth(pool: Pool, tables: TableHealth[], bigTableRows: number): Promise<DatabaseHealth['indexes']> {
	const { rows } = await pool.query(
		`SELECT c.relname AS table, s.indexrelname AS index, s.idx_scan AS scans, pg_relation_size(s.indexrelid) AS bytes,
		        (i.indisunique OR i.indisprimary OR i.indisexclusion) AS enforces_constraint
		 FROM pg_stat_user_indexes s
		 JOIN pg_index i ON i.indexrelid = s.indexrelid
		 JOIN pg_class c ON c.oid = s.relid
		 WHERE s.schemaname = current_schema() AND ${OPHIR_TABLE_FILTER}
		 ORDER BY c.relname, s.indexrelname`,
		[OPHIR_TABLES],
	);
	const { rows: since } = await pool.query('SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()');
	const usage: IndexUsage[] = rows.map((row) => ({
		table: row.table,
		index: row.index,
		scans: num(row.scans),
		bytes: num(row.bytes),
		enforcesConstraint: row.enforces_constraint,
	}));
	const missingIndexHints = tables
		.filter((t) => t.liveRows >= bigTableRows && t.sequentialScans > t.indexScans)
		.map((t) => {
			const avgRowsPerSequentialScan = Math.round(t.rowsReadBySequentialScans / t.sequentialScans);
			return {
				table: t.table,
				liveRows: t.liveRows,
				sequentialScans: t.sequentialScans,
				indexScans: t.indexScans,
				avgRowsPerSequentialScan,
				hint: `${t.table} (${fmt(t.liveRows)} rows) was read by ${fmt(t.sequentialScans)} sequential scans (${fmt(avgRowsPerSequentialScan)} rows each on average) against ${fmt(t.indexScans)} index scans: a frequent query filters it on a column without an index. Find it among the slowest statements (or EXPLAIN the queries of your own workflows on it) and index the column it filters on.`,
			};
		});
	return {
		statsSince: since[0]?.stats_reset ?? null,
		usage,
		neverUsed: usage.filter((u) => u.scans === 0 && !u.enforcesConstraint),
		missingIndexHints,
	};
}

async function slowestStatements(pool: Pool, limit: number): Promise<DatabaseHealth['slowStatements']> {
	const { rows: installed } = await pool.query<{ schema: string }>(
		`SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'`,
	);
	if (installed.length === 0) {
		return {
			available: false,
			message:
				'pg_stat_statements is not installed in this database, so the slowest statements cannot be listed. To enable it: add pg_stat_statements to shared_preload_libraries in postgresql.conf, restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements; in this database.',
			statements: [],
		};
	}
	if (limit === 0) return { available: true, statements: [] };
	try {
		const view = `"${installed[0].schema.replace(/"/g, '""')}".pg_stat_statements`;
		const { rows } = await pool.query(
			`SELECT query, calls, mean_exec_time, max_exec_time, total_exec_time, rows FROM ${view}
			 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
			 ORDER BY mean_exec_time DESC LIMIT $1`,
			[limit],
		);
		const ms = (value: unknown) => Math.round(num(value) * 1000) / 1000;
		return {
			available: true,
			statements: rows.map((row) => ({
				query: row.query,
				calls: num(row.calls),
				meanMs: ms(row.mean_exec_time),
				maxMs: ms(row.max_exec_time),
				totalMs: ms(row.total_exec_time),
				rows: num(row.rows),
			})),
		};
	} catch (error) {
		// Typically: the extension exists but the library is not in shared_preload_libraries.
		return {
			available: false,
			message: `pg_stat_statements is installed but cannot be read: ${(error as Error).message}`,
			statements: [],
		};
	}
}
