import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';

import { OPHIR_TABLES, type Sql, toPoolConfig, withTenant } from '../../nodes/core/db';
import { adminQuery, type TestDatabase } from './database';

// OPHIR_TABLES (the one list) but two tables seedTenant gives no row of its own: organizations are checked by id
// instead, and campaign_stats_daily holds rows only once events arrive (a trigger writes it).
const TENANT_TABLES = OPHIR_TABLES.filter((table) => table !== 'organizations' && table !== 'campaign_stats_daily');

interface Tenant {
	org: string;
	user: string;
	campaign: string;
	lead: string;
	account: string;
	queue: string;
}

/** One row in every tenant table for a new organization, written as the database owner. */
async function seedTenant(pool: Pool, label: string): Promise<Tenant> {
	const t: Tenant = {
		org: randomUUID(),
		user: randomUUID(),
		campaign: randomUUID(),
		lead: randomUUID(),
		account: randomUUID(),
		queue: randomUUID(),
	};
	await pool.query(
		`WITH o AS (INSERT INTO organizations (id, name) VALUES ($1, $7) RETURNING id),
		 u AS (INSERT INTO users (id, organization_id, email) SELECT $2, id, $7 || '@example.com' FROM o RETURNING id),
		 c AS (INSERT INTO campaigns (id, organization_id, name, created_by) SELECT $3, $1, $7, id FROM u RETURNING id),
		 l AS (INSERT INTO leads (id, organization_id, campaign_id, email) SELECT $4, $1, id, 'lead@' || $7 || '.test' FROM c RETURNING id),
		 a AS (INSERT INTO email_accounts (id, organization_id, user_id, email, provider) SELECT $5, $1, id, 'box@' || $7 || '.test', 'smtp' FROM u RETURNING id),
		 q AS (INSERT INTO email_queue (id, organization_id, campaign_id, lead_id, email_account_id, subject)
		       SELECT $6, $1, $3, l.id, a.id, 'hello' FROM l, a RETURNING id)
		 INSERT INTO email_activities (organization_id, email_queue_id, lead_id, campaign_id, event_type)
		 SELECT $1, q.id, $4, $3, 'sent' FROM q`,
		[t.org, t.user, t.campaign, t.lead, t.account, t.queue, label],
	);
	await pool.query(`INSERT INTO templates (organization_id, name) VALUES ($1, $2)`, [t.org, label]);
	await pool.query(`INSERT INTO n8n_executions (organization_id, execution_id, status) VALUES ($1, $2, 'success')`, [
		t.org,
		`exec-${label}`,
	]);
	await pool.query(`INSERT INTO unsubscribes (organization_id, email, campaign_id) VALUES ($1, $2, $3)`, [
		t.org,
		`gone@${label}.test`,
		t.campaign,
	]);
	await pool.query(`INSERT INTO organization_quotas (organization_id, max_leads) VALUES ($1, 100)`, [t.org]);
	await pool.query(
		`INSERT INTO organization_tracking_secrets (organization_id, secret_encrypted) VALUES ($1, 'sealed')`,
		[t.org],
	);
	return t;
}

async function organizationsVisible(client: Sql, table: string): Promise<string[]> {
	const { rows } = await client.query<{ organization_id: string }>(`SELECT DISTINCT organization_id FROM ${table}`);
	return rows.map((r) => r.organization_id);
}

/**
 * The tenant-isolation checks, over `db()`'s pool and settings: run against PostgreSQL directly
 * (tenantIsolation.test.ts) and through PgBouncer in transaction mode (pgbouncer.test.ts), unchanged. The server
 * behind both is the test server (adminQuery creates a login role there).
 */
