import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';

import { applyMigrations, type DatabaseSettings, databaseSettingsFromEnv, getPool } from '../../nodes/core/db';

/** The server-wide connection the test run started with (see globalSetup.js). */
export function adminUrl(): string {
	const url = process.env.OPHIR_TEST_ADMIN_URL;
	if (!url) throw new Error('OPHIR_TEST_ADMIN_URL is not set: run the tests through jest (globalSetup).');
	return url;
}

/**
 * Whether the test server lets in a wrong password (trust authentication, as some TEST_DATABASE_URL set-ups have).
 * Synchronous (a child process), so that a test can be skipped by name: jest decides that before any hook runs.
 */
export function serverTrustsEveryLogin(): boolean {
	const url = new URL(adminUrl());
	url.password = 'definitely-wrong';
	const probe = `new (require('pg').Client)({ connectionString: ${JSON.stringify(url.toString())} }).connect().then(() => process.exit(0), () => process.exit(1))`;
	return spawnSync(process.execPath, ['-e', probe], { cwd: join(__dirname, '..', '..') }).status === 0;
}

export function urlForDatabase(name: string, base = adminUrl()): string {
	const url = new URL(base);
	url.pathname = `/${name}`;
	return url.toString();
}

export interface TestDatabase {
	name: string;
	url: string;
	settings: DatabaseSettings;
	/** The process-wide pool for `settings`, the one OPhir's nodes would use. */
	pool: Pool;
	drop(): Promise<void>;
}

async function withAdmin<T>(work: (client: Client) => Promise<T>, server = adminUrl()): Promise<T> {
	const client = new Client({ connectionString: server });
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end();
	}
}

/**
 * A fresh, empty database on the test server (or on `server`, an admin URL of another one); migrated to the latest
 * schema unless told otherwise.
 */
export async function createTestDatabase({ migrate = true, server = adminUrl() } = {}): Promise<TestDatabase> {
	const name = `ophir_test_${randomBytes(6).toString('hex')}`;
	await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`), server);
	const url = urlForDatabase(name, server);
	const settings = databaseSettingsFromEnv({ DATABASE_URL: url }) as DatabaseSettings;
	const pool = getPool(settings);
	if (migrate) await applyMigrations(pool);
	return {
		name,
		url,
		settings,
		pool,
		async drop() {
			await pool.end().catch(() => undefined);
			await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), server);
		},
	};
}

/** Runs SQL on the test server as its admin (superuser) role. */
export function adminQuery(sql: string, params: unknown[] = []): Promise<unknown> {
	return withAdmin((admin) => admin.query(sql, params));
}
