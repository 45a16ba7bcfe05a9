import type { Pool } from 'pg';

import { OPHIR_TABLES } from './migrations';
import { sqlOver } from './sql';

// Table and index statistics of the OPhir tables, database-wide (sizes and PostgreSQL's counters, no tenant's rows),
// and the snapshots that turn two runs into growth.

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

export interface IndexHealth {
	statsSince: Date | null;
	usage: IndexUsage[];
	neverUsed: IndexUsage[];
	missingIndexHints: Array<{
		table: string;
		liveRows: number;
		sequentialScans: number;
		indexScans: number;
		avgRowsPerSequentialScan: number;
		hint: string;
	}>;
}

/** A bigint or numeric column (pg reads them as text), or a missing figure, as a number. */
export const pgNumber = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
export const fmt = (n: number) => n.toLocaleString('en-US');

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

/** A table's row of pg_class and pg_stat_user_tables, as tableHealth selects it (bigints as text). */
interface TableStatsRow {
	table: string;
	live_rows: string;
	total_bytes: string;
	dead_rows: string;
	seq_scan: string;
	seq_tup_read: string;
	idx_scan: string;
	last_vacuum: Date | null;
	last_autovacuum: Date | null;
	last_analyze: Date | null;
	last_autoanalyze: Date | null;
}

interface SnapshotRow {
	table_name: string;
	live_rows: string;
	total_bytes: string;
	taken_at: Date;
}

interface IndexStatsRow {
	table: string;
	index: string;
	scans: string;
	bytes: string;
	enforces_constraint: boolean;
}

const OPHIR_TABLE_FILTER = `(c.relname = ANY($1::text[]) OR c.relname LIKE 'ophir\\_%')`;

export async function tableHealth(pool: Pool): Promise<TableHealth[]> {
	// Row counts are the planner's estimate (exact for small tables after ANALYZE); before a table's first ANALYZE,
	// the statistics collector's live-row count. Counting rows would read whole tables.
	const hasSnapshots = await snapshotTableExists(pool);
	const { rows } = await pool.query<TableStatsRow>(
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
	const previous = new Map<string, SnapshotRow>();
	if (hasSnapshots) {
		const { rows: snapshots } = await pool.query<SnapshotRow>(
			'SELECT table_name, live_rows, total_bytes, taken_at FROM ophir_table_snapshots',
		);
		for (const s of snapshots) previous.set(s.table_name, s);
	}
	return rows.map((row) => {
		const before = previous.get(row.table);
		const liveRows = pgNumber(row.live_rows);
		const totalBytes = pgNumber(row.total_bytes);
		return {
			table: row.table,
			liveRows,
			totalBytes,
			totalSize: size(totalBytes),
			deadRows: pgNumber(row.dead_rows),
			sequentialScans: pgNumber(row.seq_scan),
			rowsReadBySequentialScans: pgNumber(row.seq_tup_read),
			indexScans: pgNumber(row.idx_scan),
			lastVacuumAt: row.last_vacuum,
			lastAutovacuumAt: row.last_autovacuum,
			lastAnalyzeAt: row.last_analyze,
			lastAutoanalyzeAt: row.last_autoanalyze,
			growth: before
				? {
						since: before.taken_at,
						rows: liveRows - pgNumber(before.live_rows),
						bytes: totalBytes - pgNumber(before.total_bytes),
					}
				: null,
		};
	});
}

async function snapshotTableExists(pool: Pool): Promise<boolean> {
	const { rows } = await pool.query<{ exists: boolean }>(
		`SELECT to_regclass('ophir_table_snapshots') IS NOT NULL AS exists`,
	);
	return rows[0].exists;
}

export async function recordSnapshot(
	pool: Pool,
	tables: TableHealth[],
	now: Date,
	record: boolean,
): Promise<{ recorded: boolean; note?: string }> {
	if (!record) return { recorded: false };
	if (!(await snapshotTableExists(pool))) {
		return {
			recorded: false,
			note: 'The OPhir schema is not up to date (ophir_table_snapshots is missing): run Database → Apply Migrations.',
		};
	}
	try {
		// Not tenant data (the login user's table), but the same handle, so the time goes as ISO UTC text.
		await sqlOver(pool).query(
			`INSERT INTO ophir_table_snapshots (table_name, live_rows, total_bytes, taken_at)
			 SELECT t.name, t.live_rows, t.total_bytes, $4::timestamp
			 FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS t(name, live_rows, total_bytes)
			 ON CONFLICT (table_name) DO UPDATE SET live_rows = EXCLUDED.live_rows, total_bytes = EXCLUDED.total_bytes, taken_at = EXCLUDED.taken_at`,
			[tables.map((t) => t.table), tables.map((t) => t.liveRows), tables.map((t) => t.totalBytes), now],
		);
		return { recorded: true };
	} catch (error) {
		// A read-only login user still gets its health report, just without growth next time.
		if ((error as { code?: string }).code !== '42501') throw error;
		return {
			recorded: false,
			note: `Growth cannot be tracked: ${(error as Error).message} (the credential's user may not write ophir_table_snapshots).`,
		};
	}
}

export async function indexHealth(pool: Pool, tables: TableHealth[], bigTableRows: number): Promise<IndexHealth> {
	const { rows } = await pool.query<IndexStatsRow>(
		`SELECT c.relname AS table, s.indexrelname AS index, s.idx_scan AS scans, pg_relation_size(s.indexrelid) AS bytes,
		        (i.indisunique OR i.indisprimary OR i.indisexclusion) AS enforces_constraint
		 FROM pg_stat_user_indexes s
		 JOIN pg_index i ON i.indexrelid = s.indexrelid
		 JOIN pg_class c ON c.oid = s.relid
		 WHERE s.schemaname = current_schema() AND ${OPHIR_TABLE_FILTER}
		 ORDER BY c.relname, s.indexrelname`,
		[OPHIR_TABLES],
	);
	const { rows: since } = await pool.query<{ stats_reset: Date | null }>(
		'SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()',
	);
	const usage: IndexUsage[] = rows.map((row) => ({
		table: row.table,
		index: row.index,
		scans: pgNumber(row.scans),
		bytes: pgNumber(row.bytes),
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
				hint:
					`${t.table} (${fmt(t.liveRows)} rows) was read by ${fmt(t.sequentialScans)} sequential scans ` +
					`(${fmt(avgRowsPerSequentialScan)} rows each on average) against ${fmt(t.indexScans)} index scans: ` +
					'a frequent query filters it on a column without an index. Find it among the slowest statements ' +
					'(or EXPLAIN the queries of your own workflows on it) and index the column it filters on.',
			};
		});
	return {
		statsSince: since[0]?.stats_reset ?? null,
		usage,
		neverUsed: usage.filter((u) => u.scans === 0 && !u.enforcesConstraint),
		missingIndexHints,
	};
}