export function tenantIsolationChecks(db: () => Pick<TestDatabase, 'pool' | 'settings' | 'url'>) {
	let a: Tenant;
	let b: Tenant;

	beforeAll(async () => {
		a = await seedTenant(db().pool, 'alpha');
		b = await seedTenant(db().pool, 'beta');
	});

	it('shows organization A only its own rows in every tenant table, even with no WHERE clause', async () => {
		await withTenant(db().pool, a.org, async (client) => {
			for (const table of TENANT_TABLES) {
				expect({ table, orgs: await organizationsVisible(client, table) }).toEqual({ table, orgs: [a.org] });
			}
			const { rows } = await client.query('SELECT id FROM organizations');
			expect(rows).toEqual([{ id: a.org }]);
			const byId = await client.query('SELECT * FROM campaigns WHERE id = $1', [b.campaign]);
			expect(byId.rowCount).toBe(0);
		});
	});

	it('lets raw SQL in A change only A: unfiltered UPDATE and DELETE leave B untouched', async () => {
		await withTenant(db().pool, a.org, async (client) => {
			const updated = await client.query(`UPDATE leads SET status = 'paused'`);
			expect(updated.rowCount).toBe(1);
			const renamed = await client.query(`UPDATE campaigns SET name = 'hijacked' WHERE id = $1`, [b.campaign]);
			expect(renamed.rowCount).toBe(0);
			const deleted = await client.query(`DELETE FROM unsubscribes WHERE organization_id = $1`, [b.org]);
			expect(deleted.rowCount).toBe(0);
			const orgRename = await client.query(`UPDATE organizations SET name = 'hijacked' WHERE id = $1`, [b.org]);
			expect(orgRename.rowCount).toBe(0);
		});
		const { rows } = await db().pool.query(
			`SELECT (SELECT status FROM leads WHERE id = $1) AS lead, (SELECT name FROM campaigns WHERE id = $2) AS campaign,
			        (SELECT count(*)::int FROM unsubscribes WHERE organization_id = $3) AS unsubscribes,
			        (SELECT name FROM organizations WHERE id = $3) AS org`,
			[b.lead, b.campaign, b.org],
		);
		expect(rows[0]).toEqual({ lead: 'active', campaign: 'beta', unsubscribes: 1, org: 'beta' });
	});

	it('lets an organization read its quotas but not raise them (only the platform operator sets quotas)', async () => {
		await withTenant(db().pool, a.org, async (client) => {
			const { rows } = await client.query(`SELECT max_leads FROM organization_quotas`);
			expect(rows).toEqual([{ max_leads: 100 }]);
			const raised = await client.query(`UPDATE organization_quotas SET max_leads = 1000000`);
			expect(raised.rowCount).toBe(0);
			await expect(client.query(`DELETE FROM organization_quotas RETURNING 1`)).resolves.toMatchObject({
				rowCount: 0,
			});
		});
		await expect(
			withTenant(db().pool, a.org, (client) =>
				client.query(`INSERT INTO organization_quotas (organization_id) VALUES ($1)`, [a.org]),
			),
		).rejects.toMatchObject({ code: '42501' });
	});

	it('refuses to write a row into B or move a row of A to B', async () => {
		await expect(
			withTenant(db().pool, a.org, (client) =>
				client.query(`INSERT INTO campaigns (organization_id, name) VALUES ($1, 'smuggled')`, [b.org]),
			),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			withTenant(db().pool, a.org, (client) =>
				client.query(`UPDATE campaigns SET organization_id = $1 WHERE id = $2`, [b.org, a.campaign]),
			),
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			withTenant(db().pool, a.org, (client) => client.query(`DELETE FROM organizations WHERE id = $1`, [b.org])),
		).rejects.toMatchObject({ code: '42501' });
	});

	it('fills in the acting organization when a row names none', async () => {
		const id = await withTenant(db().pool, a.org, async (client) => {
			const { rows } = await client.query(
				`INSERT INTO templates (name) VALUES ('defaulted') RETURNING id, organization_id`,
			);
			expect(rows[0].organization_id).toBe(a.org);
			return rows[0].id as string;
		});
		await withTenant(db().pool, b.org, async (client) => {
			expect((await client.query('SELECT 1 FROM templates WHERE id = $1', [id])).rowCount).toBe(0);
		});
	});

	it('shows nothing to a transaction that acts for no organization', async () => {
		const client = await db().pool.connect();
		try {
			await client.query('BEGIN');
			await client.query(`SELECT set_config('role', 'ophir_app', true)`);
			for (const table of [...TENANT_TABLES, 'organizations']) {
				const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
				expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
			}
		} finally {
			await client.query('ROLLBACK');
			client.release();
		}
	});

	it('never leaks one transaction’s organization or role into the next on a pooled connection', async () => {
		const single = new Pool({ ...toPoolConfig(db().settings), max: 1, min: 1 });
		try {
			const firstPid = await withTenant(single, a.org, async (client) => {
				const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
				return rows[0].pid as number;
			});
			// A failing transaction must not leave its tenant behind either.
			await expect(withTenant(single, b.org, (client) => client.query('SELECT 1 / 0'))).rejects.toThrow(
				/division by zero/,
			);
			const { rows } = await single.query<{ pid: number; org: string | null; role: string }>(
				`SELECT pg_backend_pid() AS pid, current_setting('ophir.organization_id', true) AS org, current_user AS role`,
			);
			expect(rows[0].pid).toBe(firstPid);
			expect(rows[0].org ?? '').toBe('');
			expect(rows[0].role).not.toBe('ophir_app');
			await withTenant(single, b.org, async (client) => {
				expect(await organizationsVisible(client, 'campaigns')).toEqual([b.org]);
			});
		} finally {
			await single.end();
		}
	});

	describe('with a non-superuser login (the recommended production set-up)', () => {
		const login = `ophir_login_${randomBytes(4).toString('hex')}`;
		const password = randomBytes(12).toString('hex');
		let pool: Pool;

		beforeAll(async () => {
			await adminQuery(`CREATE ROLE ${login} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS IN ROLE ophir_app`);
			const url = new URL(db().url);
			url.username = login;
			url.password = password;
			pool = new Pool({ connectionString: url.toString(), max: 2 });
		});
		afterAll(async () => {
			await pool.end();
			await adminQuery(`DROP ROLE IF EXISTS ${login}`);
		});

		it('keeps A inside A even when raw SQL resets the role', async () => {
			await withTenant(pool, a.org, async (client) => {
				await client.query('RESET ROLE');
				expect(await organizationsVisible(client, 'leads')).toEqual([a.org]);
				const updated = await client.query(`UPDATE campaigns SET name = 'hijacked' WHERE organization_id = $1`, [
					b.org,
				]);
				expect(updated.rowCount).toBe(0);
				await expect(client.query('SET ROLE postgres')).rejects.toMatchObject({ code: '42501' });
			});
		});

		it('sees no tenant rows at all outside a tenant transaction', async () => {
			const { rows } = await pool.query('SELECT count(*)::int AS n FROM leads');
			expect(rows[0].n).toBe(0);
		});
	});
}
