import type { Pool } from 'pg';

import { pgNumber } from './tableStatistics';

export interface SlowStatement {
	query: string;
	calls: number;
	meanMs: number;
	maxMs: number;
	totalMs: number;
	rows: number;
}

export interface SlowStatements {
	available: boolean;
	message?: string;
	statements: SlowStatement[];
}

/** A pg_stat_statements row as slowestStatements selects it (calls and rows are bigints, read as text). */
interface StatementRow {
	query: string;
	calls: string;
	mean_exec_time: number;
	max_exec_time: number;
	total_exec_time: number;
	rows: string;
}

/** The statements of this database with the highest mean time, when the pg_stat_statements extension can be read. */
export async function slowestStatements(pool: Pool, limit: number): Promise<SlowStatements> {
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
		const { rows } = await pool.query<StatementRow>(
			`SELECT query, calls, mean_exec_time, max_exec_time, total_exec_time, rows FROM ${view}
			 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
			 ORDER BY mean_exec_time DESC LIMIT $1`,
			[limit],
		);
		const ms = (value: unknown) => Math.round(pgNumber(value) * 1000) / 1000;
		return {
			available: true,
			statements: rows.map((row) => ({
				query: row.query,
				calls: pgNumber(row.calls),
				meanMs: ms(row.mean_exec_time),
				maxMs: ms(row.max_exec_time),
				totalMs: ms(row.total_exec_time),
				rows: pgNumber(row.rows),
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
