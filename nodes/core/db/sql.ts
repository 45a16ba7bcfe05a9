import { createHash } from 'node:crypto';
import type { ClientBase } from 'pg';

/** A pg client or pool: anything that runs one statement. */
type Queryable = Pick<ClientBase, 'query'>;

/** What a statement returns: its rows, typed by the caller, and how many rows it touched. */
export interface QueryResult<Row> {
	rows: Row[];
	rowCount: number;
}

/**
 * The one handle core modules run SQL through (in the spirit of pg-boss's executeSql): parameterised text in,
 * typed rows out. Only `db/` knows it is a pg client underneath.
 */
export interface Sql {
	/** Name the Row type of every statement whose rows are read; a statement only counted keeps the default. */
	query<Row extends object = Record<string, unknown>>(
		text: string,
		params?: readonly unknown[],
	): Promise<QueryResult<Row>>;
}

/**
 * Dates go to PostgreSQL as ISO 8601 UTC text. pg would send the process's local time with its offset, which a
 * `timestamp` (without time zone) cast reads as a wall-clock time in the wrong zone; ISO UTC text is the same
 * instant as a `timestamptz` and the UTC wall-clock time as a `timestamp` (PostgreSQL ignores the zone there).
 */
function toParam(value: unknown): unknown {
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? value : value.toISOString();
	if (Array.isArray(value)) return value.map(toParam);
	return value;
}

/**
 * A prepared statement's name: the same text always gets the same name, so pg prepares it once per connection and
 * then only binds and executes it.
 */
export function statementName(text: string): string {
	return `ophir_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
}

/**
 * The handle over a checked-out pg client (inside whatever transaction the caller opened) or a pool; `prepare`
 * prepares each statement once per connection (see DatabaseSettings.preparedStatements).
 */
export function sqlOver(client: Queryable, { prepare = false }: { prepare?: boolean } = {}): Sql {
	return {
		async query<Row extends object>(text: string, params: readonly unknown[] = []) {
			const values = params.map(toParam);
			const result = await client.query(prepare ? { name: statementName(text), text, values } : { text, values });
			return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
		},
	};
}
