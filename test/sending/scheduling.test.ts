import { addSuppression, importLeads, setEmailAccountPaused, transitionCampaign } from '../../nodes/core/outreach';
import {
	localDate,
	type MailSender,
	queueStats,
	scheduleDueSteps,
	sendDueEmails,
	type SendingWindow,
	startOfLocalDay,
} from '../../nodes/core/sending';
import { SecretBox } from '../../nodes/core/db';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { KEY, organizationFactory, TRACKING } from '../support/outreach';

const ALWAYS: SendingWindow = {
	weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
	startHour: 0,
	endHour: 24,
};
const OFFICE: SendingWindow = { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], startHour: 9, endHour: 17 };
const NEW_YORK = 'America/New_York';
const MINUTE = 60_000;
const DAY = 86_400_000;

/** Accepts everything at once: scheduling tests only need sends recorded, not delivered. */
const accepting: MailSender = { sendMail: async () => ({}) };

/** The local weekday and time of an instant, read with Intl (independent of the code under test). */
function wallClock(instant: Date, timeZone: string): { weekday: string; hour: number; minute: number; date: string } {
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat('en-US', {
			timeZone,
			weekday: 'short',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			hourCycle: 'h23',
		})
			.formatToParts(instant)
			.map((p) => [p.type, p.value]),
	);
	return {
		weekday: parts.weekday,
		hour: Number(parts.hour),
		minute: Number(parts.minute),
		date: `${parts.year}-${parts.month}-${parts.day}`,
	};
}

