import { scheduleDueSteps } from '../nodes/core/scheduling';
import { SecretBox } from '../nodes/core/secretBox';
import { sendDueEmails } from '../nodes/core/sender';
import { closeAllTransports } from '../nodes/core/transportPool';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startSilentServer } from './support/faults';
import { KEY, organizationFactory, TRACKING } from './support/outreach';
import { SINK_PASSWORD, SmtpSink } from './support/smtpSink';

/**
 * Issue #12: an SMTP server that accepts the connection and then hangs. Send Due Emails gives up on that mailbox
 * within its timeout (OPHIR_SMTP_TIMEOUT_MS, short here), its emails go back to the queue with their attempt
 * counted, and the other mailboxes' emails still go out in the same run.
 */
describe('a hanging SMTP server', () => {
	const TIMEOUT_MS = 1500;
	let db: TestDatabase;
	let sink: SmtpSink;
	let silent: Awaited<ReturnType<typeof startSilentServer>>;
	const box = new SecretBox(KEY);

	beforeAll(async () => {
		// Read for each new transport; jest gives each test file its own process.env.
		process.env.OPHIR_SMTP_TIMEOUT_MS = String(TIMEOUT_MS);
		db = await createTestDatabase();
		sink = await new SmtpSink().start();
		silent = await startSilentServer();
	});
	afterAll(async () => {
		closeAllTransports();
		await Promise.all([sink.stop(), silent.stop()]);
		await db.drop();
	});

	const organization = organizationFactory(() => ({
		db,
		box,
		name: 'Hanging server',
		account: { smtp: { host: '127.0.0.1', port: sink.port, security: 'none' }, password: SINK_PASSWORD, dailyLimit: 100 },
	}));

	it('gives up on the hanging mailbox within its timeout; the other mailboxes send in the same run', async () => {
		const hanging = { smtp: { host: '127.0.0.1', port: silent.port, security: 'none' as const, user: 'stuck' } };
		const { tenant, accountIds } = await organization({ accounts: [{}, hanging, {}], leads: 60 });
		const now = new Date(Date.now() + 1000);
		await tenant.as((tx) => scheduleDueSteps(tx, { now }));
		const { rows: planned } = await db.pool.query<{ account: string; n: number }>(
			`SELECT email_account_id AS account, count(*)::int AS n FROM email_queue WHERE organization_id = $1 GROUP BY 1`,
			[tenant.id],
		);
		const stuck = planned.find((row) => row.account === accountIds[1])!.n;
		expect(stuck).toBeGreaterThan(0);

		const started = Date.now();
		const summary = await sendDueEmails(tenant.as, box, { batchSize: 100, leaseSeconds: 60, tracking: TRACKING, now: () => now });
		const took = Date.now() - started;
		console.log(`a hanging mailbox with ${stuck} of 60 emails: the run took ${took} ms (timeout ${TIMEOUT_MS} ms), ${silent.connections()} connections to it`);
		expect(summary).toMatchObject({ claimed: 60, sent: 60 - stuck, retrying: stuck, failed: 0, mailboxPaused: 0 });
		expect(sink.received).toHaveLength(60 - stuck);
		// One timeout (a few in parallel on the pool's connections), not one per email.
		expect(took).toBeLessThan(TIMEOUT_MS * 4);
		const { rows } = await db.pool.query(
			`SELECT status, attempts, error_message FROM email_queue WHERE organization_id = $1 AND email_account_id = $2`,
			[tenant.id, accountIds[1]],
		);
		expect(rows).toHaveLength(stuck);
		for (const row of rows) {
			expect(row).toMatchObject({ status: 'queued', attempts: 1 });
			// The timed-out emails say so; the others that the run gave up say why.
			expect(row.error_message).toMatch(/^(not sent: the mailbox's SMTP server did not answer in time in this run \()?Greeting never received/);
		}
		const { rows: mailbox } = await db.pool.query('SELECT status FROM email_accounts WHERE id = $1', [accountIds[1]]);
		expect(mailbox[0].status).toBe('active');
	});
});
