import { type CampaignConfigInput, setEmailAccountPaused, updateEmailAccount } from '../../nodes/core/outreach';
import { scheduleDueSteps, sendDueEmails, type SendDueOptions } from '../../nodes/core/sending';
import { TRACKING } from '../support/outreach';
import { sendingFixture } from '../support/sendingFixture';
import { SINK_PASSWORD } from '../support/smtpSink';

const SECOND = 1000;

describe('sending through a faulty SMTP server', () => {
	const sending = sendingFixture({
		name: 'Fault test',
		account: { dailyLimit: 100 },
		config: {
			sequence: [
				{ subject: 'Hi {{firstName}}', body: 'Hello {{firstName}}' },
				{ delayDays: 1, subject: 'Again', body: 'Following up' },
			],
		},
	});
	afterEach(() => {
		sending.sink.behaviour = () => 'accept';
	});

	async function setUp({
		password = SINK_PASSWORD,
		leads = 1,
		config = {},
	}: { password?: string; leads?: number; config?: Partial<CampaignConfigInput> } = {}) {
		const { tenant, campaign, accountIds, leadEmails } = await sending.organization({
			accounts: [{ password }],
			leads,
			config,
		});
		const account = { id: accountIds[0] };
		const now = new Date(Date.now() + SECOND);
		await tenant.as((tx) => scheduleDueSteps(tx, { now }));
		const send = (at: Date, options: Partial<SendDueOptions> = {}) =>
			sendDueEmails(tenant.as, sending.box, {
				batchSize: 10,
				leaseSeconds: 60,
				tracking: TRACKING,
				now: () => at,
				...options,
			});
		const row = async () =>
			(
				await sending.db.pool.query(
					'SELECT status, attempts, error_message, message_id, scheduled_at FROM email_queue WHERE organization_id = $1 AND sequence_step = 1',
					[tenant.id],
				)
			).rows[0];
		return { tenant, account, campaign, leadEmail: leadEmails[0], now, send, row };
	}

	const after = (start: Date, seconds: number) => new Date(start.getTime() + seconds * SECOND);

	it('retries a 451 at RCPT TO after the backoff and delivers once (two attempts)', async () => {
		const { leadEmail, now, send, row } = await setUp();
		sending.sink.behaviour = ({ to, attempt }) =>
			to[0] === leadEmail && attempt === 1
				? { code: 451, message: 'Greylisted, try again later', at: 'rcpt' }
				: 'accept';
		const first = await send(now);
		expect(first).toMatchObject({ claimed: 1, sent: 0, retrying: 1 });
		expect(first.results[0].error).toContain('451');
		expect(await row()).toMatchObject({ status: 'queued', attempts: 1, scheduled_at: after(now, 60) });
		// Not before the backoff has passed.
		expect(await send(after(now, 59))).toMatchObject({ claimed: 0 });
		expect(await send(after(now, 61))).toMatchObject({ claimed: 1, sent: 1 });
		expect(sending.sink.to(leadEmail)).toHaveLength(1);
		expect(sending.sink.attemptsFor(leadEmail)).toBe(2);
		expect(await row()).toMatchObject({ status: 'sent', attempts: 2, error_message: null });
	});

	it('treats a 550 at RCPT TO as a hard bounce: failed, bounced event, lead bounced and suppressed, no further steps', async () => {
		const { tenant, leadEmail, now, send, row } = await setUp();
		sending.sink.behaviour = ({ to }) =>
			to[0] === leadEmail ? { code: 550, message: 'No such user here', at: 'rcpt' } : 'accept';
		expect(await send(now)).toMatchObject({ claimed: 1, bounced: 1, sent: 0 });
		expect(sending.sink.to(leadEmail)).toHaveLength(0);
		expect(await row()).toMatchObject({ status: 'failed', attempts: 1 });
		expect((await row()).error_message).toContain('550');
		const { rows: activities } = await sending.db.pool.query(
			`SELECT event_type, metadata FROM email_activities WHERE organization_id = $1 ORDER BY timestamp`,
			[tenant.id],
		);
		expect(activities).toEqual([
			{
				event_type: 'bounced',
				metadata: expect.objectContaining({ bounceType: 'hard', source: 'smtp', smtpCode: 550, step: 1 }),
			},
		]);
		const { rows } = await sending.db.pool.query(
			`SELECT (SELECT status FROM leads WHERE organization_id = $1) AS lead_status,
			        (SELECT array_agg(email || ':' || reason) FROM unsubscribes WHERE organization_id = $1) AS suppressed`,
			[tenant.id],
		);
		expect(rows[0]).toEqual({ lead_status: 'bounced', suppressed: [`${leadEmail}:hard bounce`] });
		// Days later the follow-up would be due: nothing is scheduled for a bounced lead.
		expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: after(now, 3 * 86_400) }))).toMatchObject({
			scheduled: 0,
		});
	});

	it('fails (without a bounce) an email the server refuses after DATA with a 5xx', async () => {
		const { tenant, leadEmail, now, send, row } = await setUp();
		sending.sink.behaviour = () => ({ code: 554, message: 'Message rejected as spam', at: 'data' });
		expect(await send(now)).toMatchObject({ claimed: 1, failed: 1, bounced: 0 });
		expect(await row()).toMatchObject({ status: 'failed' });
		expect((await row()).error_message).toContain('554');
		const { rows } = await sending.db.pool.query(`SELECT status FROM leads WHERE organization_id = $1`, [tenant.id]);
		expect(rows[0].status).toBe('active');
		expect(sending.sink.to(leadEmail)).toHaveLength(0);
	});

	it('retries an email whose connection dropped in the middle of DATA, and delivers it once later', async () => {
		const { leadEmail, now, send, row } = await setUp();
		sending.sink.behaviour = ({ attempt }) => (attempt === 1 ? 'drop' : 'accept');
		const first = await send(now);
		expect(first).toMatchObject({ claimed: 1, retrying: 1, sent: 0 });
		expect(sending.sink.to(leadEmail)).toHaveLength(0);
		expect(await row()).toMatchObject({ status: 'queued', attempts: 1 });
		expect(await send(after(now, 61))).toMatchObject({ claimed: 1, sent: 1 });
		expect(sending.sink.to(leadEmail)).toHaveLength(1);
		expect(await row()).toMatchObject({ status: 'sent', attempts: 2 });
	});

	it('pauses a mailbox whose password the server refuses; its email waits without losing an attempt', async () => {
		const { tenant, account, leadEmail, now, send, row } = await setUp({ password: 'dummy-wrong-password' });
		const summary = await send(now);
		expect(summary).toMatchObject({ claimed: 1, mailboxPaused: 1, sent: 0 });
		expect(await row()).toMatchObject({ status: 'queued', attempts: 0 });
		const { rows } = await sending.db.pool.query('SELECT status, paused_reason FROM email_accounts WHERE id = $1', [
			account.id,
		]);
		expect(rows[0].status).toBe('paused');
		expect(rows[0].paused_reason).toMatch(/^The SMTP server refused the mailbox's sign-in: .*535/);
		// Paused: nothing more is claimed for it.
		expect(await send(after(now, 61))).toMatchObject({ claimed: 0 });
		// Fixed and resumed, the email goes out on its first counted attempt.
		await tenant.as((tx) => updateEmailAccount(tx, sending.box, account.id, { password: SINK_PASSWORD }));
		await tenant.as((tx) => setEmailAccountPaused(tx, account.id, false));
		expect(await send(after(now, 120))).toMatchObject({ claimed: 1, sent: 1 });
		expect(await row()).toMatchObject({ status: 'sent', attempts: 1 });
		expect(sending.sink.to(leadEmail)).toHaveLength(1);
	});

	it('gives up after the last attempt: failed with "gave up after N attempts"', async () => {
		const { leadEmail, now, send, row } = await setUp();
		sending.sink.behaviour = () => ({ code: 451, message: 'Try again later', at: 'rcpt' });
		const retry = { maxAttempts: 3, backoffSeconds: 10 };
		expect(await send(now, { retry })).toMatchObject({ retrying: 1 });
		expect(await row()).toMatchObject({ scheduled_at: after(now, 10) });
		expect(await send(after(now, 10), { retry })).toMatchObject({ retrying: 1 });
		// The backoff doubles.
		expect(await row()).toMatchObject({ scheduled_at: after(now, 30) });
		const last = await send(after(now, 30), { retry });
		expect(last).toMatchObject({ claimed: 1, failed: 1, retrying: 0 });
		const final = await row();
		expect(final).toMatchObject({ status: 'failed', attempts: 3 });
		expect(final.error_message).toMatch(/451 Try again later.* \(gave up after 3 attempts\)$/);
		expect(await send(after(now, 3600), { retry })).toMatchObject({ claimed: 0 });
		expect(sending.sink.attemptsFor(leadEmail)).toBe(3);
		expect(sending.sink.to(leadEmail)).toHaveLength(0);
	});
});
