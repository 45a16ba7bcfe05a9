import { randomBytes } from 'node:crypto';

import { campaignStats } from '../../nodes/core/tracking';
import {
	applyRetention,
	closeAllPools,
	type DatabaseSettings,
	databaseSettingsFromEnv,
	getPool,
	HOT_TABLES,
	maintainTables,
	runMaintenance,
} from '../../nodes/core/db';
import { InvalidInputError } from '../../nodes/core/validation';
import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { adminQuery, createTestDatabase, type TestDatabase } from '../support/database';
import { executeNode } from '../support/n8nExecute';
import { type ActAs, newTenant, systemTenant } from '../support/tenants';

type Tenant = { id: string; as: ActAs };

// Real time (to the second): the node run below reads the clock itself.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);

describe('maintenance', () => {
	let db: TestDatabase;

	beforeAll(async () => {
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await closeAllPools();
		await db.drop();
	});

	describe('VACUUM and ANALYZE', () => {
		let org: Tenant;

		beforeAll(async () => {
			org = await newTenant(db);
			const { rows } = await db.pool.query(
				`INSERT INTO campaigns (organization_id, name) VALUES ($1, 'Vacuumed') RETURNING id`,
				[org.id],
			);
			await db.pool.query(
				`INSERT INTO leads (organization_id, campaign_id, email) SELECT $1, $2, 'v' || g || '@vacuum.test' FROM generate_series(1, 250) g`,
				[org.id, rows[0].id],
			);
			await db.pool.query(`DELETE FROM leads WHERE organization_id = $1 AND email LIKE 'v1%'`, [org.id]);
		});

		it('vacuums and analyzes the hot tables outside a transaction, and does it again safely', async () => {
			const expected = HOT_TABLES.map((table) => ({
				table,
				command: `VACUUM (ANALYZE, SKIP_LOCKED) ${table}`,
				done: true,
			}));
			for (let run = 0; run < 2; run++) {
				expect(await runMaintenance({ pool: db.pool, tenant: org.as })).toEqual({
					ok: true,
					tables: expected,
					retention: { enabled: false },
					warnings: [],
				});
			}
			// ANALYZE left the planner an exact count (the table is small enough to be read whole).
			const { rows } = await db.pool.query(`SELECT reltuples::int AS rows FROM pg_class WHERE relname = 'leads'`);
			const { rows: counted } = await db.pool.query('SELECT count(*)::int AS n FROM leads');
			expect(rows[0].rows).toBe(counted[0].n);
			expect(counted[0].n).toBe(250 - 111);
		});

		it('analyzes only, or vacuums only, the tables asked for', async () => {
			expect(await maintainTables(db.pool, { vacuum: false, tables: ['leads'] })).toEqual([
				{ table: 'leads', command: 'ANALYZE (SKIP_LOCKED) leads', done: true },
			]);
			expect(await maintainTables(db.pool, { analyze: false, tables: ['email_activities', 'email_queue'] })).toEqual([
				{ table: 'email_queue', command: 'VACUUM (SKIP_LOCKED) email_queue', done: true },
				{ table: 'email_activities', command: 'VACUUM (SKIP_LOCKED) email_activities', done: true },
			]);
			expect(await maintainTables(db.pool, { vacuum: false, analyze: false })).toEqual([]);
		});

		it('refuses a table that is not one of the hot tables, before doing anything', async () => {
			const attempt = runMaintenance({ pool: db.pool, tenant: org.as }, { tables: ['leads', 'users'] });
			await expect(attempt).rejects.toThrow(InvalidInputError);
			await expect(attempt).rejects.toThrow('Tables must be any of email_queue, email_activities, leads');
		});

		describe('as a login user that does not own the tables', () => {
			const role = `ophir_maint_${randomBytes(4).toString('hex')}`;
			const password = randomBytes(12).toString('hex');
			let settings: DatabaseSettings;

			beforeAll(async () => {
				await adminQuery(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
				const url = new URL(db.url);
				url.username = role;
				url.password = password;
				settings = databaseSettingsFromEnv({ DATABASE_URL: url.toString() }) as DatabaseSettings;
			});
			afterAll(async () => {
				await getPool(settings).end();
				await adminQuery(`DROP ROLE ${role}`);
			});

			it('reports each skipped table in PostgreSQL’s words instead of failing', async () => {
				const result = await runMaintenance({ pool: getPool(settings), tenant: org.as });
				expect(result.ok).toBe(false);
				expect(result.tables.map((t) => [t.table, t.done])).toEqual(HOT_TABLES.map((table) => [table, false]));
				for (const t of result.tables) {
					expect(t.skipped).toMatch(
						new RegExp(
							`permission denied to vacuum "${t.table}"|"${t.table}" --- only table or database owner can vacuum it`,
						),
					);
				}
				expect(result.warnings).toHaveLength(3);
				expect(result.warnings[0]).toMatch(
					/^VACUUM \(ANALYZE, SKIP_LOCKED\) email_queue was skipped: .+\. VACUUM and ANALYZE need the owner of the OPhir tables \(the user that applied the migrations\)/,
				);
			});
		});
	});

	describe('retention', () => {
		let a: Tenant;
		let b: Tenant;
		/** Queue rows and activities by '<organization prefix>:<name>', for readable expectations. */
		const emails: Record<string, string> = {};
		const activities: Record<string, string> = {};

		async function insertEmail(
			tenant: Tenant,
			name: string,
			refs: { campaign: string; lead: string; account: string; step?: number },
			row: { status: string; at: Date },
		) {
			const { rows } = await db.pool.query(
				`INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, sequence_step, subject, body, scheduled_at,
				   status, sent_at, created_at, updated_at)
				 VALUES ($1, $2, $3, $4, $5, 'Hi', 'Hello', $6::timestamptz AT TIME ZONE 'UTC', $7::text,
				   CASE WHEN $7::text = 'sent' THEN $6::timestamptz AT TIME ZONE 'UTC' END, $6::timestamptz AT TIME ZONE 'UTC', $6::timestamptz AT TIME ZONE 'UTC')
				 RETURNING id`,
				[tenant.id, refs.campaign, refs.lead, refs.account, refs.step ?? 1, row.at.toISOString(), row.status],
			);
			emails[name] = rows[0].id;
		}

		async function insertActivity(
			tenant: Tenant,
			name: string,
			refs: { campaign: string; lead: string; email?: string },
			event: { type: string; at: Date; metadata?: object },
		) {
			const { rows } = await db.pool.query(
				`INSERT INTO email_activities (organization_id, campaign_id, lead_id, email_queue_id, event_type, timestamp, metadata)
				 VALUES ($1, $2, $3, $4, $5, $6::timestamptz AT TIME ZONE 'UTC', $7) RETURNING id`,
				[
					tenant.id,
					refs.campaign,
					refs.lead,
					refs.email ? emails[refs.email] : null,
					event.type,
					event.at.toISOString(),
					event.metadata ?? {},
				],
			);
			activities[name] = rows[0].id;
		}

		/**
		 * An organization's emails and events, `prefix` naming them:
		 *  old* go (finished more than 90 days ago, no newer event), loose-old goes (an event of no email);
		 *  everything else stays: a recent reply keeps its email, an unfinished sequence keeps the lead's emails,
		 *  recent rows, an old email still queued.
		 */
		async function seedHistory(tenant: Tenant, prefix: string) {
			const { rows: campaign } = await db.pool.query(
				`INSERT INTO campaigns (organization_id, name, status) VALUES ($1, 'Old', 'active') RETURNING id`,
				[tenant.id],
			);
			const { rows: account } = await db.pool.query(
				`INSERT INTO email_accounts (organization_id, email, provider) VALUES ($1, $2, 'smtp') RETURNING id`,
				[tenant.id, `box@${prefix}.test`],
			);
			const { rows: leads } = await db.pool.query<{ id: string }>(
				`INSERT INTO leads (organization_id, campaign_id, email) SELECT $1, $2, 'lead' || g || '@' || $3 FROM generate_series(1, 8) g ORDER BY g RETURNING id`,
				[tenant.id, campaign[0].id, `${prefix}.test`],
			);
			const refs = (lead: number, step = 1) => ({
				campaign: campaign[0].id,
				lead: leads[lead].id,
				account: account[0].id,
				step,
			});
			const ev = (lead: number, email?: string) => ({
				campaign: campaign[0].id,
				lead: leads[lead].id,
				email: email && `${prefix}:${email}`,
			});
			const n = (name: string) => `${prefix}:${name}`;

			await insertEmail(tenant, n('old-sent'), refs(0), { status: 'sent', at: daysAgo(200) });
			await insertActivity(tenant, n('old-sent:sent'), ev(0, 'old-sent'), { type: 'sent', at: daysAgo(200) });
			await insertActivity(tenant, n('old-sent:opened'), ev(0, 'old-sent'), {
				type: 'opened',
				at: daysAgo(199),
				metadata: { unique: true },
			});
			await insertEmail(tenant, n('old-failed'), refs(1), { status: 'failed', at: daysAgo(150) });
			await insertActivity(tenant, n('old-failed:bounced'), ev(1, 'old-failed'), {
				type: 'bounced',
				at: daysAgo(150),
				metadata: { bounceType: 'hard' },
			});
			await insertEmail(tenant, n('old-cancelled'), refs(2), { status: 'cancelled', at: daysAgo(120) });

			await insertEmail(tenant, n('replied-recently'), refs(3), { status: 'sent', at: daysAgo(200) });
			await insertActivity(tenant, n('replied-recently:sent'), ev(3, 'replied-recently'), {
				type: 'sent',
				at: daysAgo(200),
			});
			await insertActivity(tenant, n('replied-recently:replied'), ev(3, 'replied-recently'), {
				type: 'replied',
				at: daysAgo(1),
			});
			await insertEmail(tenant, n('sequence-step-1'), refs(4, 1), { status: 'sent', at: daysAgo(200) });
			await insertActivity(tenant, n('sequence-step-1:clicked'), ev(4, 'sequence-step-1'), {
				type: 'clicked',
				at: daysAgo(199),
				metadata: { unique: true },
			});
			await insertEmail(tenant, n('sequence-step-2'), refs(4, 2), { status: 'queued', at: daysAgo(100) });
			await insertEmail(tenant, n('recent-sent'), refs(5), { status: 'sent', at: daysAgo(10) });
			await insertActivity(tenant, n('recent-sent:sent'), ev(5, 'recent-sent'), { type: 'sent', at: daysAgo(10) });
			await insertEmail(tenant, n('old-still-queued'), refs(6), { status: 'queued', at: daysAgo(300) });

			await insertActivity(tenant, n('loose-old'), ev(7), { type: 'unsubscribed', at: daysAgo(300) });
			await insertActivity(tenant, n('loose-recent'), ev(7), { type: 'opened', at: daysAgo(5) });
		}

		const GONE_EMAILS = ['old-sent', 'old-failed', 'old-cancelled'];
		const GONE_ACTIVITIES = ['old-sent:sent', 'old-sent:opened', 'old-failed:bounced', 'loose-old'];
		const idsOf = (table: Record<string, string>, prefix: string, except: string[] = []) =>
			Object.entries(table)
				.filter(([key]) => key.startsWith(`${prefix}:`) && !except.includes(key.slice(prefix.length + 1)))
				.map(([, id]) => id)
				.sort();
		/** Every row seeded for the organization, less those retention should delete when `gone`. */
		const seeded = (prefix: string, gone = false) => ({
			queue: idsOf(emails, prefix, gone ? GONE_EMAILS : []),
			activities: idsOf(activities, prefix, gone ? GONE_ACTIVITIES : []),
		});

		async function remaining(tenant: Tenant) {
			const { rows: queue } = await db.pool.query<{ id: string }>(
				'SELECT id FROM email_queue WHERE organization_id = $1',
				[tenant.id],
			);
			const { rows: events } = await db.pool.query<{ id: string }>(
				'SELECT id FROM email_activities WHERE organization_id = $1',
				[tenant.id],
			);
			return { queue: queue.map((r) => r.id).sort(), activities: events.map((r) => r.id).sort() };
		}

		async function counters() {
			const { rows } = await db.pool.query(
				'SELECT * FROM campaign_stats_daily ORDER BY organization_id, campaign_id, day, sequence_step, variant, email_account_id',
			);
			return rows;
		}

		beforeAll(async () => {
			a = await newTenant(db, 'Alpha');
			b = await newTenant(db, 'Bravo');
			await seedHistory(a, 'a');
			await seedHistory(b, 'b');
		});

		it('is off by default: maintenance deletes nothing', async () => {
			const before = { a: await remaining(a), b: await remaining(b) };
			const result = await runMaintenance({ pool: db.pool, tenant: a.as }, { vacuum: false, analyze: false });
			expect(result).toEqual({ ok: true, tables: [], retention: { enabled: false }, warnings: [] });
			expect({ a: await remaining(a), b: await remaining(b) }).toEqual(before);
			expect(before.a).toEqual(seeded('a'));
		});

		it.each([
			[{ olderThanDays: 0 }, 'Retention Days must be a whole number from 1 to 36500'],
			[{ olderThanDays: 2.5 }, 'Retention Days must be a whole number from 1 to 36500'],
			[{ olderThanDays: 90, batchSize: 0 }, 'Batch Size must be a whole number from 1 to 10000'],
			[{ olderThanDays: 90, maxBatches: 0 }, 'Max Batches must be a whole number from 1 to 100000'],
		])('refuses %j naming the field, and deletes nothing', async (options, message) => {
			const before = await remaining(a);
			const attempt = runMaintenance({ pool: db.pool, tenant: a.as }, { retention: { ...options, now: NOW } });
			await expect(attempt).rejects.toThrow(InvalidInputError);
			await expect(attempt).rejects.toThrow(message);
			expect(await remaining(a)).toEqual(before);
		});

		it('removes exactly the old rows, in batches, and leaves every campaign statistic as it was', async () => {
			const statsBefore = await counters();
			const reportBefore = await a.as((tx) => campaignStats(tx, { groupBy: ['campaign', 'day', 'step'] }));
			expect(statsBefore.length).toBeGreaterThan(0);

			// Two batches of one: stops with old rows left, and says so.
			const partial = await runMaintenance(
				{ pool: db.pool, tenant: a.as },
				{ vacuum: false, analyze: false, retention: { olderThanDays: 90, batchSize: 1, maxBatches: 2, now: NOW } },
			);
			expect(partial.ok).toBe(false);
			expect(partial.retention).toEqual({
				enabled: true,
				olderThanDays: 90,
				cutoff: daysAgo(90),
				deletedQueueRows: 2,
				deletedActivities: 3 + 1,
				batches: 2,
				complete: false,
			});
			expect(partial.warnings).toEqual([
				'Retention stopped after 2 batches with old rows left: the next run continues (or raise Max Batches).',
			]);

			// The next run finishes; one more finds nothing left.
			const rest = await applyRetention(a.as, { olderThanDays: 90, batchSize: 1, now: NOW });
			expect(rest).toEqual({
				olderThanDays: 90,
				cutoff: daysAgo(90),
				deletedQueueRows: 1,
				deletedActivities: 0,
				batches: 2,
				complete: true,
			});
			const again = await applyRetention(a.as, { olderThanDays: 90, now: NOW });
			expect(again).toEqual({
				olderThanDays: 90,
				cutoff: daysAgo(90),
				deletedQueueRows: 0,
				deletedActivities: 0,
				batches: 1,
				complete: true,
			});

			expect(await remaining(a)).toEqual(seeded('a', true));
			expect(await counters()).toEqual(statsBefore);
			expect(await a.as((tx) => campaignStats(tx, { groupBy: ['campaign', 'day', 'step'] }))).toEqual(reportBefore);
		});

		it('runs through the OPhir Campaign node for the credential’s organization only, then vacuums', async () => {
			expect(await remaining(b)).toEqual(seeded('b'));
			const statsBefore = await counters();
			const aBefore = await remaining(a);
			const [items] = await executeNode({
				nodeType: new OphirCampaign(),
				parameters: { resource: 'database', operation: 'runMaintenance', retention: true, retentionDays: 90 },
				credentials: {
					ophirPostgresApi: { connection: 'connectionString', connectionString: db.url, organizationId: b.id },
				},
			});
			expect(items).toHaveLength(1);
			expect(items[0].json).toEqual({
				ok: true,
				tables: HOT_TABLES.map((table) => ({ table, command: `VACUUM (ANALYZE, SKIP_LOCKED) ${table}`, done: true })),
				retention: {
					enabled: true,
					olderThanDays: 90,
					cutoff: expect.any(Date),
					deletedQueueRows: 3,
					deletedActivities: 4,
					batches: 1,
					complete: true,
				},
				warnings: [],
			});
			expect(await remaining(b)).toEqual(seeded('b', true));
			expect(await remaining(a)).toEqual(aBefore);
			expect(await counters()).toEqual(statsBefore);
		});

		describe('tenant safety', () => {
			it('deletes nothing for an organization that has no rows, and nothing of anyone else’s', async () => {
				const before = { a: await remaining(a), b: await remaining(b) };
				const result = await applyRetention(systemTenant(db).as, { olderThanDays: 1, now: NOW });
				expect(result).toEqual(expect.objectContaining({ deletedQueueRows: 0, deletedActivities: 0, complete: true }));
				expect({ a: await remaining(a), b: await remaining(b) }).toEqual(before);
			});
		});
	});
});
