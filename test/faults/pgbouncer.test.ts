import { type DatabaseSettings, databaseSettingsFromEnv, getPool } from '../../nodes/core/db';
import { adminUrl, createTestDatabase } from '../support/database';
import { dueEmailsFactory } from '../support/faults';
import { hasPgBouncer, startPgBouncer } from '../support/pgbouncer';
import { sendingFixture } from '../support/sendingFixture';
import { tenantIsolationChecks } from '../support/tenantIsolationChecks';

/**
 * Issue #12: OPhir behind PgBouncer in transaction-pooling mode (Debian's `pgbouncer`, started here on a loopback
 * port in front of the test server). The tenant-isolation checks and a schedule-and-send run pass through it unchanged.
 */
const skipped = hasPgBouncer ? '' : ' (skipped: `pgbouncer` is not installed; apt-get install pgbouncer)';

(hasPgBouncer ? describe : describe.skip)(`OPhir through PgBouncer in transaction mode${skipped}`, () => {
	const sending = sendingFixture({
		/** A fresh database reached through PgBouncer: what OPhir's nodes use here. */
		async database() {
			const direct = await createTestDatabase();
			const bouncer = await startPgBouncer(adminUrl()).catch(async (error: Error) => {
				await direct.drop();
				throw error;
			});
			const url = bouncer.through(direct.url);
			// PgBouncer 1.18 in transaction mode hands each transaction any server connection: prepared statements off.
			const settings = databaseSettingsFromEnv({
				DATABASE_URL: url,
				DB_PREPARED_STATEMENTS: 'false',
			}) as DatabaseSettings;
			const pool = getPool(settings);
			const drop = async () => {
				await pool.end();
				await bouncer.stop();
				await direct.drop();
			};
			return { ...direct, url, settings, pool, drop };
		},
	});

	describe('tenant isolation', () => {
		tenantIsolationChecks(() => sending.db);
	});

	it('schedules and sends: every email once, recorded once', async () => {
		const { send, delivered, recorded } = await dueEmailsFactory(() => sending)(300, 2);
		expect(await send(undefined, 200)).toMatchObject({ claimed: 200, sent: 200 });
		expect(await send(undefined, 200)).toMatchObject({ claimed: 100, sent: 100 });
		expect(delivered()).toEqual({ missing: 0, duplicates: 0 });
		expect(await recorded()).toEqual({ sent: 300, activities: 300, counted: 300 });
	});

	it('keeps the session time zone UTC that OPhir asks for', async () => {
		const { rows } = await sending.db.pool.query(`SELECT current_setting('TimeZone') AS zone`);
		expect(rows[0].zone).toBe('UTC');
	});
});
