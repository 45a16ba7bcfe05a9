import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';

import { applyMigrations, DATABASE_DIR, loadMigrations, schemaStatus, toPoolConfig } from '../../nodes/core/db';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { readSpecSchema } from '../support/specSchema';

const spec = readSpecSchema();

/** Defaults OPhir adds where the specification gives none (listed in docs/database.md, "Schema additions"). */
const ADDED_DEFAULTS: Record<string, string> = {
	id: 'gen_random_uuid()',
	created_at: 'CURRENT_TIMESTAMP',
	updated_at: 'CURRENT_TIMESTAMP',
	timestamp: 'CURRENT_TIMESTAMP',
	started_at: 'CURRENT_TIMESTAMP',
	organization_id: 'ophir_current_organization_id()',
};

function withoutCast(expression: string): string {
	return expression.replace(/::[a-z ]+(\[\])?$/i, '');
}

describe('database/init.sql and migrations on a real PostgreSQL', () => {
	let db: TestDatabase;

	beforeAll(async () => {
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await db.drop();
	});

	it('reads all ten tables of the specification', () => {
		expect(spec.map((t) => t.name).sort()).toEqual(
			[
				'campaigns',
				'email_accounts',
				'email_activities',
				'email_queue',
				'leads',
				'n8n_executions',
				'organizations',
				'templates',
				'unsubscribes',
				'users',
			].sort(),
		);
	});

	it('has every column of the specification with its type, default and nullability', async () => {
		const { rows } = await db.pool.query<{
			table_name: string;
			column_name: string;
			type: string;
			column_default: string | null;
			is_nullable: string;
		}>(
			`SELECT c.table_name, c.column_name, format_type(a.atttypid, a.atttypmod) AS type, c.column_default, c.is_nullable
			 FROM information_schema.columns c
			 JOIN pg_attribute a ON a.attrelid = format('%I', c.table_name)::regclass AND a.attname = c.column_name
			 WHERE c.table_schema = 'public'`,
		);
		const actual = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]));
		for (const table of spec) {
			for (const column of table.columns) {
				const key = `${table.name}.${column.name}`;
				const row = actual.get(key);
				expect({ key, type: row?.type }).toEqual({ key, type: column.type });
				const actualDefault = row!.column_default === null ? undefined : withoutCast(row!.column_default);
				const expectedDefault = column.default ?? ADDED_DEFAULTS[column.name];
				expect({ key, default: actualDefault?.toLowerCase() }).toEqual({
					key,
					default: expectedDefault?.toLowerCase(),
				});
				expect({ key, nullable: row!.is_nullable }).toEqual({ key, nullable: column.primaryKey ? 'NO' : 'YES' });
			}
		}
	});

	it('has the primary keys, unique constraints and foreign keys of the specification', async () => {
		const { rows } = await db.pool.query<{ kind: string; table_name: string; column_name: string; ref: string | null }>(
			`SELECT c.contype AS kind, c.conrelid::regclass::text AS table_name, a.attname AS column_name,
			        CASE WHEN c.contype = 'f' THEN c.confrelid::regclass::text || '.' || af.attname END AS ref
			 FROM pg_constraint c
			 CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
			 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
			 LEFT JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[k.n]
			 WHERE c.connamespace = 'public'::regnamespace AND cardinality(c.conkey) = 1`,
		);
		const has = (kind: string, table: string, column: string, ref?: string) =>
			rows.some(
				(r) =>
					r.kind === kind && r.table_name === table && r.column_name === column && (ref === undefined || r.ref === ref),
			);
		for (const table of spec) {
			for (const column of table.columns) {
				const where = `${table.name}.${column.name}`;
				if (column.primaryKey) expect({ where, pk: has('p', table.name, column.name) }).toEqual({ where, pk: true });
				if (column.unique)
					expect({ where, unique: has('u', table.name, column.name) }).toEqual({ where, unique: true });
				if (column.references) {
					const ref = `${column.references.table}.${column.references.column}`;
					expect({ where, ref: has('f', table.name, column.name, ref) }).toEqual({ where, ref: true });
				}
			}
		}
	});

	it('indexes the lookups the specification lists', async () => {
		const { rows } = await db.pool.query<{ table_name: string; first_column: string }>(
			`SELECT i.indrelid::regclass::text AS table_name, a.attname AS first_column
			 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]`,
		);
		const indexed = new Set(rows.map((r) => `${r.table_name}.${r.first_column}`));
		for (const lookup of [
			'users.email',
			'users.organization_id',
			'campaigns.status',
			'campaigns.organization_id',
			'leads.email',
			'leads.campaign_id',
			'email_queue.status',
			'email_activities.lead_id',
			'email_activities.campaign_id',
			'n8n_executions.execution_id',
		]) {
			expect({ lookup, indexed: indexed.has(lookup) }).toEqual({ lookup, indexed: true });
		}
	});

	it('maintains updated_at with a trigger on every table that has it', async () => {
		const withUpdatedAt = spec.filter((t) => t.columns.some((c) => c.name === 'updated_at')).map((t) => t.name);
		expect(withUpdatedAt).toHaveLength(7);
		const { rows } = await db.pool.query<{ table_name: string }>(
			`SELECT tgrelid::regclass::text AS table_name FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
			 WHERE p.proname = 'update_updated_at_column' AND NOT t.tgisinternal`,
		);
		expect(rows.map((r) => r.table_name).sort()).toEqual([...withUpdatedAt].sort());

		await db.pool.query(`UPDATE organizations SET updated_at = '2000-01-01' WHERE id = $1`, [
			'00000000-0000-0000-0000-000000000001',
		]);
		const { rows: after } = await db.pool.query<{ recent: boolean }>(
			`SELECT updated_at > now() - interval '1 minute' AS recent FROM organizations WHERE id = $1`,
			['00000000-0000-0000-0000-000000000001'],
		);
		expect(after[0].recent).toBe(true);
	});

	it('holds the default organization and a locked admin user', async () => {
		const { rows: orgs } = await db.pool.query('SELECT id FROM organizations');
		expect(orgs).toEqual([{ id: '00000000-0000-0000-0000-000000000001' }]);
		const { rows: users } = await db.pool.query<{
			email: string;
			organization_id: string;
			role: string;
			password_hash: string;
		}>('SELECT email, organization_id, role, password_hash FROM users');
		expect(users).toHaveLength(1);
		expect(users[0]).toMatchObject({
			email: 'admin@ophir.dev',
			organization_id: '00000000-0000-0000-0000-000000000001',
			role: 'admin',
		});
		// Not a bcrypt hash, so no password matches it: the operator must set one.
		expect(users[0].password_hash).not.toMatch(/^\$2[aby]\$/);
	});

	it('applies init.sql and the migrations again without harm', async () => {
		const again = await applyMigrations(db.pool);
		expect(again.applied).toEqual([]);
		// The raw file as psql would send it, on a database where row-level security is already on.
		await db.pool.query(readFileSync(join(DATABASE_DIR, 'init.sql'), 'utf8'));
		const { rows } = await db.pool.query<{ orgs: number; users: number; triggers: number }>(
			`SELECT (SELECT count(*)::int FROM organizations) AS orgs, (SELECT count(*)::int FROM users) AS users,
			        (SELECT count(*)::int FROM pg_trigger WHERE tgname LIKE 'update_%_updated_at') AS triggers`,
		);
		expect(rows[0]).toEqual({ orgs: 1, users: 1, triggers: 7 });
		expect(await schemaStatus(db.pool)).toMatchObject({ installed: true, pending: [] });
	});

	const hasPsql = !spawnSync('psql', ['--version']).error;
	const withPsql = hasPsql ? it : it.skip;
	const psqlSkipped = hasPsql
		? ''
		: ' (skipped: psql is not installed here; the runner test above covers the same SQL)';
	withPsql(`applies with \`psql -f database/init.sql\` twice${psqlSkipped}`, async () => {
		const fresh = await createTestDatabase({ migrate: false });
		try {
			for (let run = 0; run < 2; run++) {
				const result = spawnSync(
					'psql',
					['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', fresh.url, '-f', join(DATABASE_DIR, 'init.sql')],
					{
						encoding: 'utf8',
					},
				);
				expect({ run, status: result.status, stderr: result.stderr.replace(/^.*NOTICE: .*\n?/gm, '') }).toEqual({
					run,
					status: 0,
					stderr: '',
				});
			}
			const { rows } = await fresh.pool.query('SELECT count(*)::int AS n FROM users');
			expect(rows[0].n).toBe(1);
		} finally {
			await fresh.drop();
		}
	});

	it('lets concurrent runners apply each migration exactly once', async () => {
		const fresh = await createTestDatabase({ migrate: false });
		const pools = Array.from({ length: 4 }, () => new Pool(toPoolConfig(fresh.settings)));
		try {
			const results = await Promise.all(pools.map((pool) => applyMigrations(pool)));
			const applied = results.flatMap((r) => r.applied).sort();
			expect(applied).toEqual(loadMigrations().map((m) => `${m.version}_${m.name}`));
			const { rows } = await fresh.pool.query('SELECT count(*)::int AS n FROM ophir_schema_migrations');
			expect(rows[0].n).toBe(loadMigrations().length);
		} finally {
			await Promise.all(pools.map((pool) => pool.end()));
			await fresh.drop();
		}
	});

	describe('with a migration directory of its own', () => {
		let dir: string;
		beforeEach(() => {
			dir = mkdtempSync(join(tmpdir(), 'ophir-migrations-'));
			cpSync(DATABASE_DIR, dir, { recursive: true });
		});
		afterEach(() => rmSync(dir, { recursive: true, force: true }));

		it('rolls a failing migration back entirely and names it', async () => {
			writeFileSync(join(dir, 'migrations', '900_broken.sql'), 'CREATE TABLE ophir_probe (id int);\nSELECT 1 / 0;\n');
			await expect(applyMigrations(db.pool, loadMigrations(dir))).rejects.toThrow(
				/Migration 900_broken failed and was rolled back: division by zero/,
			);
			const { rows } = await db.pool.query(`SELECT to_regclass('ophir_probe') AS probe`);
			expect(rows[0].probe).toBeNull();
			expect((await schemaStatus(db.pool, loadMigrations(dir))).pending).toEqual(['900_broken']);
			// The pool is still usable, and the advisory lock was released with the discarded connection.
			await expect(applyMigrations(db.pool)).resolves.toMatchObject({ applied: [] });
		});

		it('refuses to run when an applied migration was edited', async () => {
			const migration = loadMigrations(dir).find((m) => m.version === '001')!;
			writeFileSync(join(dir, 'migrations', `001_${migration.name}.sql`), `${migration.sql}\n-- edited\n`);
			await expect(applyMigrations(db.pool, loadMigrations(dir))).rejects.toThrow(
				/Migration 001_defaults_and_tenant_isolation was changed after it was applied/,
			);
		});
	});
});
