import { closeAllPools, closeIdlePools, getPool, poolStats } from '../nodes/core/pool';
import { createTestDatabase, type TestDatabase } from './support/database';

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
});
