import { scheduleDueSteps, sendDueEmails } from '../../nodes/core/sending';
import { startSilentServer } from '../support/faults';
import { TRACKING } from '../support/outreach';
import { sendingFixture } from '../support/sendingFixture';

/**
 * Issue #12: an SMTP server that accepts the connection and then hangs. Send Due Emails gives up on that mailbox
 * within its timeout (OPHIR_SMTP_TIMEOUT_MS, short here), its emails go back to the queue with their attempt
 * counted, and the other mailboxes' emails still go out in the same run. Emails already handed to the transport
 * are not cut off: what the server accepts on the mailbox's other connections is recorded sent.
 */
describe('a hanging SMTP server', () => {
	const TIMEOUT_MS = 1500;
	const sending = sendingFixture({ name: 'Hanging server', account: { dailyLimit: 100 } });
	let silent: Awaited<ReturnType<typeof startSilentServer>>;

	beforeAll(async () => {
		// Read for each new transport; jest gives each test file its own process.env.
		process.env.OPHIR_SMTP_TIMEOUT_MS = String(TIMEOUT_MS);
		silent = await startSilentServer();
	});
	afterAll(() => silent?.stop());

	it('gives up on the hanging mailbox within its timeout; the other mailboxes send in the same run', async () => {
		const hanging = { smtp: { host: '127.0.0.1', port: silent.port, security: 'none' as const, user: 'stuck' } };
		const { tenant, accountIds } = await sending.organization({ accounts: [{}, hanging, {}], leads: 60 });
		const now = new Date(Date.now() + 1000);
		await tenant.as((tx) => scheduleDueSteps(tx, { now }));
		const { rows: planned } = await sending.db.pool.query<{ account: string; n: number }>(
			`SELECT email_account_id AS account, count(*)::int AS n FROM email_queue WHERE organization_id = $1 GROUP BY 1`,
			[tenant.id],
		);
		const stuck = planned.find((row) => row.account === accountIds[1])!.n;
		expect(stuck).toBeGreaterThan(0);

		const started = Date.now();
		const summary = await sendDueEmails(tenant.as, sending.box, {
			batchSize: 100,
			leaseSeconds: 60,
			tracking: TRACKING,
			now: () => now,
		});
		const took = Date.now() - started;
		console.log(
			`a hanging mailbox with ${stuck} of 60 emails: the run took ${took} ms (timeout ${TIMEOUT_MS} ms), ${silent.connections()} connections to it`,
		);
		expect(summary).toMatchObject({ claimed: 60, sent: 60 - stuck, retrying: stuck, failed: 0, mailboxPaused: 0 });
		expect(sending.sink.received).toHaveLength(60 - stuck);
		// One timeout (a few in parallel on the pool's connections), not one per email.
		expect(took).toBeLessThan(TIMEOUT_MS * 4);
		const { rows } = await sending.db.pool.query(
			`SELECT status, attempts, error_message FROM email_queue WHERE organization_id = $1 AND email_account_id = $2`,
			[tenant.id, accountIds[1]],
		);
		expect(rows).toHaveLength(stuck);
		for (const row of rows) {
			expect(row).toMatchObject({ status: 'queued', attempts: 1 });
			// The timed-out emails say so; the others that the run gave up say why.
			expect(row.error_message).toMatch(
				/^(not sent: the mailbox's SMTP server did not answer in time in this run \()?Greeting never received/,
			);
		}
		const { rows: mailbox } = await sending.db.pool.query('SELECT status FROM email_accounts WHERE id = $1', [
			accountIds[1],
		]);
		expect(mailbox[0].status).toBe('active');
	});

	it("gives up only the emails not yet handed over: the server's other connections finish what they were accepting", async () => {
		// One mailbox on the sink: its pool's three connections get its first three emails at once. The first one the
		// sink sees it takes and never answers (a stalled connection); the other two it takes as well and says 250
		// only once the client has given up on the stalled connection, so they are in flight when the run gives up.
		const { tenant, accountIds } = await sending.organization({ accounts: [{}], leads: 12 });
		const seen: string[] = [];
		let stalledClosed!: () => void;
		const closed = new Promise<void>((resolve) => (stalledClosed = resolve));
		sending.sink.behaviour = ({ to }) => {
			seen.push(to[0]);
			if (seen.length === 1) return { stall: true, onClose: stalledClosed };
			return { hold: true, until: closed, rcptDelayMs: TIMEOUT_MS / 2 };
		};
		const before = sending.sink.received.length;
		const now = new Date(Date.now() + 1000);
		await tenant.as((tx) => scheduleDueSteps(tx, { now }));

		const started = Date.now();
		const summary = await sendDueEmails(tenant.as, sending.box, {
			batchSize: 100,
			leaseSeconds: 60,
			tracking: TRACKING,
			now: () => now,
		}).finally(() => {
			sending.sink.behaviour = () => 'accept';
		});
		const took = Date.now() - started;
		const [stalled, ...held] = seen;
		console.log(
			`one of three connections stalled: the run took ${took} ms (timeout ${TIMEOUT_MS} ms), ${seen.length} emails handed over`,
		);
		// Only the three handed over reached the server; the other nine were never handed to the transport.
		expect(held).toHaveLength(2);
		const received = sending.sink.received.slice(before).map((mail) => mail.to[0]);
		expect(received.sort()).toEqual([...held].sort());
		// What the server accepted is recorded sent, not cut off and retried (which would send it twice).
		expect(summary).toMatchObject({ claimed: 12, sent: 2, retrying: 10, failed: 0 });
		for (const result of summary.results) expect(result.status).toBe(held.includes(result.to) ? 'sent' : 'retrying');
		expect(summary.results.find((result) => result.to === stalled)!.error).toMatch(/^Timeout/);
		expect(took).toBeLessThan(TIMEOUT_MS * 3);
		const { rows } = await sending.db.pool.query<{ email: string; status: string; attempts: number }>(
			`SELECT l.email, q.status, q.attempts FROM email_queue q JOIN leads l ON l.id = q.lead_id
			  WHERE q.organization_id = $1 AND q.email_account_id = $2`,
			[tenant.id, accountIds[0]],
		);
		expect(rows).toHaveLength(12);
		for (const row of rows)
			expect(row).toMatchObject({ status: held.includes(row.email) ? 'sent' : 'queued', attempts: 1 });
	});
});
