import { closeAllPools, closeIdlePools, getPool, poolStats } from '../../nodes/core/db';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('the per-process pool registry', () => {
	let db: TestDatabase;

	beforeAll(async () => {
		db = await createTestDatabase({ migrate: false });
	});
	afterAll(async () => {
		await closeAllPools();
		await db.drop();
	});

	it('returns one pool per credential and reuses it across calls (executions)', async () => {
		const first = getPool(db.settings);
		const again = getPool({ ...db.settings, pool: { ...db.settings.pool } });
		expect(again).toBe(first);
		const other = getPool({ ...db.settings, pool: { ...db.settings.pool, max: 3 } });
		expect(other).not.toBe(first);
		await first.query('SELECT 1');
		expect(poolStats(db.settings)).toMatchObject({ pools: 1, total: 1, idle: 1, waiting: 0 });
		await other.end();
	});

	it('closes pools nobody has used for a while, but never one with a client checked out', async () => {
		const idleSettings = { ...db.settings, pool: { ...db.settings.pool, max: 2 } };
		const busySettings = { ...db.settings, pool: { ...db.settings.pool, max: 4 } };
		const idle = getPool(idleSettings);
		const busy = getPool(busySettings);
		await idle.query('SELECT 1');
		const held = await busy.connect();
		try {
			const closed = await closeIdlePools(0, Date.now() + 1);
			expect(closed).toBeGreaterThanOrEqual(1);
			expect(idle.ended).toBe(true);
			expect(busy.ended).toBe(false);
			// A closed pool is replaced on next use.
			const reopened = getPool(idleSettings);
			expect(reopened).not.toBe(idle);
			await expect(reopened.query('SELECT 1 AS ok')).resolves.toMatchObject({ rows: [{ ok: 1 }] });
		} finally {
			held.release();
		}
	});

	it('keeps TIMESTAMP columns in UTC whatever the time zone of the n8n process', async () => {
		// jest.config.js runs the tests in America/New_York.
		expect(new Date('2026-01-15T12:00:00Z').getHours()).toBe(7);
		const pool = getPool({ ...db.settings, pool: { ...db.settings.pool, max: 5 } });
		const { rows } = await pool.query(
			`SELECT current_setting('TimeZone') AS zone, CURRENT_TIMESTAMP::timestamp AS now,
			        '2026-03-08 07:30:00'::timestamp AS fixed`,
		);
		expect(rows[0].zone).toBe('UTC');
		expect(Math.abs((rows[0].now as Date).getTime() - Date.now())).toBeLessThan(60_000);
		expect((rows[0].fixed as Date).toISOString()).toBe('2026-03-08T07:30:00.000Z');
	});
});
