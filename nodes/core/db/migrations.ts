import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientBase, Pool, PoolClient } from 'pg';

import { ConflictError, OphirError } from '../validation/errors';

/** database/ beside nodes/ — the same relative place in the source tree and in dist/. */
export const DATABASE_DIR = join(__dirname, '..', '..', '..', 'database');

/** The specification's tables and OPhir's own (ophir_* tables besides these are OPhir's bookkeeping). */
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
	'organization_quotas',
	'organization_tracking_secrets',
] as const;

/** Any constant works; it only has to be the same for every process migrating the same database. */
const MIGRATION_LOCK_KEY = 7_305_221_004;

export interface Migration {
	/** '000' for init.sql, then the number each file in database/migrations starts with. */
	version: string;
	name: string;
	sql: string;
	checksum: string;
}

export interface MigrationResult {
	applied: string[];
	current: string;
	pending: string[];
}

function migration(version: string, name: string, sql: string): Migration {
	return { version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
}

/** init.sql first (the specification's schema), then the numbered files of database/migrations in order. */
export function loadMigrations(databaseDir = DATABASE_DIR): Migration[] {
	const init = migration('000', 'init', readFileSync(join(databaseDir, 'init.sql'), 'utf8'));
	const numbered = readdirSync(join(databaseDir, 'migrations'))
		.filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
		.sort()
		.map((file) =>
			migration(file.slice(0, 3), file.slice(4, -4), readFileSync(join(databaseDir, 'migrations', file), 'utf8')),
		);
	const versions = numbered.map((m) => m.version);
	const duplicate = versions.find((v, i) => versions.indexOf(v) !== i);
	if (duplicate) throw new OphirError(`Two migration files share the number ${duplicate}`);
	return [init, ...numbered];
}

const CREATE_LEDGER = `
CREATE TABLE IF NOT EXISTS ophir_schema_migrations (
  version VARCHAR(16) PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  checksum CHAR(64) NOT NULL,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)`;

/** Versions recorded as applied, or undefined when the ledger table does not exist yet. */
async function appliedVersions(client: Pool | ClientBase): Promise<Map<string, string> | undefined> {
	const { rows } = await client.query<{ exists: boolean }>(
		`SELECT to_regclass('ophir_schema_migrations') IS NOT NULL AS exists`,
	);
	if (!rows[0].exists) return undefined;
	const applied = await client.query<{ version: string; checksum: string }>(
		'SELECT version, checksum FROM ophir_schema_migrations ORDER BY version',
	);
	return new Map(applied.rows.map((row) => [row.version, row.checksum]));
}

/**
 * Applies every migration not yet recorded, in order, each in its own transaction, under a session advisory
 * lock so that n8n workers starting together wait for each other instead of racing. Safe to run at any time.
 */
export async function applyMigrations(pool: Pool, migrations = loadMigrations()): Promise<MigrationResult> {
	const client = await pool.connect();
	try {
		await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
		await client.query(CREATE_LEDGER);
		const applied = (await appliedVersions(client)) ?? new Map<string, string>();
		verifyChecksums(migrations, applied);
		const done: string[] = [];
		for (const m of migrations.filter((m) => !applied.has(m.version))) {
			await applyOne(client, m);
			done.push(`${m.version}_${m.name}`);
		}
		await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
		client.release();
		return { applied: done, current: migrations[migrations.length - 1].version, pending: [] };
	} catch (error) {
		// Discarding the connection ends its open transaction and its session advisory lock in one move.
		client.release(error as Error);
		throw error;
	}
}

async function applyOne(client: PoolClient, m: Migration): Promise<void> {
	// init.sql manages its own transaction (so that psql -f applies it atomically too); the others get one here.
	const ownTransaction = m.version !== '000';
	try {
		if (ownTransaction) await client.query('BEGIN');
		await client.query(m.sql);
		await client.query(
			`INSERT INTO ophir_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)
			 ON CONFLICT (version) DO NOTHING`,
			[m.version, m.name, m.checksum],
		);
		if (ownTransaction) await client.query('COMMIT');
	} catch (error) {
		throw new OphirError(
			`Migration ${m.version}_${m.name} failed and was rolled back: ${(error as Error).message}`,
			'Nothing of this migration was applied; earlier migrations stay applied. Fix the cause and run migrations again.',
		);
	}
}

function verifyChecksums(migrations: Migration[], applied: Map<string, string>): void {
	for (const m of migrations) {
		const recorded = applied.get(m.version);
		if (recorded && recorded !== m.checksum) {
			throw new ConflictError(
				`Migration ${m.version}_${m.name} was changed after it was applied to this database`,
				'Applied migrations are immutable; put the change in a new numbered migration file instead.',
			);
		}
	}
}

export interface SchemaStatus {
	/** Whether the ledger exists, i.e. OPhir's runner ever ran here. */
	installed: boolean;
	/** Newest applied version, or null. */
	schemaVersion: string | null;
	/** Newest version this package ships. */
	packageVersion: string;
	/** Migrations this database still lacks, oldest first (all of them when nothing is installed). */
	pending: string[];
}

export async function schemaStatus(client: Pool | ClientBase, migrations = loadMigrations()): Promise<SchemaStatus> {
	const applied = (await appliedVersions(client)) ?? new Map<string, string>();
	return {
		installed: applied.size > 0,
		schemaVersion: [...applied.keys()].sort().pop() ?? null,
		packageVersion: migrations[migrations.length - 1].version,
		pending: migrations.filter((m) => !applied.has(m.version)).map((m) => `${m.version}_${m.name}`),
	};
}
