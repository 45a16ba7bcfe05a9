// stats_query_ms_1m: Campaign Stats (per campaign, and per step × variant × mailbox × day) over 10k, 100k and 1M
// activities: it reads counters, so its time should stay flat as activities grow.
const { createDatabase, newTenant, activeCampaign, mailboxes, dist, round, ms, now, summary } = require('../lib');

/** @param {import('../lib').ScenarioOptions} options */
module.exports = async function statsQuery({ quick, log }) {
	const sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
	const db = await createDatabase();
	/** @type {Record<string, { perCampaignMs: number, detailedMs: number, max: number, runs: number }>} */
	const result = {};
	try {
		const tenant = await newTenant(db);
		const { ids } = await mailboxes(tenant, 5);
		const campaigns = [];
		for (let i = 0; i < 5; i++) campaigns.push((await activeCampaign(tenant, ids)).id);
		// Sent emails to hang the events on: 2,000 per campaign over 3 steps, 2 variants and the 5 mailboxes.
		await db.pool.query(
			`WITH lead AS (
			   INSERT INTO leads (organization_id, campaign_id, email)
			   SELECT $1, ($2::uuid[])[1 + g % 5], 'lead' || g || '@example.com' FROM generate_series(1, 10000) g RETURNING id, campaign_id
			 )
			 INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, sequence_step, variant, status, sent_at)
			 SELECT $1, campaign_id, id, ($3::uuid[])[1 + (row_number() OVER ()) % 5], 1 + (row_number() OVER ()) % 3,
			        CASE WHEN random() < 0.5 THEN 'A' ELSE 'B' END, 'sent', now() FROM lead`,
			[tenant.id, campaigns, ids],
		);
		const { campaignStats } = dist('tracking');
		let total = 0;
		for (const size of sizes) {
			// Events over 90 days, inserted in chunks (the counters trigger runs once per statement).
			for (let added = total; added < size; added += 100_000) {
				await db.pool.query(
					`WITH q AS (SELECT id, lead_id, campaign_id, row_number() OVER (ORDER BY id) - 1 AS n FROM email_queue WHERE organization_id = $1)
					 INSERT INTO email_activities (organization_id, email_queue_id, lead_id, campaign_id, event_type, timestamp, metadata)
					 SELECT $1, q.id, q.lead_id, q.campaign_id, (ARRAY['sent','opened','opened','clicked','replied','bounced'])[1 + g % 6],
					        now() - (g % 90) * interval '1 day', CASE WHEN g % 7 = 0 THEN '{"machine": "bench"}'::jsonb ELSE '{}'::jsonb END
					 FROM generate_series(1, $2) g JOIN q ON q.n = g % 10000`,
					[tenant.id, Math.min(100_000, size - added)],
				);
			}
			total = size;
			await db.pool.query('ANALYZE');
			const measure = async (/** @type {string[]} */ groupBy) => {
				/** @type {number[]} */
				const times = [];
				for (let i = 0; i < 30; i++) {
					const start = now();
					await tenant.as((tx) => campaignStats(tx, { groupBy }));
					times.push(ms(start));
				}
				return summary(times);
			};
			const perCampaign = await measure(['campaign']);
			const detailed = await measure(['campaign', 'step', 'variant', 'account', 'day']);
			const label = size >= 1_000_000 ? `${size / 1_000_000}m` : `${size / 1000}k`;
			result[label] = {
				perCampaignMs: round(perCampaign.median, 2),
				detailedMs: round(detailed.median, 2),
				max: round(perCampaign.max, 2),
				runs: perCampaign.runs,
			};
			log(
				`  ${size.toLocaleString('en')} activities: per campaign ${round(perCampaign.median, 2)} ms, per step/variant/mailbox/day ${round(detailed.median, 2)} ms`,
			);
		}
	} finally {
		await db.drop();
	}
	return { stats_query_ms_1m: result };
};