describe('Schedule Due Steps', () => {
	let db: TestDatabase;
	const box = new SecretBox(KEY);

	beforeAll(async () => {
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await db.drop();
	});

	const setUp = organizationFactory(() => ({
		db,
		box,
		name: 'Scheduling test',
		account: {
			smtp: { host: '127.0.0.1', port: 2525, security: 'none' },
			password: 'dummy-password',
			dailyLimit: 1000,
		},
	}));

	/** Leads are created by the database clock; scheduling in the past needs them older. */
	async function createLeadsAt(organizationId: string, at: Date) {
		await db.pool.query('UPDATE leads SET created_at = $2::timestamptz AT TIME ZONE $3 WHERE organization_id = $1', [
			organizationId,
			at.toISOString(),
			'UTC',
		]);
	}

	async function queueRows(organizationId: string) {
		const { rows } = await db.pool.query(
			`SELECT q.id, q.lead_id, l.email, q.email_account_id, q.sequence_step, q.variant, q.subject, q.body, q.scheduled_at,
			        q.status, q.error_message
			 FROM email_queue q JOIN leads l ON l.id = q.lead_id
			 WHERE q.organization_id = $1 ORDER BY q.scheduled_at, l.email`,
			[organizationId],
		);
		return rows as Array<{
			id: string;
			lead_id: string;
			email: string;
			email_account_id: string | null;
			sequence_step: number;
			variant: string | null;
			subject: string | null;
			body: string | null;
			scheduled_at: Date;
			status: string;
			error_message: string | null;
		}>;
	}

	const soon = () => new Date(Date.now() + 1000);

	describe('sending windows and time zones', () => {
		const cases: Array<[string, string, string, SendingWindow]> = [
			['from a Saturday: Monday 09:00', '2026-11-28T15:00:00Z', '2026-11-30T14:00:00.000Z', OFFICE],
			['at 20:00 local: the next morning 09:00', '2026-11-26T01:00:00Z', '2026-11-26T14:00:00.000Z', OFFICE],
			['inside the window: right away', '2026-11-25T21:59:00Z', '2026-11-25T21:59:00.000Z', OFFICE],
			[
				'on 2026-03-08 (clocks go forward, a Sunday): Monday 09:00 EDT',
				'2026-03-08T06:30:00Z',
				'2026-03-09T13:00:00.000Z',
				OFFICE,
			],
			[
				'on 2026-11-01 (clocks go back, a Sunday): Monday 09:00 EST',
				'2026-11-01T05:30:00Z',
				'2026-11-02T14:00:00.000Z',
				OFFICE,
			],
			[
				'on 2026-03-08 with Sundays allowed: 09:00 EDT that day',
				'2026-03-08T06:30:00Z',
				'2026-03-08T13:00:00.000Z',
				{ ...OFFICE, weekdays: ALWAYS.weekdays },
			],
			[
				'on 2026-11-01 with Sundays allowed: 09:00 EST that day',
				'2026-11-01T05:30:00Z',
				'2026-11-01T14:00:00.000Z',
				{ ...OFFICE, weekdays: ALWAYS.weekdays },
			],
		];

		it.each(cases)('schedules a lead in a Mon-Fri 9-17 New York window %s', async (_name, nowIso, expected, window) => {
			const now = new Date(nowIso);
			const { tenant } = await setUp({ config: { timezone: NEW_YORK, sendingWindow: window }, leads: 1 });
			await createLeadsAt(tenant.id, new Date(now.getTime() - DAY));
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now }))).toMatchObject({
				scheduled: 1,
				waitingForCapacity: 0,
			});
			const [row] = await queueRows(tenant.id);
			expect(row.scheduled_at.toISOString()).toBe(expected);
			const local = wallClock(row.scheduled_at, NEW_YORK);
			expect(window.weekdays).toContain(local.weekday.toLowerCase());
			expect(local.hour).toBeGreaterThanOrEqual(9);
			expect(local.hour).toBeLessThan(17);
		});

		it("uses a lead's own time zone (data.timezone) for the window, before sends booked later in the day", async () => {
			// Wednesday 20:00 in New York is Thursday 10:00 in Tokyo.
			const now = new Date('2026-11-26T01:00:00Z');
			const { tenant, tag, campaign } = await setUp({
				config: { timezone: NEW_YORK, sendingWindow: OFFICE, minGapSeconds: 120 },
				leads: (domain) => [
					{ email: `ny@${domain}.example`, firstName: 'N' },
					{ email: `bad-zone@${domain}.example`, firstName: 'B', data: { timezone: 'Mars/Olympus' } },
				],
			});
			await createLeadsAt(tenant.id, new Date(now.getTime() - DAY));
			await tenant.as((tx) => scheduleDueSteps(tx, { now, random: () => 0 }));
			// A lead in Tokyo arrives after the mailbox's New York sends were booked for the next morning.
			await tenant.as((tx) =>
				importLeads(tx, [{ email: `tokyo@${tag}.example`, firstName: 'T', data: { timezone: 'Asia/Tokyo' } }], {
					campaignId: campaign.id,
				}),
			);
			await createLeadsAt(tenant.id, new Date(now.getTime() - DAY));
			await tenant.as((tx) => scheduleDueSteps(tx, { now, random: () => 0 }));
			const at = Object.fromEntries(
				(await queueRows(tenant.id)).map((r) => [r.email.split('@')[0], r.scheduled_at.toISOString()]),
			);
			expect(at).toEqual({
				tokyo: now.toISOString(),
				ny: expect.stringMatching(/^2026-11-26T14:0[02]:00.000Z$/),
				// An unknown zone falls back to the campaign's.
				'bad-zone': expect.stringMatching(/^2026-11-26T14:0[02]:00.000Z$/),
			});
			expect(at.ny).not.toBe(at['bad-zone']);
			expect(wallClock(new Date(at.tokyo), 'Asia/Tokyo')).toMatchObject({ weekday: 'Thu', hour: 10 });
		});

		it("uses a mailbox's own sending window, only the parts it sets, over the campaign's", async () => {
			// Wednesday 10:00 in New York; the mailbox sends only 13-15 (weekdays from the campaign: Mon-Fri).
			const now = new Date('2026-11-25T15:00:00Z');
			const { tenant } = await setUp({
				accounts: [{ sendingWindow: { startHour: 13, endHour: 15 } }],
				config: { timezone: NEW_YORK, sendingWindow: OFFICE },
				leads: 1,
			});
			await createLeadsAt(tenant.id, new Date(now.getTime() - DAY));
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now }))).toMatchObject({ scheduled: 1 });
			const [row] = await queueRows(tenant.id);
			expect(row.scheduled_at.toISOString()).toBe('2026-11-25T18:00:00.000Z');

			// Friday 16:00: the mailbox's window (Saturdays only, 10-12) moves it to Saturday 10:00.
			const friday = new Date('2026-11-27T21:00:00Z');
			const other = await setUp({
				accounts: [{ sendingWindow: { weekdays: ['sat'], startHour: 10, endHour: 12 } }],
				config: { timezone: NEW_YORK, sendingWindow: OFFICE },
				leads: 1,
			});
			await createLeadsAt(other.tenant.id, new Date(friday.getTime() - DAY));
			await other.tenant.as((tx) => scheduleDueSteps(tx, { now: friday }));
			const [saturday] = await queueRows(other.tenant.id);
			expect(saturday.scheduled_at.toISOString()).toBe('2026-11-28T15:00:00.000Z');
		});

		it("sets aside a mailbox whose own window does not fit the campaign's (start after the campaign's end), naming it", async () => {
			const { tenant, campaign, accountIds } = await setUp({
				accounts: [{ sendingWindow: { startHour: 18 } }, {}],
				config: { timezone: NEW_YORK, sendingWindow: OFFICE },
				leads: 4,
			});
			const result = await tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }));
			expect(result).toMatchObject({ scheduled: 4 });
			expect(result.campaigns).toEqual([
				expect.objectContaining({
					campaignId: campaign.id,
					problem: `sending account ${accountIds[0]}: its sending window with the campaign's is invalid (Sending window endHour must be a whole number after startHour (18) up to 24)`,
				}),
			]);
			expect(new Set((await queueRows(tenant.id)).map((r) => r.email_account_id))).toEqual(new Set([accountIds[1]]));
		});

		it('gives nothing to a paused mailbox or one with a health score below 50, and says why when none is left', async () => {
			const { tenant, tag, campaign, accountIds } = await setUp({ accounts: [{}, {}, {}], leads: 6 });
			await tenant.as((tx) => setEmailAccountPaused(tx, accountIds[0], true, 'manual pause'));
			await db.pool.query('UPDATE email_accounts SET health_score = 49 WHERE id = $1', [accountIds[1]]);
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }))).toMatchObject({ scheduled: 6 });
			expect(new Set((await queueRows(tenant.id)).map((r) => r.email_account_id))).toEqual(new Set([accountIds[2]]));

			// The last one goes too: nothing is scheduled, and the campaign says why.
			await tenant.as((tx) => setEmailAccountPaused(tx, accountIds[2], true, 'manual pause'));
			await tenant.as((tx) =>
				importLeads(tx, [{ email: `late@${tag}.example`, firstName: 'Late' }], { campaignId: campaign.id }),
			);
			const result = await tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }));
			expect(result).toMatchObject({ scheduled: 0, failed: 0, waitingForCapacity: 0 });
			expect(result.campaigns).toEqual([
				expect.objectContaining({
					campaignId: campaign.id,
					scheduled: 0,
					problem: 'no sending account is active, healthy and has a password or tokens',
				}),
			]);
			expect(await queueRows(tenant.id)).toHaveLength(6);
		});
	});

	describe('idempotency and concurrency', () => {
		it('schedules nothing twice: a second run finds nothing new', async () => {
			const { tenant } = await setUp({ leads: 5 });
			const now = soon();
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now }))).toMatchObject({ scheduled: 5 });
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now }))).toMatchObject({
				scheduled: 0,
				failed: 0,
				waitingForCapacity: 0,
			});
			expect(await queueRows(tenant.id)).toHaveLength(5);
		});

		it('lets two concurrent runs pass without duplicates or errors (the second skips what the first holds)', async () => {
			const { tenant, tag, campaign } = await setUp({ leads: 20 });
			const now = soon();
			let reached!: () => void;
			const firstDone = new Promise<void>((resolve) => (reached = resolve));
			let release!: () => void;
			const gate = new Promise<void>((resolve) => (release = resolve));
			const first = tenant.as(async (tx) => {
				const result = await scheduleDueSteps(tx, { now });
				reached();
				await gate; // holds its locks, uncommitted
				return result;
			});
			await firstDone;
			const second = await tenant.as((tx) => scheduleDueSteps(tx, { now }));
			release();
			expect(await first).toMatchObject({ scheduled: 20 });
			expect(second).toMatchObject({ scheduled: 0 });
			// And two that really race.
			const more = Array.from({ length: 30 }, (_, i) => ({ email: `race${i}@${tag}.example`, firstName: 'Racer' }));
			await tenant.as((tx) => importLeads(tx, more, { campaignId: campaign.id }));
			const raced = await Promise.all([0, 1, 2].map(() => tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }))));
			expect(raced.reduce((n, r) => n + r.scheduled, 0)).toBe(30);
			const rows = await queueRows(tenant.id);
			expect(rows).toHaveLength(50);
			expect(new Set(rows.map((r) => r.lead_id)).size).toBe(50);
		});
	});

	describe('limits and pacing', () => {
		it('starts at most dailyNewLeadsCap new leads per campaign-local day; follow-ups are not capped', async () => {
			const zone = 'Asia/Tokyo';
			const { tenant } = await setUp({
				config: {
					timezone: zone,
					dailyNewLeadsCap: 3,
					sequence: [
						{ subject: 'One', body: 'First' },
						{ subject: 'Two', body: 'Second' },
					],
				},
				leads: 10,
			});
			const now = soon();
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now }))).toMatchObject({ scheduled: 3 });
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now }))).toMatchObject({ scheduled: 0 });
			await sendDueEmails(tenant.as, box, {
				batchSize: 100,
				leaseSeconds: 60,
				tracking: TRACKING,
				now: () => now,
				transportFor: () => accepting,
			});
			// The same day: the three follow-ups, and still no new lead.
			const sameDay = await tenant.as((tx) => scheduleDueSteps(tx, { now: new Date(now.getTime() + MINUTE) }));
			expect(sameDay.campaigns[0]).toMatchObject({ scheduled: 3, newLeads: 0, followUps: 3 });
			// Just after midnight in Tokyo, a new day: three more new leads.
			const nextDay = new Date(startOfLocalDay(new Date(now.getTime() + DAY), zone).getTime() + MINUTE);
			expect(localDate(nextDay, zone)).not.toBe(localDate(now, zone));
			const result = await tenant.as((tx) => scheduleDueSteps(tx, { now: nextDay }));
			expect(result.campaigns[0]).toMatchObject({ scheduled: 3, newLeads: 3, followUps: 0 });
			expect(
				await tenant.as((tx) => scheduleDueSteps(tx, { now: new Date(nextDay.getTime() + MINUTE) })),
			).toMatchObject({ scheduled: 0 });
		});

		it('chooses A/B variants by weight, the same one for a lead every time, and stores the variant name', async () => {
			const { tenant } = await setUp({
				config: {
					sequence: [
						{
							variants: [
								{ name: 'long', weight: 3, subject: 'Long {{firstName}}', body: 'The long pitch' },
								{ name: 'short', weight: 1, subject: 'Short {{firstName}}', body: 'The short pitch' },
							],
						},
					],
				},
				leads: 400,
			});
			const now = soon();
			await tenant.as((tx) => scheduleDueSteps(tx, { now }));
			const rows = await queueRows(tenant.id);
			const long = rows.filter((r) => r.variant === 'long');
			expect(long.length + rows.filter((r) => r.variant === 'short').length).toBe(400);
			// 300 expected; the bound is ~6 standard deviations.
			expect(long.length).toBeGreaterThan(250);
			expect(long.length).toBeLessThan(350);
			for (const row of rows)
				expect(row.subject).toMatch(row.variant === 'long' ? /^Long Lead\d+$/ : /^Short Lead\d+$/);
			// Scheduled again from scratch, every lead gets the same variant.
			const before = new Map(rows.map((r) => [r.lead_id, r.variant]));
			await db.pool.query('DELETE FROM email_queue WHERE organization_id = $1', [tenant.id]);
			await db.pool.query('UPDATE leads SET sequence_position = 0 WHERE organization_id = $1', [tenant.id]);
			await tenant.as((tx) => scheduleDueSteps(tx, { now }));
			const after = await queueRows(tenant.id);
			expect(after).toHaveLength(400);
			for (const row of after) expect(row.variant).toBe(before.get(row.lead_id));
		});

		it.each([
			['no gap', 0],
			['a 60 s gap', 60],
		])('rotates evenly across three mailboxes (%s)', async (_name, minGapSeconds) => {
			const { tenant, accountIds } = await setUp({ accounts: [{}, {}, {}], config: { minGapSeconds }, leads: 90 });
			await tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }));
			const counts = new Map<string, number>();
			for (const row of await queueRows(tenant.id))
				counts.set(row.email_account_id!, (counts.get(row.email_account_id!) ?? 0) + 1);
			expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(accountIds.map((id) => [id, 30])));
		});

		it('spaces the sends of one mailbox at least minGapSeconds apart, with jitter, also across runs', async () => {
			const { tenant, tag, campaign, accountIds } = await setUp({
				accounts: [{}, {}],
				config: { minGapSeconds: 120, jitterSeconds: 30 },
				leads: 20,
			});
			const now = soon();
			let seed = 1;
			const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
			await tenant.as((tx) => scheduleDueSteps(tx, { now, random }));
			await tenant.as((tx) =>
				importLeads(
					tx,
					Array.from({ length: 6 }, (_, i) => ({ email: `more${i}@${tag}.example`, firstName: 'More' })),
					{ campaignId: campaign.id },
				),
			);
			await tenant.as((tx) => scheduleDueSteps(tx, { now: soon(), random }));
			const rows = await queueRows(tenant.id);
			expect(rows).toHaveLength(26);
			let sawJitter = false;
			for (const account of accountIds) {
				const times = rows.filter((r) => r.email_account_id === account).map((r) => r.scheduled_at.getTime());
				expect(times.length).toBe(13);
				for (let i = 1; i < times.length; i++) {
					const gap = times[i] - times[i - 1];
					expect(gap).toBeGreaterThanOrEqual(120_000);
					expect(gap).toBeLessThanOrEqual(150_000);
					if (gap > 120_000) sawJitter = true;
				}
			}
			expect(sawJitter).toBe(true);
		});

		it("keeps the gap after the mailbox's last send too", async () => {
			const { tenant, tag, campaign } = await setUp({ config: { minGapSeconds: 120, jitterSeconds: 0 }, leads: 1 });
			const now = soon();
			await tenant.as((tx) => scheduleDueSteps(tx, { now }));
			expect(
				await sendDueEmails(tenant.as, box, {
					batchSize: 10,
					leaseSeconds: 60,
					tracking: TRACKING,
					now: () => now,
					transportFor: () => accepting,
				}),
			).toMatchObject({ sent: 1 });
			await tenant.as((tx) =>
				importLeads(tx, [{ email: `next@${tag}.example`, firstName: 'Next' }], { campaignId: campaign.id }),
			);
			const later = new Date(Math.max(Date.now() + 1000, now.getTime() + 10_000));
			await tenant.as((tx) => scheduleDueSteps(tx, { now: later }));
			const next = (await queueRows(tenant.id)).find((r) => r.email.startsWith('next@'))!;
			expect(next.scheduled_at.getTime()).toBe(now.getTime() + 120_000);
		});

		it('ramps a warming mailbox up: 5 + 5 per day of warm-up (15 on day 2), the rest on later days or waiting', async () => {
			const { tenant, accountIds } = await setUp({
				accounts: [{ warmupStatus: 'warming', warmup: { startVolume: 5, dailyIncrement: 5 }, dailyLimit: 20 }],
				leads: 200,
			});
			const now = soon();
			await db.pool.query(
				`UPDATE email_accounts SET settings = jsonb_set(settings, '{warmup,startedAt}', to_jsonb($2::text)) WHERE id = $1`,
				[accountIds[0], new Date(now.getTime() - 2 * DAY).toISOString()],
			);
			const stats = await tenant.as((tx) => queueStats(tx, { now }));
			expect(stats.accounts[0]).toMatchObject({ capacityToday: 15, sentToday: 0, remainingToday: 15 });
			const result = await tenant.as((tx) => scheduleDueSteps(tx, { now }));
			// Today 15, then 20 (the daily limit) on each of the next seven days; the rest waits for a later run.
			expect(result).toMatchObject({ scheduled: 155, waitingForCapacity: 45 });
			const perDay = new Map<string, number>();
			for (const row of await queueRows(tenant.id)) {
				const day = localDate(row.scheduled_at, 'UTC');
				perDay.set(day, (perDay.get(day) ?? 0) + 1);
			}
			expect([...perDay.values()]).toEqual([15, 20, 20, 20, 20, 20, 20, 20]);
			expect([...perDay.keys()][0]).toBe(localDate(now, 'UTC'));
		});
	});

	describe('what is not scheduled', () => {
		it('writes a failed row naming the missing variable for one lead and schedules the others', async () => {
			const { tenant } = await setUp({
				leads: (tag) => [
					{ email: `named@${tag}.example`, firstName: 'Ann' },
					{ email: `nameless@${tag}.example` },
					{ email: `also@${tag}.example`, firstName: 'Bo' },
				],
			});
			const result = await tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }));
			expect(result).toMatchObject({ scheduled: 2, failed: 1 });
			const rows = await queueRows(tenant.id);
			const failed = rows.find((r) => r.email.startsWith('nameless'))!;
			expect(failed).toMatchObject({ status: 'failed', email_account_id: null, subject: null });
			expect(failed.error_message).toBe('Template variable "firstName" in the subject has no value for this lead');
			expect(
				rows
					.filter((r) => r.status === 'queued')
					.map((r) => r.email.split('@')[0])
					.sort(),
			).toEqual(['also', 'named']);
			// The failure is recorded once, not retried on every run.
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }))).toMatchObject({ scheduled: 0, failed: 0 });
		});

		it('stops a lead that clicked when stopRules.onClick is on: no next step, and a queued one is cancelled', async () => {
			const { tenant, leadIds, campaign } = await setUp({
				config: {
					stopRules: { onClick: true },
					sequence: [
						{ subject: 'One', body: 'First' },
						{ subject: 'Two', body: 'Second' },
					],
				},
				leads: 2,
			});
			const now = soon();
			await tenant.as((tx) => scheduleDueSteps(tx, { now }));
			await sendDueEmails(tenant.as, box, {
				batchSize: 10,
				leaseSeconds: 60,
				tracking: TRACKING,
				now: () => now,
				transportFor: () => accepting,
			});
			await db.pool.query(
				`INSERT INTO email_activities (organization_id, lead_id, campaign_id, event_type) VALUES ($1, $2, $3, 'clicked')`,
				[tenant.id, leadIds[0], campaign.id],
			);
			const later = new Date(now.getTime() + MINUTE);
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: later }))).toMatchObject({ scheduled: 1 });
			const second = (await queueRows(tenant.id)).filter((r) => r.sequence_step === 2);
			expect(second.map((r) => r.lead_id)).toEqual([leadIds[1]]);
			// A click after the follow-up was queued: it is cancelled when claimed, not sent.
			await db.pool.query(
				`INSERT INTO email_activities (organization_id, lead_id, campaign_id, event_type) VALUES ($1, $2, $3, 'clicked')`,
				[tenant.id, leadIds[1], campaign.id],
			);
			const summary = await sendDueEmails(tenant.as, box, {
				batchSize: 10,
				leaseSeconds: 60,
				tracking: TRACKING,
				now: () => later,
				transportFor: () => accepting,
			});
			expect(summary).toMatchObject({ claimed: 0 });
			const [cancelled] = (await queueRows(tenant.id)).filter((r) => r.sequence_step === 2);
			expect(cancelled).toMatchObject({
				status: 'cancelled',
				error_message: 'lead clicked (the campaign stops on clicks)',
			});
		});

		it('does not schedule leads of a suppressed domain', async () => {
			const { tenant, campaign } = await setUp({ leads: 2 });
			await tenant.as((tx) =>
				importLeads(
					tx,
					[
						{ email: 'x@blocked.example', firstName: 'X' },
						{ email: 'y@blocked.example', firstName: 'Y' },
					],
					{ campaignId: campaign.id },
				),
			);
			await tenant.as((tx) => addSuppression(tx, { target: '@blocked.example' }));
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }))).toMatchObject({ scheduled: 2 });
			expect((await queueRows(tenant.id)).map((r) => r.email)).not.toContain('x@blocked.example');
		});

		it('does not schedule a paused campaign', async () => {
			const { tenant, campaign } = await setUp({ leads: 3 });
			await tenant.as((tx) => transitionCampaign(tx, campaign.id, 'pause'));
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }))).toEqual({
				scheduled: 0,
				failed: 0,
				waitingForCapacity: 0,
				campaigns: [],
			});
			await tenant.as((tx) => transitionCampaign(tx, campaign.id, 'resume'));
			expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }))).toMatchObject({ scheduled: 3 });
		});
	});

	describe('tenant safety', () => {
		it("never schedules another organization's leads or books its mailboxes", async () => {
			const one = await setUp({ leads: 4 });
			const two = await setUp({ leads: 0 });
			expect(await two.tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }))).toMatchObject({ scheduled: 0 });
			expect(await queueRows(one.tenant.id)).toHaveLength(0);
			expect(await one.tenant.as((tx) => scheduleDueSteps(tx, { now: soon() }))).toMatchObject({ scheduled: 4 });
		});
	});
});
