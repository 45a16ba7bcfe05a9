import { sleep } from '../../scripts/lib/wait';
import { testCredential } from '../support/credentialTest';
import { createTestDatabase } from '../support/database';
import { dueEmailsFactory, nextEmail } from '../support/faults';
import { type OwnPostgres, startOwnPostgres } from '../support/ownPostgres';
import { sendingFixture } from '../support/sendingFixture';

/**
 * Issue #12: the PostgreSQL server itself stopped (fast shutdown) and started again, between runs and during one.
 * The credential test and the next run work again in the same process, every email is delivered, none twice.
 * The server is this file's own, so stopping it disturbs no other test file.
 */
describe('PostgreSQL restarted', () => {
	let server: OwnPostgres;
	const sending = sendingFixture({
		// This file's own server: stopping it disturbs no other test file.
		database: async () => {
			server = await startOwnPostgres();
			return createTestDatabase({ server: server.url });
		},
	});
	afterAll(() => server?.destroy());

	const dueEmails = dueEmailsFactory(() => sending);
	/** The credential test as n8n runs it when a user clicks "Test". */
	const credentialTest = () => testCredential({ connection: 'connectionString', connectionString: sending.db.url });

	it('between runs: while it is down the credential test and a run fail cleanly; once it is back both work', async () => {
		const { send, drain, delivered, recorded } = await dueEmails(300, 2);
		expect(await credentialTest()).toMatchObject({ status: 'OK' });
		expect(await send(undefined, 100)).toMatchObject({ claimed: 100, sent: 100 });

		await server.stop();
		expect(await credentialTest()).toEqual({ status: 'Error', message: expect.stringMatching(/connection refused/) });
		await expect(send(undefined, 100)).rejects.toThrow();

		await server.start();
		expect(await credentialTest()).toMatchObject({ status: 'OK' });
		expect(await send(undefined, 100)).toMatchObject({ claimed: 100, sent: 100 });
		await drain();
		expect(delivered()).toEqual({ missing: 0, duplicates: 0 });
		expect(await recorded()).toEqual({ sent: 300, activities: 300, counted: 300 });
	});

	it('during a run: the batch sent while it restarts is recorded once it is back, within the lease; none goes out twice', async () => {
		const { send, drain, delivered, recorded } = await dueEmails(500, 2);
		const firstEmail = nextEmail(sending.sink);
		const run = send(undefined, 500).catch((error: Error) => error);
		await firstEmail;
		await server.stop();
		const stopped = Date.now();
		await sleep(1000);
		await server.start();
		const result = await run;
		const finished = Date.now() - stopped;
		console.log(
			`PostgreSQL down for 1 s during a run of 500: the run ${result instanceof Error ? `failed (${result.message})` : 'finished'} ${finished} ms after the stop`,
		);
		// It recorded its batch after the server was back, not before it went.
		expect(finished).toBeGreaterThan(1000);
		expect(result).toMatchObject({ claimed: 500, sent: 500 });
		await drain();
		expect(delivered()).toEqual({ missing: 0, duplicates: 0 });
		expect(await recorded()).toEqual({ sent: 500, activities: 500, counted: 500 });
		expect(await credentialTest()).toMatchObject({ status: 'OK' });
	});
});
