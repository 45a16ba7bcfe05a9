import { createTestDatabase, type TestDatabase } from '../support/database';
import { tenantIsolationChecks } from '../support/tenantIsolationChecks';

describe('tenant isolation by row-level security', () => {
	let db: TestDatabase;

	beforeAll(async () => {
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await db.drop();
	});

	tenantIsolationChecks(() => db);
});
