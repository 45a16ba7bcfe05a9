import { databaseSettingsFromEnv, type DatabaseSettings } from '../../nodes/core/db/connectionSettings';
import { getPool } from '../../nodes/core/db/pool';
import { SecretBox } from '../../nodes/core/db/secretBox';
import { closeAllTransports } from '../../nodes/core/sending/transportPool';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/database';
import { dueEmailsFactory } from '../support/faults';
import { KEY } from '../support/outreach';
import { hasPgBouncer, type PgBouncer, startPgBouncer } from '../support/pgbouncer';
import { SmtpSink } from '../support/smtpSink';
import { tenantIsolationChecks } from '../support/tenantIsolationChecks';

/**
 * Issue #12: OPhir behind PgBouncer in transaction-pooling mode (Debian's `pgbouncer`, started here on a loopback
 * port in front of the test server). The tenant-isolation checks and a schedule-and-send run pass through it unchanged.
 */
const skipped = hasPgBouncer ? '' : ' (skipped: `pgbouncer` is not installed; apt-get install pgbouncer)';

(hasPgBouncer ? describe : describe.skip)(`OPhir through PgBouncer in transaction mode${skipped}`, () => {
	let bouncer: PgBouncer;
	let direct: TestDatabase;
	/** The same database, reached through PgBouncer: what OPhir's nodes use here. */
	let db: TestDatabase;
	let sink: SmtpSink;
	const box = new SecretBox(KEY);

	beforeAll(async () => {
		direct = await createTestDatabase();
		bouncer = await startPgBouncer(adminUrl());
		const url = bouncer.through(direct.url);
		const settings = databaseSettingsFromEnv({ DATABASE_URL: url }) as DatabaseSettings;
		db = { ...direct, url, settings, pool: getPool(settings) };
		sink = await new SmtpSink().start();
	});
	afterAll(async () => {
		closeAllTransports();
		await sink?.stop();
		await db?.pool.end();
		await bouncer?.stop();
		await direct?.drop();
	});

	describe('tenant isolation', () => {
		tenantIsolationChecks(() => db);
	});

	it('schedules and sends: every email once, recorded once', async () => {
		const { send, delivered, recorded } = await dueEmailsFactory(() => ({ db, sink, box }))(300, 2);
		expect(await send(undefined, 200)).toMatchObject({ claimed: 200, sent: 200 });
		expect(await send(undefined, 200)).toMatchObject({ claimed: 100, sent: 100 });
		expect(delivered()).toEqual({ missing: 0, duplicates: 0 });
		expect(await recorded()).toEqual({ sent: 300, activities: 300, counted: 300 });
	});

	it('keeps the session time zone UTC that OPhir asks for', async () => {
		const { rows } = await db.pool.query(`SELECT current_setting('TimeZone') AS zone`);
		expect(rows[0].zone).toBe('UTC');
	});
});
