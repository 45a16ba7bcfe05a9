import type { CampaignConfigInput } from '../../nodes/core/outreach';
import {
	type Mailbox,
	type MailSender,
	queueStats,
	scheduleDueSteps,
	sendDueEmails,
	type SendDueOptions,
	type SendSummary,
} from '../../nodes/core/sending';
import { TRACKING } from '../support/outreach';
import { sendingFixture } from '../support/sendingFixture';
import { actingFor } from '../support/tenants';

const DAY = 86_400_000;

describe('sending engine: schedule, send, thread', () => {
	const sending = sendingFixture({
		name: 'Engine test',
		config: {
			sequence: [
				{
					subject: 'Hi {{firstName}}',
					body: '<p>Hello {{firstName}}, see <a href="https://example.com/pricing?a=1&amp;b=2">pricing</a>.</p>',
				},
				{ delayDays: 2, subject: 'Re: Hi {{firstName}}', body: 'Just following up.\n\nBest' },
			],
		},
	});

	async function setUp({
		leads = 3,
		accounts = 1,
		dailyLimit = 100,
		config = {},
	}: { leads?: number; accounts?: number; dailyLimit?: number; config?: Partial<CampaignConfigInput> } = {}) {
		const { tenant, campaign, accountIds, leadEmails } = await sending.organization({
			leads,
			config,
			accounts: Array.from({ length: accounts }, () => ({ dailyLimit })),
		});
		return { tenant, campaign, accountIds, leadEmails };
	}

	const send = (as: Parameters<typeof sendDueEmails>[0], now: Date, batchSize = 100) =>
		sendDueEmails(as, sending.box, { batchSize, leaseSeconds: 120, tracking: TRACKING, now: () => now });

	it('schedules the first step, sends it once, then the follow-up after its delay, threaded', async () => {
		const { tenant, leadEmails } = await setUp();
		const start = new Date(Date.now() + 1000);
		const first = await tenant.as((tx) => scheduleDueSteps(tx, { now: start }));
		expect(first).toMatchObject({ scheduled: 3, failed: 0, waitingForCapacity: 0 });
		expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: start }))).toMatchObject({ scheduled: 0 });

		const sent = await send(tenant.as, start);
		expect(sent).toMatchObject({ claimed: 3, sent: 3 });
		expect(await send(tenant.as, start)).toMatchObject({ claimed: 0 });
		// Not due yet: the follow-up waits two days after the first step.
		expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: new Date(start.getTime() + DAY) }))).toMatchObject({
			scheduled: 0,
		});

		const later = new Date(start.getTime() + 2 * DAY + 60_000);
		expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: later }))).toMatchObject({ scheduled: 3 });
		expect(await send(tenant.as, later)).toMatchObject({ sent: 3 });

		for (const email of leadEmails) {
			const mails = sending.sink.to(email);
			expect(mails).toHaveLength(2);
			const [one, two] = mails.map((m) => m.parsed);
			expect(one.subject).toMatch(/^Hi Lead\d$/);
			expect(two.subject).toBe(`Re: ${one.subject}`);
			expect(two.inReplyTo).toBe(one.messageId);
			expect(two.references).toEqual(one.messageId);
			const head = mails[0].raw.slice(0, mails[0].raw.indexOf('\r\n\r\n')).replace(/\r\n\s+/g, ' ');
			expect(head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
			expect(head).toMatch(
				new RegExp(
					`^List-Unsubscribe: <${TRACKING.baseUrl}/u\\?t=[\\w-]+>, <mailto:sender0@[^>]+\\?subject=unsubscribe>$`,
					'm',
				),
			);
			expect(one.text).toBeTruthy();
			expect(one.html).toContain(`${TRACKING.baseUrl}/c?t=`);
			expect(one.html).toContain(`${TRACKING.baseUrl}/o.gif?t=`);
			expect(one.html).toContain('1 Main Street, Springfield');
		}
		const stats = await tenant.as((tx) => queueStats(tx, { now: later }));
		expect(stats.byStatus).toEqual({ sent: 6 });
		const { rows } = await sending.db.pool.query(
			`SELECT status, sequence_position, last_step_sent_at IS NOT NULL AS sent FROM leads WHERE organization_id = $1`,
			[tenant.id],
		);
		expect(rows).toEqual(Array(3).fill({ status: 'completed', sequence_position: 2, sent: true }));
		const activities = await sending.db.pool.query(
			`SELECT count(*)::int AS n FROM email_activities WHERE organization_id = $1 AND event_type = 'sent'`,
			[tenant.id],
		);
		expect(activities.rows[0].n).toBe(6);
	});

	/** The header block of a raw message, folded lines joined. */
	const headerBlock = (raw: string) => raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n\s+/g, ' ');

	it('threads a three-step sequence: stored Message-IDs, In-Reply-To and References as the server received them', async () => {
		const { tenant, leadEmails, accountIds } = await setUp({
			leads: 2,
			config: {
				sequence: [
					{ subject: 'Hello {{firstName}}', body: 'One' },
					{ delayDays: 1, subject: 'Re: Hello {{firstName}}', body: 'Two' },
					{ delayDays: 1, subject: 'Re: Hello {{firstName}}', body: 'Three' },
				],
			},
		});
		let at = new Date(Date.now() + 1000);
		for (let step = 1; step <= 3; step++) {
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: at }))).toMatchObject({ scheduled: 2 });
			expect(await send(tenant.as, at)).toMatchObject({ sent: 2 });
			at = new Date(at.getTime() + DAY + 60_000);
		}
		const { rows } = await sending.db.pool.query(
			`SELECT l.email, q.sequence_step, q.message_id FROM email_queue q JOIN leads l ON l.id = q.lead_id
			 WHERE q.organization_id = $1 ORDER BY l.email, q.sequence_step`,
			[tenant.id],
		);
		const domain = `sender0@${tenant.id.slice(0, 8)}.example`.split('@')[1];
		for (const email of leadEmails) {
			const stored = rows.filter((r) => r.email === email).map((r) => r.message_id as string);
			expect(stored).toHaveLength(3);
			// <queue id>.o<organization id, 32 hex>@<mailbox domain>: a reply to a catch-all can be routed by it.
			const orgHex = tenant.id.replace(/-/g, '');
			for (const id of stored)
				expect(id).toMatch(new RegExp(`^<[0-9a-f-]{36}\\.o${orgHex}@${domain.replace('.', '\\.')}>$`));
			const mails = sending.sink.to(email);
			expect(mails.map((m) => m.parsed.messageId)).toEqual(stored);
			const [one, two, three] = mails.map((m) => m.parsed);
			expect(one.inReplyTo).toBeUndefined();
			expect(one.references).toBeUndefined();
			expect(two.inReplyTo).toBe(stored[0]);
			expect(two.references).toBe(stored[0]);
			expect(three.inReplyTo).toBe(stored[1]);
			expect(three.references).toEqual([stored[0], stored[1]]);
			for (const mail of mails) {
				expect(mail.user).toBe(`sender0@${domain}`);
				expect(mail.from).toBe(`sender0@${domain}`);
			}
		}
		expect(accountIds).toHaveLength(1);
	});

	it.each([
		['opens and clicks tracked', { opens: true, clicks: true }],
		['opens only', { opens: true, clicks: false }],
		['clicks only', { opens: false, clicks: true }],
		['no tracking', { opens: false, clicks: false }],
	])(
		'adds the pixel and tracked links only as the campaign says (%s), the footer and unsubscribe headers always',
		async (_name, tracking) => {
			const { tenant, leadEmails } = await setUp({
				leads: 1,
				config: { tracking, unsubscribeText: 'Stop these emails' },
			});
			const now = new Date(Date.now() + 1000);
			await tenant.as((tx) => scheduleDueSteps(tx, { now }));
			expect(await send(tenant.as, now)).toMatchObject({ sent: 1 });
			const [mail] = sending.sink.to(leadEmails[0]);
			const html = String(mail.parsed.html);
			expect(html.includes(`${TRACKING.baseUrl}/o.gif?t=`)).toBe(tracking.opens);
			expect(html.includes(`${TRACKING.baseUrl}/c?t=`)).toBe(tracking.clicks);
			expect(html.includes('href="https://example.com/pricing?a=1&amp;b=2"')).toBe(!tracking.clicks);
			expect(html).toMatch(
				new RegExp(`<a href="${TRACKING.baseUrl}/u\\?t=[\\w-]+">Stop these emails</a><br>1 Main Street, Springfield`),
			);
			expect(mail.parsed.text).toContain('1 Main Street, Springfield');
			expect(mail.parsed.text).toContain('Stop these emails');
			const head = headerBlock(mail.raw);
			expect(head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
			expect(head).toMatch(
				new RegExp(
					`^List-Unsubscribe: <${TRACKING.baseUrl}/u\\?t=[\\w-]+>, <mailto:sender0@[^>]+\\?subject=unsubscribe>$`,
					'm',
				),
			);
		},
	);

	/**
	 * Eight workers, each with its own transaction runner on the same pool, loop Send Due until nothing is left.
	 * One mailbox's limit is lowered after scheduling, so its capacity binds at claim time.
	 */
	async function eightWorkers(options: {
		leads: number;
		batchSize: number;
		transportFor?: (mailbox: Mailbox) => MailSender;
	}) {
		const { tenant, accountIds, leadEmails } = await setUp({
			leads: options.leads,
			accounts: 4,
			dailyLimit: options.leads,
		});
		const now = new Date(Date.now() + 1000);
		expect(await tenant.as((tx) => scheduleDueSteps(tx, { now }))).toMatchObject({ scheduled: options.leads });
		const perMailbox = options.leads / 4;
		const limited = Math.floor(perMailbox * 0.6);
		await sending.db.pool.query('UPDATE email_accounts SET daily_limit = $2 WHERE id = $1', [accountIds[3], limited]);
		const worker = async () => {
			const run = actingFor(sending.db, tenant.id);
			const summaries: SendSummary[] = [];
			const sendOptions: SendDueOptions = {
				batchSize: options.batchSize,
				leaseSeconds: 600,
				tracking: TRACKING,
				now: () => now,
				transportFor: options.transportFor,
			};
			for (;;) {
				const summary = await sendDueEmails(run, sending.box, sendOptions);
				summaries.push(summary);
				if (summary.claimed === 0) return summaries;
			}
		};
		const summaries = (await Promise.all(Array.from({ length: 8 }, worker))).flat();
		expect(summaries.reduce((n, s) => n + s.superseded + s.failed + s.retrying, 0)).toBe(0);
		const { rows: accounts } = await sending.db.pool.query(
			'SELECT id, email, daily_limit, current_sent_today FROM email_accounts WHERE organization_id = $1 ORDER BY email',
			[tenant.id],
		);
		const { rows: statuses } = await sending.db.pool.query(
			`SELECT email_account_id, status, count(*)::int AS n FROM email_queue WHERE organization_id = $1 GROUP BY 1, 2`,
			[tenant.id],
		);
		return { tenant, accountIds, leadEmails, accounts, statuses, perMailbox, limited };
	}

	it('delivers each of 5,000 emails exactly once with 8 concurrent workers, never above a mailbox limit (in-memory sender)', async () => {
		const delivered = new Map<string, number>();
		const byMailbox = new Map<string, number>();
		const transportFor = (mailbox: Mailbox): MailSender => ({
			sendMail: async (message: object) => {
				const to = (message as { to: { address: string } }).to.address;
				delivered.set(to, (delivered.get(to) ?? 0) + 1);
				byMailbox.set(mailbox.id, (byMailbox.get(mailbox.id) ?? 0) + 1);
				return {};
			},
		});
		const { accountIds, leadEmails, accounts, statuses, perMailbox, limited } = await eightWorkers({
			leads: 5000,
			batchSize: 100,
			transportFor,
		});
		expect(Math.max(...delivered.values())).toBe(1);
		expect(delivered.size).toBe(3 * perMailbox + limited);
		for (const email of delivered.keys()) expect(leadEmails).toContain(email);
		for (const account of accounts) {
			expect(account.current_sent_today).toBe(byMailbox.get(account.id));
			expect(account.current_sent_today).toBeLessThanOrEqual(account.daily_limit);
		}
		expect(byMailbox.get(accountIds[3])).toBe(limited);
		expect(statuses.find((s) => s.status === 'queued')).toEqual({
			email_account_id: accountIds[3],
			status: 'queued',
			n: perMailbox - limited,
		});
		expect(statuses.filter((s) => s.status === 'sent').reduce((n, s) => n + s.n, 0)).toBe(3 * perMailbox + limited);
		expect(statuses.map((s) => s.status).sort()).toEqual(['queued', 'sent', 'sent', 'sent', 'sent']);
	});

	it('delivers each email exactly once to the SMTP server with 8 concurrent workers, counters matching what it received', async () => {
		const before = sending.sink.received.length;
		const { leadEmails, accounts, statuses, perMailbox, limited, accountIds } = await eightWorkers({
			leads: 800,
			batchSize: 20,
		});
		const received = sending.sink.received.slice(before);
		const perRecipient = new Map<string, number>();
		for (const mail of received) for (const to of mail.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
		expect(Math.max(...perRecipient.values())).toBe(1);
		expect(received).toHaveLength(3 * perMailbox + limited);
		for (const email of perRecipient.keys()) expect(leadEmails).toContain(email);
		for (const account of accounts) {
			expect(account.current_sent_today).toBe(received.filter((m) => m.user === account.email).length);
			expect(account.current_sent_today).toBeLessThanOrEqual(account.daily_limit);
		}
		expect(statuses.find((s) => s.status === 'queued')).toEqual({
			email_account_id: accountIds[3],
			status: 'queued',
			n: perMailbox - limited,
		});
	});
});
