import { createCampaign, transitionCampaign } from '../nodes/core/campaigns';
import { createEmailAccount } from '../nodes/core/emailAccounts';
import { importLeads } from '../nodes/core/leads';
import { queueStats } from '../nodes/core/queue';
import { scheduleDueSteps } from '../nodes/core/scheduling';
import { SecretBox } from '../nodes/core/secretBox';
import { sendDueEmails } from '../nodes/core/sender';
import { closeAllTransports } from '../nodes/core/transportPool';
import { createTestDatabase, type TestDatabase } from './support/database';
import { SINK_PASSWORD, SmtpSink } from './support/smtpSink';
import { newTenant } from './support/tenants';

const KEY = 'dummy-encryption-key-0123456789abcdef';
const TRACKING = { baseUrl: 'https://track.example.com/webhook/ophir', secret: 'dummy-tracking-secret-0123456789abcdef' };
const ALWAYS = { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startHour: 0, endHour: 24 };
const DAY = 86_400_000;

describe('sending engine: schedule, send, thread', () => {
	let db: TestDatabase;
	let sink: SmtpSink;
	const box = new SecretBox(KEY);

	beforeAll(async () => {
		db = await createTestDatabase();
		sink = await new SmtpSink().start();
	});
	afterAll(async () => {
		closeAllTransports();
		await sink.stop();
		await db.drop();
	});

	async function setUp({ leads = 3, accounts = 1, dailyLimit = 100 } = {}) {
		const tenant = await newTenant(db);
		const accountIds: string[] = [];
		for (let i = 0; i < accounts; i++) {
			const account = await tenant.as((tx) =>
				createEmailAccount(tx, box, {
					email: `sender${i}@${tenant.id.slice(0, 8)}.example`,
					provider: 'smtp',
					smtp: { host: '127.0.0.1', port: sink.port, security: 'none' },
					password: SINK_PASSWORD,
					dailyLimit,
					warmupStatus: 'warmed',
				}),
			);
			accountIds.push(account.id);
		}
		const campaign = await tenant.as(async (tx) => {
			const created = await createCampaign(tx, {
				name: 'Engine test',
				config: {
					sequence: [
						{ subject: 'Hi {{firstName}}', body: '<p>Hello {{firstName}}, see <a href="https://example.com/pricing?a=1&amp;b=2">pricing</a>.</p>' },
						{ delayDays: 2, subject: 'Re: Hi {{firstName}}', body: 'Just following up.\n\nBest' },
					],
					sendingWindow: ALWAYS,
					accountIds,
					postalAddress: '1 Main Street, Springfield',
					minGapSeconds: 0,
					jitterSeconds: 0,
				},
			});
			return transitionCampaign(tx, created.id, 'activate');
		});
		const imported = await tenant.as((tx) =>
			importLeads(
				tx,
				Array.from({ length: leads }, (_, i) => ({ email: `lead${i}@${tenant.id.slice(0, 8)}.example`, firstName: `Lead${i}` })),
				{ campaignId: campaign.id },
			),
		);
		return { tenant, campaign, accountIds, leadEmails: imported.map((o) => (o as { email: string }).email) };
	}

	const send = (as: Parameters<typeof sendDueEmails>[0], now: Date, batchSize = 100) =>
		sendDueEmails(as, box, { batchSize, leaseSeconds: 120, tracking: TRACKING, now: () => now });

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
		expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: new Date(start.getTime() + DAY) }))).toMatchObject({ scheduled: 0 });

		const later = new Date(start.getTime() + 2 * DAY + 60_000);
		expect(await tenant.as((tx) => scheduleDueSteps(tx, { now: later }))).toMatchObject({ scheduled: 3 });
		expect(await send(tenant.as, later)).toMatchObject({ sent: 3 });

		for (const email of leadEmails) {
			const mails = sink.to(email);
			expect(mails).toHaveLength(2);
			const [one, two] = mails.map((m) => m.parsed);
			expect(one.subject).toMatch(/^Hi Lead\d$/);
			expect(two.subject).toBe(`Re: ${one.subject}`);
			expect(two.inReplyTo).toBe(one.messageId);
			expect(two.references).toEqual(one.messageId);
			const head = mails[0].raw.slice(0, mails[0].raw.indexOf('\r\n\r\n')).replace(/\r\n\s+/g, ' ');
			expect(head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
			expect(head).toMatch(new RegExp(`^List-Unsubscribe: <${TRACKING.baseUrl}/u/[\\w-]+>, <mailto:sender0@[^>]+\\?subject=unsubscribe>$`, 'm'));
			expect(one.text).toBeTruthy();
			expect(one.html).toContain(`${TRACKING.baseUrl}/c/`);
			expect(one.html).toContain(`${TRACKING.baseUrl}/o/`);
			expect(one.html).toContain('1 Main Street, Springfield');
		}
		const stats = await tenant.as((tx) => queueStats(tx, { now: later }));
		expect(stats.byStatus).toEqual({ sent: 6 });
		const { rows } = await db.pool.query(
			`SELECT status, sequence_position, last_step_sent_at IS NOT NULL AS sent FROM leads WHERE organization_id = $1`,
			[tenant.id],
		);
		expect(rows).toEqual(Array(3).fill({ status: 'completed', sequence_position: 2, sent: true }));
		const activities = await db.pool.query(
			`SELECT count(*)::int AS n FROM email_activities WHERE organization_id = $1 AND event_type = 'sent'`,
			[tenant.id],
		);
		expect(activities.rows[0].n).toBe(6);
	});
});
