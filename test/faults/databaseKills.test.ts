import { Client } from 'pg';

import { withTenant } from '../../nodes/core/db';
import { sleep } from '../../scripts/lib/wait';
import { dueEmailsFactory, nextEmail, repeatedly, terminateBackends } from '../support/faults';
import { sendingFixture } from '../support/sendingFixture';

/**
 * Issue #12: OPhir's PostgreSQL connections terminated (pg_terminate_backend) while Send Due Emails works. Runs fail
 * cleanly or finish, the pool recovers, the next runs deliver everything, and an email goes out twice only if its
 * batch could not be recorded within the lease. Nothing may escape as an uncaught exception: jest fails the test
 * that is running when one does (each killed checked-out client did, before pool.ts listened to it).
 */
describe('PostgreSQL connections killed mid-send', () => {
	const sending = sendingFixture();
	const dueEmails = dueEmailsFactory(() => sending);

	it('rejects a transaction whose connection was killed between two queries, and recovers', async () => {
		const { tenant } = await dueEmails(1, 1);
		await expect(
			withTenant(sending.db.pool, tenant.id, async (client) => {
				await client.query('SELECT 1');
				await terminateBackends(sending.db.name);
				// pg reports the lost connection as an 'error' event on the checked-out client, before the next query.
				await sleep(200);
				await client.query('SELECT 1');
			}),
		).rejects.toThrow();
		// The pool hands out a fresh connection: no restart needed.
		expect((await sending.db.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
	});

	it('records a sent batch on a fresh connection when the one recording it is killed: no email goes out twice', async () => {
		const { tenant, send, drain, delivered, recorded } = await dueEmails(200, 2);
		// Once the claim committed (the first email reaches the server), hold the mailbox rows, so the batch's record
		// transaction waits for them; kill OPhir's connections while it waits.
		const holder = new Client({ connectionString: sending.db.url });
		await holder.connect();
		try {
			const firstEmail = nextEmail(sending.sink);
			const run = send().catch((error: Error) => error);
			await firstEmail;
			await holder.query('BEGIN');
			await holder.query(`SELECT 1 FROM email_accounts WHERE organization_id = $1 FOR UPDATE`, [tenant.id]);
			await waitForLockWait(holder, sending.db.name);
			expect(await terminateBackends(sending.db.name)).toBeGreaterThan(0);
			await holder.query('ROLLBACK');
			const result = await run;
			await drain();
			const { missing, duplicates } = delivered();
			console.log(
				`killed while recording a batch of 200: the run ${result instanceof Error ? `failed (${result.message})` : 'finished'}, ${duplicates} duplicates`,
			);
			expect({ missing, duplicates }).toEqual({ missing: 0, duplicates: 0 });
			expect(result).toMatchObject({ claimed: 200, sent: 200 });
			expect(await recorded()).toEqual({ sent: 200, activities: 200, counted: 200 });
		} finally {
			await holder.end();
		}
	});

	it('survives repeated kills over a batch of thousands: every email delivered, none twice', async () => {
		const LEADS = 1500;
		const { send, drain, delivered, recorded } = await dueEmails(LEADS, 3);
		const failures: string[] = [];
		const started = Date.now();
		// A burst of kills, about four a second for six seconds, while runs go on as a schedule would start them.
		const killer = repeatedly(() => terminateBackends(sending.db.name), 250, 24);
		let killing = true;
		void killer.done.then(() => (killing = false));
		let kills = 0;
		try {
			for (let runs = 0; runs < 40 && (killing || delivered().missing > 0); runs++) {
				await send().catch((error: Error) => failures.push(error.message));
			}
		} finally {
			kills = await killer.stop();
		}
		const during = Date.now() - started;
		await drain();
		const { missing, duplicates } = delivered();
		console.log(
			`${LEADS} emails, 3 mailboxes, backends terminated ${kills} times over ${during} ms: ${failures.length} runs failed, ` +
				`${duplicates} duplicates`,
		);
		expect(kills).toBeGreaterThanOrEqual(5);
		expect({ missing, duplicates }).toEqual({ missing: 0, duplicates: 0 });
		expect(await recorded()).toEqual({ sent: LEADS, activities: LEADS, counted: LEADS });
	});
});

/** Resolves once one of OPhir's connections to `database` waits for a row lock. */
async function waitForLockWait(admin: Client, database: string): Promise<void> {
	for (let i = 0; i < 200; i++) {
		const { rowCount } = await admin.query(
			`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'n8n-nodes-ophir' AND wait_event_type = 'Lock'`,
			[database],
		);
		if (rowCount) return;
		await sleep(50);
	}
	throw new Error('the record transaction never waited for the held mailbox');
}
