import { randomUUID } from 'node:crypto';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import type { PoolClient } from 'pg';

import {
	closeAllPools,
	databaseHealth,
	type DatabaseHealth,
	type HealthOptions,
	maintainTables,
	OPHIR_TABLES,
	SPEC_POOL_LIMITS,
} from '../../nodes/core/db';
import { InvalidInputError } from '../../nodes/core/validation';
import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { sleep } from '../../scripts/lib/wait';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { executeNode } from '../support/n8nExecute';
import { type ActAs, actingFor, newTenant } from '../support/tenants';

type Tenant = { id: string; as: ActAs };

const NOW = new Date('2031-03-12T15:00:00.000Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);
const LEADS_A = 1_200;
const LEADS_B = 30;

describe('database health', () => {
	let db: TestDatabase;
	let a: Tenant;
	let b: Tenant;
	let idle: Tenant;
	const mailboxes: Record<string, string> = {};

	const health = (tenant: Tenant, options: HealthOptions = {}) =>
		databaseHealth({ pool: db.pool, settings: db.settings, tenant: tenant.as }, { now: NOW, ...options });
	const table = (result: DatabaseHealth, name: string) => {
		const found = result.tables.find((t) => t.table === name);
		if (!found) throw new Error(`no figures for ${name}`);
		return found;
	};

	/** A campaign, a warmed mailbox allowed 50 emails a day, `leads` leads and queue rows in the given states. */
	async function seed(
		tenant: Tenant,
		leads: number,
		queue: Array<{ status: string; scheduledAt: Date; leaseExpiresAt?: Date }>,
	) {
		const { rows: campaign } = await db.pool.query(
			`INSERT INTO campaigns (organization_id, name, status, config) VALUES ($1, 'Health', 'active', '{}') RETURNING id`,
			[tenant.id],
		);
		const email = `box-${tenant.id.slice(0, 8)}@sender.test`;
		const { rows: account } = await db.pool.query(
			`INSERT INTO email_accounts (organization_id, email, provider, credentials_encrypted, warmup_status, daily_limit)
			 VALUES ($1, $2, 'smtp', 'sealed', 'warmed', 50) RETURNING id`,
			[tenant.id, email],
		);
		mailboxes[tenant.id] = account[0].id;
		const { rows: leadIds } = await db.pool.query<{ id: string }>(
			`INSERT INTO leads (organization_id, campaign_id, email)
			 SELECT $1, $2, 'lead' || g || '@' || $3 FROM generate_series(1, $4) g ORDER BY g RETURNING id`,
			[tenant.id, campaign[0].id, `${tenant.id.slice(0, 8)}.test`, leads],
		);
		for (const [i, row] of queue.entries()) {
			await db.pool.query(
				`INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, sequence_step, subject, body,
				   scheduled_at, status, lease_token, lease_expires_at)
				 VALUES ($1, $2, $3, $4, 1, 'Hi', 'Hello', $5::timestamptz AT TIME ZONE 'UTC', $6::text,
				   CASE WHEN $6::text = 'sending' THEN gen_random_uuid() END, $7::timestamptz AT TIME ZONE 'UTC')`,
				[
					tenant.id,
					campaign[0].id,
					leadIds[i].id,
					account[0].id,
					row.scheduledAt.toISOString(),
					row.status,
					row.leaseExpiresAt?.toISOString() ?? null,
				],
			);
		}
	}

	/** Makes this connection's table statistics visible to other sessions now (PostgreSQL 15+ flushes them lazily). */
	async function flushStatistics(client: PoolClient, table: string, atLeastSeqScans: number) {
		const { rows } = await client.query(`SELECT current_setting('server_version_num')::int AS version`);
		if (rows[0].version >= 150_000) {
			await client.query('SELECT pg_stat_force_next_flush()');
			return;
		}
		// Older servers send statistics to a collector process within about half a second.
		for (let attempt = 0; attempt < 100; attempt++) {
			const { rows: seen } = await db.pool.query(`SELECT seq_scan FROM pg_stat_user_tables WHERE relname = $1`, [
				table,
			]);
			if (Number(seen[0].seq_scan) >= atLeastSeqScans) return;
			await sleep(100);
		}
	}

	beforeAll(async () => {
		db = await createTestDatabase();
		a = await newTenant(db, 'Alpha');
		b = await newTenant(db, 'Bravo');
		idle = await newTenant(db, 'Idle');
		await seed(a, LEADS_A, [
			{ status: 'queued', scheduledAt: minutes(-120) },
			{ status: 'queued', scheduledAt: minutes(-60) },
			{ status: 'queued', scheduledAt: minutes(-30) },
			{ status: 'queued', scheduledAt: minutes(60) },
			{ status: 'sending', scheduledAt: minutes(-90), leaseExpiresAt: minutes(-10) },
			{ status: 'sending', scheduledAt: minutes(-5), leaseExpiresAt: minutes(10) },
			{ status: 'sent', scheduledAt: minutes(-300) },
			{ status: 'sent', scheduledAt: minutes(-200) },
		]);
		await seed(b, LEADS_B, [
			{ status: 'queued', scheduledAt: minutes(-15) },
			{ status: 'sending', scheduledAt: minutes(-40), leaseExpiresAt: minutes(-1) },
		]);
		// An index no query uses (leads are never looked up by company here).
		await db.pool.query('CREATE INDEX idx_health_leads_company ON leads (company)');
		// Row counts come from the planner's statistics: exact for tables this small once analyzed.
		await maintainTables(db.pool, { vacuum: false });
		await db.pool.query('ANALYZE campaigns');
	});
	afterAll(async () => {
		await closeAllPools();
		await db.drop();
	});

	describe('tables', () => {
		it('reports each OPhir table’s row count, size and maintenance times, with no growth on the first run', async () => {
			const result = await health(a, { recordSnapshot: false });
			expect(result.tables.map((t) => t.table).sort()).toEqual(
				[...OPHIR_TABLES, 'ophir_schema_migrations', 'ophir_table_snapshots'].sort(),
			);
			expect(table(result, 'leads')).toEqual(
				expect.objectContaining({ liveRows: LEADS_A + LEADS_B, lastAnalyzeAt: expect.any(Date), growth: null }),
			);
			expect(table(result, 'email_queue').liveRows).toBe(10);
			expect(table(result, 'campaigns').liveRows).toBe(2);
			for (const t of result.tables) {
				expect(t.totalBytes).toBeGreaterThan(0);
				expect(t.totalSize).toMatch(/^\d+(\.\d)? (bytes|kB|MB|GB|TB)$/);
				expect(t.deadRows).toBeGreaterThanOrEqual(0);
			}
			expect(result.snapshot).toEqual({ recorded: false });
			const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM ophir_table_snapshots');
			expect(rows[0].n).toBe(0);
		});

		it('reports growth since the previous run from the snapshot that run kept', async () => {
			const first = await health(a);
			expect(first.snapshot).toEqual({ recorded: true });
			expect(table(first, 'leads').growth).toBeNull();

			const { rows: campaign } = await db.pool.query(`SELECT id FROM campaigns WHERE organization_id = $1`, [a.id]);
			await db.pool.query(
				`INSERT INTO leads (organization_id, campaign_id, email) SELECT $1, $2, 'grown' || g || '@alpha.test' FROM generate_series(1, 100) g`,
				[a.id, campaign[0].id],
			);
			await db.pool.query('ANALYZE leads');
			const later = new Date(NOW.getTime() + 86_400_000);
			const second = await health(a, { now: later });
			const leads = table(second, 'leads');
			expect(leads.liveRows).toBe(LEADS_A + LEADS_B + 100);
			expect(leads.growth).toEqual({
				since: NOW,
				rows: 100,
				bytes: leads.totalBytes - table(first, 'leads').totalBytes,
			});
			expect(table(second, 'campaigns').growth).toEqual({ since: NOW, rows: 0, bytes: 0 });

			const { rows } = await db.pool.query(
				`SELECT table_name, live_rows::int AS rows, taken_at FROM ophir_table_snapshots WHERE table_name = 'leads'`,
			);
			expect(rows).toEqual([{ table_name: 'leads', rows: LEADS_A + LEADS_B + 100, taken_at: later }]);
		});
	});

	describe('indexes', () => {
		it('lists an index no query has used as never used, and never one that enforces a constraint', async () => {
			const { indexes } = await health(a, { recordSnapshot: false });
			expect(indexes.neverUsed).toContainEqual({
				table: 'leads',
				index: 'idx_health_leads_company',
				scans: 0,
				bytes: expect.any(Number),
				enforcesConstraint: false,
			});
			expect(indexes.neverUsed.filter((index) => index.enforcesConstraint)).toEqual([]);
			expect(indexes.usage).toContainEqual(
				expect.objectContaining({
					table: 'leads',
					index: 'uq_leads_organization_campaign_email',
					enforcesConstraint: true,
				}),
			);
			expect(indexes.usage).toContainEqual(
				expect.objectContaining({ table: 'email_queue', index: 'email_queue_pkey', enforcesConstraint: true }),
			);
		});

		it('hints at a missing index when a big table is read mostly by sequential scans', async () => {
			const client = await db.pool.connect();
			try {
				// last_name has no index: each of these reads the whole table.
				for (let i = 0; i < 60; i++) await client.query(`SELECT count(*) FROM leads WHERE last_name = 'Nobody'`);
				await flushStatistics(client, 'leads', 60);
			} finally {
				client.release();
			}
			const { indexes } = await health(a, { recordSnapshot: false, bigTableRows: 1_000 });
			expect(indexes.missingIndexHints.map((hint) => hint.table)).toEqual(['leads']);
			const [hint] = indexes.missingIndexHints;
			expect(hint.sequentialScans).toBeGreaterThanOrEqual(60);
			expect(hint.sequentialScans).toBeGreaterThan(hint.indexScans);
			expect(hint.hint).toMatch(
				/^leads \(1,330 rows\) was read by [\d,]+ sequential scans \([\d,]+ rows each on average\) against [\d,]+ index scans: /,
			);

			const small = await health(a, { recordSnapshot: false });
			expect(small.indexes.missingIndexHints).toEqual([]);
		});
	});

	describe('slowest statements', () => {
		it('says plainly that pg_stat_statements is not installed instead of failing', async () => {
			const { slowStatements, warnings } = await health(idle, { recordSnapshot: false });
			expect(slowStatements).toEqual({
				available: false,
				message:
					'pg_stat_statements is not installed in this database, so the slowest statements cannot be listed. To enable it: add pg_stat_statements to shared_preload_libraries in postgresql.conf, restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements; in this database.',
				statements: [],
			});
			expect(warnings).toEqual([]);
		});

		it('lists them when the extension works, and says why when it is installed but not preloaded', async () => {
			await db.pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
			try {
				const { rows } = await db.pool.query(`SELECT current_setting('shared_preload_libraries') AS libraries`);
				const { slowStatements } = await health(idle, { recordSnapshot: false, slowStatements: 3 });
				if (String(rows[0].libraries).includes('pg_stat_statements')) {
					expect(slowStatements.available).toBe(true);
					expect(slowStatements.statements.length).toBeLessThanOrEqual(3);
				} else {
					expect(slowStatements).toEqual({
						available: false,
						// PostgreSQL 16+ quotes the setting's name, 15 does not.
						message: expect.stringMatching(
							/^pg_stat_statements is installed but cannot be read: pg_stat_statements must be loaded via "?shared_preload_libraries"?$/,
						),
						statements: [],
					});
				}
			} finally {
				await db.pool.query('DROP EXTENSION pg_stat_statements');
			}
		});
	});

	describe('pool and queue', () => {
		it('reports this credential’s pool with the limits it was configured with', async () => {
			const { pool } = await health(idle, { recordSnapshot: false });
			expect(pool).toEqual({
				total: expect.any(Number),
				idle: expect.any(Number),
				waiting: 0,
				limits: { ...SPEC_POOL_LIMITS },
				poolsInProcess: expect.any(Number),
			});
			expect(pool.total).toBeLessThanOrEqual(SPEC_POOL_LIMITS.max);
			expect(pool.poolsInProcess).toBeGreaterThanOrEqual(1);
		});

		it('reports the oldest due email’s age, emails stuck past their lease and each mailbox’s capacity left today', async () => {
			const result = await health(a, { recordSnapshot: false });
			expect(result.queue).toEqual({
				byStatus: { queued: 4, sending: 2, sent: 2 },
				due: 3,
				oldestDueAt: minutes(-120),
				oldestDueAgeSeconds: 7_200,
				stuckPastLease: 1,
				accounts: [
					{
						id: mailboxes[a.id],
						email: `box-${a.id.slice(0, 8)}@sender.test`,
						eligible: true,
						capacityToday: 50,
						sentToday: 0,
						inFlight: 2,
						remainingToday: 48,
						queuedDue: 3,
					},
				],
			});
			expect(result.healthy).toBe(false);
			expect(result.warnings).toEqual([
				"1 emails are stuck in sending past their lease (a worker stopped before reporting back): the next claim puts them back in the queue; if this repeats, check the sender workflow's failed executions.",
				'The oldest due email has waited 120 minutes (more than 60) although a mailbox has capacity left today: is the sender workflow active and succeeding?',
			]);
		});

		it('does not call waiting emails late while their mailboxes have no capacity left today', async () => {
			await db.pool.query('UPDATE email_accounts SET current_sent_today = 48, counter_date = $2 WHERE id = $1', [
				mailboxes[a.id],
				NOW.toISOString().slice(0, 10),
			]);
			try {
				const result = await health(a, { recordSnapshot: false });
				expect(result.queue.accounts[0]).toEqual(expect.objectContaining({ sentToday: 48, remainingToday: 0 }));
				expect(result.warnings.filter((w) => w.startsWith('The oldest due email'))).toEqual([]);
			} finally {
				await db.pool.query('UPDATE email_accounts SET current_sent_today = 0, counter_date = NULL WHERE id = $1', [
					mailboxes[a.id],
				]);
			}
		});

		it('honours Max Queue Lag', async () => {
			const result = await health(a, { recordSnapshot: false, maxQueueLagMinutes: 180 });
			expect(result.warnings.filter((w) => w.startsWith('The oldest due email'))).toEqual([]);
		});

		it('is healthy, with no warnings, for an organization whose queue is fine', async () => {
			const result = await health(idle, { recordSnapshot: false });
			expect(result).toEqual(
				expect.objectContaining({
					healthy: true,
					warnings: [],
					checkedAt: NOW,
					queue: {
						byStatus: {},
						due: 0,
						oldestDueAt: null,
						oldestDueAgeSeconds: null,
						stuckPastLease: 0,
						accounts: [],
					},
				}),
			);
		});
	});

	describe('bad options', () => {
		it.each([
			[{ maxQueueLagMinutes: 0 }, 'Max Queue Lag (Minutes) must be a whole number from 1 to 525600'],
			[{ slowStatements: 101 }, 'Slow Statements must be a whole number from 0 to 100'],
			[{ bigTableRows: 1.5 }, 'Big Table Rows must be a whole number from 1 to 2000000000'],
		])('refuses %j naming the field, and records no snapshot', async (options, message) => {
			const { rows: before } = await db.pool.query('SELECT * FROM ophir_table_snapshots ORDER BY table_name');
			const attempt = health(a, { ...options, now: new Date(NOW.getTime() + 7 * 86_400_000) });
			await expect(attempt).rejects.toThrow(InvalidInputError);
			await expect(attempt).rejects.toThrow(message);
			const { rows: after } = await db.pool.query('SELECT * FROM ophir_table_snapshots ORDER BY table_name');
			expect(after).toEqual(before);
		});
	});

	describe('tenant safety', () => {
		it('shows each organization only its own queue, and the same database-wide figures to both', async () => {
			const ofA = await health(a, { recordSnapshot: false });
			const ofB = await health(b, { recordSnapshot: false });
			expect(ofB.queue).toEqual(
				expect.objectContaining({
					byStatus: { queued: 1, sending: 1 },
					due: 1,
					oldestDueAt: minutes(-15),
					stuckPastLease: 1,
				}),
			);
			expect(ofB.queue.accounts.map((account) => account.id)).toEqual([mailboxes[b.id]]);
			expect(ofA.queue.accounts.map((account) => account.id)).toEqual([mailboxes[a.id]]);
			expect(ofB.tables.map((t) => [t.table, t.liveRows])).toEqual(ofA.tables.map((t) => [t.table, t.liveRows]));
		});

		it('shows an unknown organization nothing of anyone’s queue', async () => {
			const id = randomUUID();
			const stranger = { id, as: actingFor(db, id) };
			const result = await health(stranger, { recordSnapshot: false });
			expect(result.queue).toEqual({
				byStatus: {},
				due: 0,
				oldestDueAt: null,
				oldestDueAgeSeconds: null,
				stuckPastLease: 0,
				accounts: [],
			});
		});
	});

	describe('through the OPhir Campaign node in n8n', () => {
		const credential = (organizationId: string, fields: ICredentialDataDecryptedObject = {}) => ({
			ophirPostgresApi: { connection: 'connectionString', connectionString: db.url, organizationId, ...fields },
		});

		it('outputs one health item for the credential’s organization, with the node’s default options', async () => {
			const [items] = await executeNode({
				nodeType: new OphirCampaign(),
				parameters: { resource: 'database', operation: 'getHealth' },
				credentials: credential(b.id),
			});
			expect(items).toHaveLength(1);
			expect(items[0].pairedItem).toEqual({ item: 0 });
			// The node reads the queue at the real time, long before this file's emails are due (NOW is in 2031).
			expect(items[0].json).toEqual(
				expect.objectContaining({
					healthy: true,
					warnings: [],
					snapshot: { recorded: true },
					queue: expect.objectContaining({ byStatus: { queued: 1, sending: 1 }, due: 0, stuckPastLease: 0 }),
					slowStatements: expect.objectContaining({ available: false }),
				}),
			);
			expect(
				(items[0].json.queue as { accounts: Array<{ id: string }> }).accounts.map((account) => account.id),
			).toEqual([mailboxes[b.id]]);
		});

		it('fails the item naming the option when an option is out of range', async () => {
			const run = executeNode({
				nodeType: new OphirCampaign(),
				parameters: { resource: 'database', operation: 'getHealth', healthOptions: { slowStatements: -1 } },
				credentials: credential(b.id),
			});
			await expect(run).rejects.toThrow('Slow Statements must be a whole number from 0 to 100');
		});
	});
});
