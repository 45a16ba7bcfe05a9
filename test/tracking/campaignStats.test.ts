import { campaignStats, type EventInput, recordEvents } from '../../nodes/core/tracking';
import { createCampaign } from '../../nodes/core/outreach';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { newTenant } from '../support/tenants';

/** A small seeded generator, so that a failure can be replayed. */
function random(seed: number) {
	let state = seed >>> 0;
	return () => {
		state = (state * 1_664_525 + 1_013_904_223) >>> 0;
		return state / 2 ** 32;
	};
}

/**
 * The counters Campaign Stats reads (kept by a trigger as events arrive) against the ground truth: a slow COUNT
 * over every activity, with the same definitions (a unique open or click is an email's first human one).
 */
describe('campaign stats equal the ground truth', () => {
	let db: TestDatabase;
	beforeAll(async () => {
		db = await createTestDatabase();
	});
	afterAll(() => db.drop());

	it('for thousands of random events over campaigns, steps, variants, mailboxes and days', async () => {
		const rand = random(20261125);
		const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
		const tenant = await newTenant(db);
		const campaigns = [];
		for (const name of ['A', 'B']) campaigns.push((await tenant.as((tx) => createCampaign(tx, { name }))).id);
		const { rows: accounts } = await db.pool.query<{ id: string }>(
			`INSERT INTO email_accounts (organization_id, email, provider)
			 SELECT $1, 'm' || g || '@sender.example', 'smtp' FROM generate_series(1, 3) g RETURNING id`,
			[tenant.id],
		);
		// 200 sent emails: a lead each, over both campaigns, three steps, two variants and three mailboxes.
		const emails: Array<{ id: string; campaignId: string }> = [];
		for (let i = 0; i < 200; i++) {
			const campaignId = pick(campaigns);
			const { rows } = await db.pool.query<{ id: string }>(
				`WITH lead AS (INSERT INTO leads (organization_id, campaign_id, email) VALUES ($1, $2, $3) RETURNING id)
				 INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, sequence_step, variant, status, sent_at)
				 SELECT $1, $2, lead.id, $4, $5, $6, 'sent', now() FROM lead RETURNING id`,
				[
					tenant.id,
					campaignId,
					`lead${i}@example.com`,
					pick(accounts).id,
					1 + Math.floor(rand() * 3),
					pick(['A', 'B', null]),
				],
			);
			emails.push({ id: rows[0].id, campaignId });
		}
		const start = Date.parse('2026-11-20T00:00:00Z');
		const events: EventInput[] = emails.map((email) => ({
			type: 'sent',
			queueId: email.id,
			at: new Date(start + rand() * 3_600_000),
		}));
		for (let i = 0; i < 3000; i++) {
			const email = pick(emails);
			const type = pick<EventInput['type']>([
				'opened',
				'opened',
				'opened',
				'clicked',
				'clicked',
				'replied',
				'bounced',
				'complained',
				'unsubscribed',
			]);
			events.push({
				type,
				queueId: email.id,
				at: new Date(start + 3_600_000 + rand() * 5 * 86_400_000),
				...(type === 'bounced' ? { bounceType: pick(['hard', 'soft'] as const) } : {}),
				...((type === 'opened' || type === 'clicked') && rand() < 0.3 ? { machine: 'scanner-user-agent' } : {}),
				// Some events arrive twice from their source.
				...(rand() < 0.1 ? { eventId: `esp-${Math.floor(rand() * 100)}` } : {}),
			});
		}
		// Tracking records events as they happen: in time order, in batches.
		events.sort((a, b) => a.at!.getTime() - b.at!.getTime());
		for (let i = 0; i < events.length; i += 400) {
			await tenant.as((tx) => recordEvents(tx, events.slice(i, i + 400)));
		}

		const fromCounters = await tenant.as((tx) =>
			campaignStats(tx, { groupBy: ['campaign', 'day', 'step', 'variant', 'account'] }),
		);
		const { rows: truth } = await db.pool.query(
			`WITH activity AS (
			   SELECT a.*, q.sequence_step AS step, q.variant, q.email_account_id AS account_id, NOT a.metadata ? 'machine' AS human,
			          a.id = (SELECT f.id FROM email_activities f
			                  WHERE f.email_queue_id = a.email_queue_id AND f.event_type = a.event_type AND NOT f.metadata ? 'machine'
			                  ORDER BY f.timestamp, f.id LIMIT 1) AS first_human
			   FROM email_activities a JOIN email_queue q ON q.id = a.email_queue_id
			   WHERE a.organization_id = $1
			 )
			 SELECT campaign_id, to_char(timestamp::date, 'YYYY-MM-DD') AS day, step, variant, account_id,
			        count(*) FILTER (WHERE event_type = 'sent')::int AS sent,
			        count(*) FILTER (WHERE event_type = 'opened' AND human)::int AS opens,
			        count(*) FILTER (WHERE event_type = 'opened' AND human AND first_human)::int AS unique_opens,
			        count(*) FILTER (WHERE event_type = 'opened' AND NOT human)::int AS machine_opens,
			        count(*) FILTER (WHERE event_type = 'clicked' AND human)::int AS clicks,
			        count(*) FILTER (WHERE event_type = 'clicked' AND human AND first_human)::int AS unique_clicks,
			        count(*) FILTER (WHERE event_type = 'clicked' AND NOT human)::int AS machine_clicks,
			        count(*) FILTER (WHERE event_type = 'replied')::int AS replies,
			        count(*) FILTER (WHERE event_type = 'bounced' AND metadata ->> 'bounceType' = 'hard')::int AS hard_bounces,
			        count(*) FILTER (WHERE event_type = 'bounced' AND metadata ->> 'bounceType' = 'soft')::int AS soft_bounces,
			        count(*) FILTER (WHERE event_type = 'unsubscribed')::int AS unsubscribes,
			        count(*) FILTER (WHERE event_type = 'complained')::int AS complaints
			 FROM activity GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
			[tenant.id],
		);
		const key = (r: Record<string, unknown>) =>
			[r.campaignId ?? r.campaign_id, r.day, r.step, r.variant ?? null, r.accountId ?? r.account_id].join('|');
		const counters = [
			'sent',
			'opens',
			'uniqueOpens',
			'machineOpens',
			'clicks',
			'uniqueClicks',
			'machineClicks',
			'replies',
			'hardBounces',
			'softBounces',
			'unsubscribes',
			'complaints',
		];
		const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
		const expected = new Map(
			truth.map((row) => [key(row), Object.fromEntries(counters.map((c) => [c, row[snake(c)]]))]),
		);
		const actual = new Map(fromCounters.map((row) => [key(row), Object.fromEntries(counters.map((c) => [c, row[c]]))]));
		expect(actual).toEqual(expected);
		expect(truth.length).toBeGreaterThan(50);
		// And the totals, with rates from the same numbers.
		const [totals] = await tenant.as((tx) => campaignStats(tx, { groupBy: [] }));
		expect(totals.sent).toBe(200);
		expect(totals.openRate).toBeCloseTo((totals.uniqueOpens as number) / (totals.delivered as number), 4);
	});
});
