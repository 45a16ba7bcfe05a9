import { getPool, statementName, SYSTEM_ORGANIZATION_ID, withTenant } from '../../nodes/core/db';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * Prepared statements: each statement of a tenant transaction is prepared once per connection (named by its text),
 * unless the credential turns them off (PgBouncer in transaction mode before 1.21).
 */
describe('prepared statements', () => {
	let db: TestDatabase;

	beforeAll(async () => {
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await db.drop();
	});

	const PROBE = 'SELECT count(*)::int AS n FROM campaigns';
	/** The OPhir statements prepared on the connection of one tenant transaction, after it ran PROBE. */
	const preparedIn = (pool: ReturnType<typeof getPool>) =>
		withTenant(pool, SYSTEM_ORGANIZATION_ID, async (tx) => {
			await tx.query(PROBE);
			const { rows } = await tx.query<{ name: string }>(
				`SELECT name FROM pg_prepared_statements WHERE name LIKE 'ophir\\_%' ORDER BY name`,
			);
			return rows.map((row) => row.name);
		});

	it('prepares the tenant set-up and each statement once per connection, by default', async () => {
		const names = await preparedIn(getPool({ ...db.settings, pool: { ...db.settings.pool, max: 1 } }));
		expect(names).toContain(statementName(PROBE));
		expect(names.length).toBeGreaterThanOrEqual(2);
		expect(statementName(PROBE)).toBe(statementName(PROBE));
		expect(statementName(PROBE)).not.toBe(statementName(`${PROBE} `));
	});

	it('prepares nothing when the credential turns prepared statements off', async () => {
		const pool = getPool({ ...db.settings, preparedStatements: false, pool: { ...db.settings.pool, max: 1 } });
		expect(await preparedIn(pool)).toEqual([]);
	});
});
