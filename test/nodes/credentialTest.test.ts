import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { applyMigrations, loadMigrations } from '../../nodes/core/db';
import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { testCredential } from '../support/credentialTest';
import { createTestDatabase, serverTrustsEveryLogin, type TestDatabase, urlForDatabase } from '../support/database';

/** The credential's own fields (host, port, ...) for a database URL. */
function fieldsFor(url: string, extra: ICredentialDataDecryptedObject = {}): ICredentialDataDecryptedObject {
	const parsed = new URL(url);
	return {
		connection: 'fields',
		host: parsed.hostname,
		port: Number(parsed.port),
		database: parsed.pathname.slice(1),
		user: decodeURIComponent(parsed.username),
		password: decodeURIComponent(parsed.password),
		...extra,
	};
}

// A server with trust authentication accepts any password: there a wrong one cannot be told apart.
const trustsEveryLogin = serverTrustsEveryLogin();
const withPasswordCheck = trustsEveryLogin ? it.skip : it;
const passwordSkipped = trustsEveryLogin
	? ' (skipped: this PostgreSQL server trusts every login, so it accepts a wrong password)'
	: '';

describe('the OPhir PostgreSQL credential test', () => {
	let db: TestDatabase;

	beforeAll(async () => {
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await db.drop();
	});

	it('is wired to the node the way n8n finds it (testedBy -> methods.credentialTest)', () => {
		const node = new OphirCampaign();
		expect(node.description.credentials).toEqual([
			{ name: 'ophirPostgresApi', required: true, testedBy: 'ophirConnectionTest' },
		]);
		expect(typeof node.methods.credentialTest.ophirConnectionTest).toBe('function');
	});

	it('passes with host/port fields and with a connection string', async () => {
		await expect(testCredential(fieldsFor(db.url))).resolves.toEqual({
			status: 'OK',
			message: expect.stringContaining('acting for organization "System"'),
		});
		await expect(testCredential({ connection: 'connectionString', connectionString: db.url })).resolves.toMatchObject({
			status: 'OK',
		});
	});

	it('reports a server it cannot reach, with host:port and the reason', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const { port } = closed.address() as { port: number };
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		const result = await testCredential(fieldsFor(db.url, { port }));
		expect(result).toEqual({
			status: 'Error',
			message: `Cannot connect to PostgreSQL at 127.0.0.1:${port}/${db.name}: connection refused (is the server running and listening on that host and port?)`,
		});
	});

	it('reports a server that does not answer within the connection timeout', async () => {
		const silent: Server = createServer(() => undefined);
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		const { port } = silent.address() as { port: number };
		try {
			const result = await testCredential(fieldsFor(db.url, { port, connectionTimeoutSeconds: 1 }));
			expect(result).toEqual({
				status: 'Error',
				message: `Cannot connect to PostgreSQL at 127.0.0.1:${port}/${db.name}: no answer within the connection timeout.`,
			});
		} finally {
			silent.close();
		}
	});

	withPasswordCheck(`reports a wrong password as such${passwordSkipped}`, async () => {
		const fields = fieldsFor(db.url, { password: 'definitely-wrong' });
		await expect(testCredential(fields)).resolves.toEqual({
			status: 'Error',
			message: `Wrong password for user "${fields.user}" at 127.0.0.1:${fields.port}/${db.name} (the server rejected the password).`,
		});
	});

	it('reports a database that does not exist', async () => {
		const result = await testCredential(fieldsFor(urlForDatabase('ophir_missing_db', db.url)));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/the database in 127\.0\.0\.1:\d+\/ophir_missing_db does not exist/);
	});

	it('reports a database without the OPhir schema and says how to install it', async () => {
		const empty = await createTestDatabase({ migrate: false });
		try {
			const result = await testCredential(fieldsFor(empty.url));
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/but the OPhir schema is not installed there/);
			expect(result.message).toMatch(/Database > Apply Migrations/);
			expect(result.message).toMatch(/psql -d <database> -f database\/init\.sql/);
		} finally {
			await empty.drop();
		}
	});

	it('reports a schema that lacks migrations this package needs', async () => {
		const old = await createTestDatabase({ migrate: false });
		try {
			const migrations = loadMigrations();
			await applyMigrations(old.pool, migrations.slice(0, -1));
			const newest = migrations[migrations.length - 1];
			const result = await testCredential(fieldsFor(old.url));
			expect(result.status).toBe('Error');
			expect(result.message).toContain(`the OPhir schema is out of date (missing ${newest.version}_${newest.name})`);
		} finally {
			await old.drop();
		}
	});

	it('reports an organization that does not exist, and an ID that is not a UUID', async () => {
		const missing = randomUUID();
		await expect(testCredential(fieldsFor(db.url, { organizationId: missing }))).resolves.toEqual({
			status: 'Error',
			message: expect.stringMatching(new RegExp(`^Organization ${missing} was not found in `)),
		});
		await expect(testCredential(fieldsFor(db.url, { organizationId: 'acme' }))).resolves.toEqual({
			status: 'Error',
			message: 'Organization ID must be a UUID such as 00000000-0000-0000-0000-000000000001',
		});
	});
});
