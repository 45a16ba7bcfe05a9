import { importLeads, listCustomFields } from '../../nodes/core/outreach';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { newTenant } from '../support/tenants';

describe('listCustomFields', () => {
	let db: TestDatabase;
	let org: Awaited<ReturnType<typeof newTenant>>;
	let other: Awaited<ReturnType<typeof newTenant>>;

	beforeAll(async () => {
		db = await createTestDatabase();
		org = await newTenant(db);
		other = await newTenant(db);
		await org.as((tx) =>
			importLeads(tx, [
				{ email: 'a@fields.test', data: { city: 'Lyon', score: 1, Zone: 'EU' } },
				{ email: 'b@fields.test', data: { city: 'Oslo', score: '2' } },
				{ email: 'c@fields.test', data: { city: 'Rome', score: 3, tags: ['x'] } },
				{ email: 'd@fields.test' },
			]),
		);
		await other.as((tx) => importLeads(tx, [{ email: 'e@fields.test', data: { theirs: true } }]));
		// A row written past the core, whose data is no object: skipped, not an error.
		await db.pool.query(`INSERT INTO leads (organization_id, email, data) VALUES ($1, 'raw@fields.test', '[1, 2]')`, [
			org.id,
		]);
	});

	afterAll(async () => {
		await db?.drop();
	});

	it("lists the organization's keys alphabetically (ignoring case), each with its values' most common type and its lead count", async () => {
		expect(await org.as((tx) => listCustomFields(tx))).toEqual([
			{ key: 'city', type: 'string', leads: 3 },
			{ key: 'score', type: 'number', leads: 3 },
			{ key: 'tags', type: 'array', leads: 1 },
			{ key: 'Zone', type: 'string', leads: 1 },
		]);
		expect(await other.as((tx) => listCustomFields(tx))).toEqual([{ key: 'theirs', type: 'boolean', leads: 1 }]);
	});

	it('keeps the keys the most leads hold when there are more than the limit', async () => {
		expect((await org.as((tx) => listCustomFields(tx, 2))).map((field) => field.key)).toEqual(['city', 'score']);
		await expect(org.as((tx) => listCustomFields(tx, 0))).rejects.toThrow(
			'Limit must be a whole number from 1 to 1000',
		);
	});
});
