import { addSuppression, setLeadStatus, transitionCampaign } from '../../nodes/core/outreach';
import {
	claimDueEmails,
	completeEmails,
	failEmails,
	type MailSender,
	queueStats,
	resetDailyCounters,
	scheduleDueSteps,
	sendDueEmails,
} from '../../nodes/core/sending';
import { sleep } from '../../scripts/lib/wait';
import { type OrganizationSetUp, TRACKING } from '../support/outreach';
import { sendingFixture } from '../support/sendingFixture';

const SECOND = 1000;

describe('the queue: claims, leases, cancellation, counters and stats', () => {
	const sending = sendingFixture({ name: 'Queue test', account: { dailyLimit: 100 } });

	async function setUp(options: OrganizationSetUp = {}) {
		const { tenant, tag, campaign, accountIds, leadIds, leadEmails } = await sending.organization(options);
		const now = new Date(Date.now() + SECOND);
		await tenant.as((tx) => scheduleDueSteps(tx, { now }));
		return { tenant, tag, campaign, accountIds, leadIds, leadEmails, now };
	}

	async function queueRows(organizationId: string) {
		const { rows } = await sending.db.pool.query(
			`SELECT q.id, l.email, q.email_account_id, q.status, q.attempts, q.message_id, q.sent_at, q.error_message, q.lease_token,
			        q.scheduled_at
			 FROM email_queue q JOIN leads l ON l.id = q.lead_id WHERE q.organization_id = $1 ORDER BY l.email`,
			[organizationId],
		);
		return rows;
	}

	const accepting: MailSender = { sendMail: async () => ({}) };

	describe('leases and fencing', () => {
		it('sends the email of a worker that died once its lease expired, and refuses the dead worker’s late result', async () => {
			const { tenant, leadEmails, now } = await setUp({ leads: 1 });
			const [dead] = await tenant.as((tx) => claimDueEmails(tx, { limit: 10, leaseSeconds: 60, now }));
			expect(dead).toMatchObject({ attempts: 1, to: { email: leadEmails[0] } });
			const send = (at: Date) =>
				sendDueEmails(tenant.as, sending.box, { batchSize: 10, leaseSeconds: 60, tracking: TRACKING, now: () => at });

			// While the lease holds, nobody else takes it.
			expect(await send(new Date(now.getTime() + 30 * SECOND))).toMatchObject({ claimed: 0 });
			expect(sending.sink.to(leadEmails[0])).toHaveLength(0);
			const expired = await tenant.as((tx) => queueStats(tx, { now: new Date(now.getTime() + 61 * SECOND) }));
			expect(expired).toMatchObject({ expiredLeases: 1, due: 0 });

			const later = new Date(now.getTime() + 61 * SECOND);
			expect(await send(later)).toMatchObject({ claimed: 1, sent: 1, superseded: 0 });
			expect(sending.sink.to(leadEmails[0])).toHaveLength(1);
			const [sent] = await queueRows(tenant.id);
			expect(sent).toMatchObject({ status: 'sent', attempts: 2, error_message: null, lease_token: null });

			// The dead worker comes back: neither its completion nor its failure counts.
			const late = new Date(now.getTime() + 90 * SECOND);
			expect(
				await tenant.as((tx) =>
					completeEmails(tx, [{ id: dead.id, leaseToken: dead.leaseToken, messageId: '<late@example.com>' }], {
						now: late,
					}),
				),
			).toEqual({ recorded: [], rejected: [dead.id] });
			expect(
				await tenant.as((tx) =>
					failEmails(tx, [{ id: dead.id, leaseToken: dead.leaseToken, kind: 'bounce', error: 'late', smtpCode: 550 }], {
						now: late,
					}),
				),
			).toEqual({ recorded: [], rejected: [dead.id] });
			expect(await queueRows(tenant.id)).toEqual([sent]);
			const { rows } = await sending.db.pool.query(
				`SELECT (SELECT count(*)::int FROM email_activities WHERE organization_id = $1) AS activities,
				        (SELECT current_sent_today FROM email_accounts WHERE organization_id = $1) AS sent_today,
				        (SELECT status FROM leads WHERE organization_id = $1) AS lead_status,
				        (SELECT count(*)::int FROM unsubscribes WHERE organization_id = $1) AS suppressed`,
				[tenant.id],
			);
			expect(rows[0]).toEqual({ activities: 1, sent_today: 1, lead_status: 'completed', suppressed: 0 });
			expect(sending.sink.to(leadEmails[0])).toHaveLength(1);
		});

		it('never hands out the same mailbox capacity twice, even to a claim that waited for another one', async () => {
			const { tenant, accountIds, now } = await setUp({ accounts: [{ dailyLimit: 30 }], leads: 20 });
			await sending.db.pool.query('UPDATE email_accounts SET daily_limit = 5 WHERE id = $1', [accountIds[0]]);
			let claimedFirst!: () => void;
			const firstClaimed = new Promise<void>((resolve) => (claimedFirst = resolve));
			let release!: () => void;
			const gate = new Promise<void>((resolve) => (release = resolve));
			const first = tenant.as(async (tx) => {
				const emails = await claimDueEmails(tx, { limit: 20, leaseSeconds: 60, now });
				claimedFirst();
				await gate; // holds the mailbox lock, uncommitted
				return emails;
			});
			await firstClaimed;
			const second = tenant.as((tx) => claimDueEmails(tx, { limit: 20, leaseSeconds: 60, now }));
			// Wait until the second claim is blocked on the mailbox lock, then let the first one commit.
			for (let waiting = 0; waiting === 0; ) {
				const { rows } = await sending.db.pool.query(
					`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
				);
				waiting = rows[0].n;
				if (waiting === 0) await sleep(10);
			}
			release();
			expect(await first).toHaveLength(5);
			expect(await second).toHaveLength(0);
			const parallel = await Promise.all(
				Array.from({ length: 8 }, () => tenant.as((tx) => claimDueEmails(tx, { limit: 20, leaseSeconds: 60, now }))),
			);
			expect(parallel.flat()).toHaveLength(0);
			expect((await queueRows(tenant.id)).filter((r) => r.status === 'sending')).toHaveLength(5);
		});

		it('refuses a bad batch size or lease, naming the field', async () => {
			const { tenant } = await setUp({ leads: 0 });
			await expect(tenant.as((tx) => claimDueEmails(tx, { limit: 0, leaseSeconds: 60 }))).rejects.toThrow(
				'Batch Size must be a whole number from 1 to 10000',
			);
			await expect(tenant.as((tx) => claimDueEmails(tx, { limit: 5, leaseSeconds: 1.5 }))).rejects.toThrow(
				'Lease Seconds must be a whole number from 1 to 86400',
			);
		});
	});

	describe('what a claim leaves alone or cancels', () => {
		it('leaves the emails of a paused campaign queued, and sends them once it resumes', async () => {
			const { tenant, campaign, now } = await setUp({ leads: 2 });
			await tenant.as((tx) => transitionCampaign(tx, campaign.id, 'pause'));
			expect(await tenant.as((tx) => claimDueEmails(tx, { limit: 10, leaseSeconds: 60, now }))).toEqual([]);
			expect((await queueRows(tenant.id)).map((r) => r.status)).toEqual(['queued', 'queued']);
			await tenant.as((tx) => transitionCampaign(tx, campaign.id, 'resume'));
			expect(
				await sendDueEmails(tenant.as, sending.box, {
					batchSize: 10,
					leaseSeconds: 60,
					tracking: TRACKING,
					now: () => now,
					transportFor: () => accepting,
				}),
			).toMatchObject({
				claimed: 2,
				sent: 2,
			});
		});

		it('does not send to an address unsubscribed or a lead stopped between scheduling and sending', async () => {
			const { tenant, leadIds, leadEmails, tag, now } = await setUp({ leads: 6 });
			// Through the core: the suppression list and the lead status change cancel the queued emails right away.
			await tenant.as((tx) => addSuppression(tx, { target: leadEmails[0], reason: 'unsubscribed' }));
			await tenant.as((tx) => setLeadStatus(tx, leadIds[1], 'unsubscribed'));
			// Written by something else (a reply detector, a direct SQL import): the claim cancels them.
			await sending.db.pool.query(`UPDATE leads SET status = 'replied' WHERE id = $1`, [leadIds[2]]);
			await sending.db.pool.query(
				`INSERT INTO unsubscribes (organization_id, scope, email, reason) VALUES ($1, 'email', $2, 'webhook')`,
				[tenant.id, leadEmails[3]],
			);
			await sending.db.pool.query(
				`INSERT INTO unsubscribes (organization_id, scope, email, reason) VALUES ($1, 'domain', $2, 'webhook')`,
				[tenant.id, `other-${tag}.example`],
			);
			const summary = await sendDueEmails(tenant.as, sending.box, {
				batchSize: 10,
				leaseSeconds: 60,
				tracking: TRACKING,
				now: () => now,
			});
			expect(summary).toMatchObject({ claimed: 2, sent: 2 });
			expect(summary.results.map((r) => r.to).sort()).toEqual([leadEmails[4], leadEmails[5]]);
			for (const email of leadEmails.slice(0, 4)) expect(sending.sink.to(email)).toHaveLength(0);
			const byEmail = Object.fromEntries(
				(await queueRows(tenant.id)).map((r) => [r.email, [r.status, r.error_message]]),
			);
			expect(byEmail).toEqual({
				[leadEmails[0]]: ['cancelled', 'suppressed: unsubscribed'],
				[leadEmails[1]]: ['cancelled', 'lead unsubscribed'],
				[leadEmails[2]]: ['cancelled', 'lead replied'],
				[leadEmails[3]]: ['cancelled', 'address or domain suppressed'],
				[leadEmails[4]]: ['sent', null],
				[leadEmails[5]]: ['sent', null],
			});
		});
	});

	describe('daily counters and stats', () => {
		it("starts a new day for each mailbox at midnight in the mailbox's own time zone", async () => {
			const { tenant, accountIds } = await setUp({
				accounts: [{ timezone: 'Asia/Tokyo' }, { timezone: 'America/Los_Angeles' }, {}],
				leads: 0,
			});
			const [tokyo, losAngeles, utc] = accountIds;
			// 2026-11-25 12:00 UTC is 21:00 in Tokyo and 04:00 in Los Angeles, all on the 25th.
			const noon = new Date('2026-11-25T12:00:00Z');
			await sending.db.pool.query(
				`UPDATE email_accounts SET current_sent_today = 7, counter_date = '2026-11-25' WHERE organization_id = $1`,
				[tenant.id],
			);
			const reset = (at: string) => tenant.as((tx) => resetDailyCounters(tx, { now: new Date(at) }));
			const counters = async () =>
				Object.fromEntries(
					(
						await sending.db.pool.query(
							`SELECT id, current_sent_today, counter_date::text FROM email_accounts WHERE organization_id = $1`,
							[tenant.id],
						)
					).rows.map((r) => [r.id, [r.current_sent_today, r.counter_date]]),
				);
			expect(await reset(noon.toISOString())).toEqual({ reset: 0, accounts: [] });
			expect(await reset('2026-11-25T15:01:00Z')).toEqual({
				reset: 1,
				accounts: [`sender0@${tenant.id.slice(0, 8)}.example`],
			});
			expect(await reset('2026-11-26T00:01:00Z')).toEqual({
				reset: 1,
				accounts: [`sender2@${tenant.id.slice(0, 8)}.example`],
			});
			expect(await counters()).toEqual({
				[tokyo]: [0, '2026-11-26'],
				[losAngeles]: [7, '2026-11-25'],
				[utc]: [0, '2026-11-26'],
			});
			expect(await reset('2026-11-26T08:01:00Z')).toEqual({
				reset: 1,
				accounts: [`sender1@${tenant.id.slice(0, 8)}.example`],
			});
			expect(await reset('2026-11-26T08:02:00Z')).toEqual({ reset: 0, accounts: [] });
			expect(await counters()).toEqual({
				[tokyo]: [0, '2026-11-26'],
				[losAngeles]: [0, '2026-11-26'],
				[utc]: [0, '2026-11-26'],
			});
		});

		it("counts warm-up days in the mailbox's own time zone", async () => {
			const { tenant, accountIds } = await setUp({
				accounts: [{ timezone: 'Asia/Tokyo', warmupStatus: 'warming', warmup: { startVolume: 5, dailyIncrement: 5 } }],
				leads: 0,
			});
			// Warm-up started 2026-11-26 01:00 in Tokyo (16:00 UTC the day before).
			await sending.db.pool.query(
				`UPDATE email_accounts SET settings = jsonb_set(settings, '{warmup,startedAt}', '"2026-11-25T16:00:00.000Z"') WHERE id = $1`,
				[accountIds[0]],
			);
			const capacity = async (at: string) =>
				(await tenant.as((tx) => queueStats(tx, { now: new Date(at) }))).accounts[0].capacityToday;
			// Still 2026-11-26 in Tokyo at 23:00, although the UTC date has changed: day 0 of the warm-up.
			expect(await capacity('2026-11-26T14:00:00Z')).toBe(5);
			// 2026-11-27 00:30 in Tokyo: day 1.
			expect(await capacity('2026-11-26T15:30:00Z')).toBe(10);
			expect(await capacity('2026-11-28T15:30:00Z')).toBe(20);
		});

		it('reports the queue by status, what is due, expired leases and each mailbox’s day', async () => {
			const { tenant, accountIds, leadEmails, now } = await setUp({
				accounts: [{ dailyLimit: 4 }, { dailyLimit: 10 }],
				leads: 6,
			});
			const stats = (at: Date) => tenant.as((tx) => queueStats(tx, { now: at }));
			const before = await stats(now);
			expect(before).toMatchObject({ byStatus: { queued: 6 }, due: 6, expiredLeases: 0, oldestDueAt: now });
			expect(before.accounts.map((a) => [a.id, a.capacityToday, a.queuedDue, a.remainingToday])).toEqual([
				[accountIds[0], 4, 3, 4],
				[accountIds[1], 10, 3, 10],
			]);
			// One temporary failure (retried in a minute), one email claimed by a worker that then dies, four sent.
			const failing: MailSender = {
				sendMail: async (message: object) => {
					if ((message as { to: { address: string } }).to.address === leadEmails[0]) {
						throw Object.assign(new Error('451 try later'), {
							code: 'EENVELOPE',
							responseCode: 451,
							command: 'RCPT TO',
						});
					}
					return {};
				},
			};
			const [dead] = await tenant.as((tx) => claimDueEmails(tx, { limit: 1, leaseSeconds: 30, now }));
			const summary = await sendDueEmails(tenant.as, sending.box, {
				batchSize: 10,
				leaseSeconds: 60,
				tracking: TRACKING,
				now: () => now,
				transportFor: () => failing,
			});
			expect(summary).toMatchObject({
				claimed: 5,
				sent: dead.to.email === leadEmails[0] ? 5 : 4,
				retrying: dead.to.email === leadEmails[0] ? 0 : 1,
			});
			const retry = dead.to.email === leadEmails[0] ? 0 : 1;
			const sentBy = (id: string) => summary.results.filter((r) => r.status === 'sent' && r.accountId === id).length;

			const after = await stats(now);
			expect(after.byStatus).toEqual({ sending: 1, sent: 5 - retry, ...(retry ? { queued: 1 } : {}) });
			expect(after).toMatchObject({ due: 0, oldestDueAt: null, expiredLeases: 0 });
			expect(after.accounts).toEqual(
				accountIds.map((id, i) => ({
					id,
					email: `sender${i}@${tenant.id.slice(0, 8)}.example`,
					status: 'active',
					eligible: true,
					capacityToday: [4, 10][i],
					sentToday: sentBy(id),
					inFlight: dead.account.id === id ? 1 : 0,
					remainingToday: [4, 10][i] - sentBy(id) - (dead.account.id === id ? 1 : 0),
					queuedDue: 0,
				})),
			);
			// Two minutes later the retry is due and the dead worker's lease has expired.
			const later = await stats(new Date(now.getTime() + 120 * SECOND));
			expect(later).toMatchObject({ due: retry, expiredLeases: 1 });
			if (retry) expect(later.oldestDueAt).toEqual(new Date(now.getTime() + 60 * SECOND));
		});
	});

	describe('tenant safety', () => {
		it("never claims, completes or counts another organization's emails", async () => {
			const one = await setUp({ leads: 2 });
			const two = await setUp({ leads: 0 });
			expect(await two.tenant.as((tx) => claimDueEmails(tx, { limit: 10, leaseSeconds: 60, now: one.now }))).toEqual(
				[],
			);
			const claimed = await one.tenant.as((tx) => claimDueEmails(tx, { limit: 10, leaseSeconds: 60, now: one.now }));
			expect(claimed).toHaveLength(2);
			const deliveries = claimed.map((c) => ({
				id: c.id,
				leaseToken: c.leaseToken,
				messageId: `<${c.id}@example.com>`,
			}));
			expect(await two.tenant.as((tx) => completeEmails(tx, deliveries))).toEqual({
				recorded: [],
				rejected: claimed.map((c) => c.id),
			});
			const stats = await two.tenant.as((tx) => queueStats(tx, { now: one.now }));
			expect(stats).toMatchObject({ byStatus: {}, due: 0, expiredLeases: 0 });
			expect(stats.accounts.map((a) => a.id)).toEqual(two.accountIds);
			expect((await one.tenant.as((tx) => completeEmails(tx, deliveries))).recorded.sort()).toEqual(
				claimed.map((c) => c.id).sort(),
			);
		});
	});
});
