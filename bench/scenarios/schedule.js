// schedule_ms_100k: Schedule Due Steps over N due leads of one active campaign with 100 mailboxes (rendering, window
// placement, rotation and the set-based insert included).
const {
	createDatabase,
	newTenant,
	activeCampaign,
	mailboxes,
	seedLeads,
	dist,
	summary,
	round,
	ms,
	now,
} = require('../lib');

/** @param {import('../lib').ScenarioOptions} options */
module.exports = async function schedule({ quick, log }) {
	const count = quick ? 10_000 : 100_000;
	const runs = quick ? 1 : 3;
	const { scheduleDueSteps } = dist('sending');
	const times = [];
	for (let run = 0; run < runs; run++) {
		const db = await createDatabase();
		try {
			const tenant = await newTenant(db);
			const { ids } = await mailboxes(tenant, 100, { dailyLimit: 5000 });
			const campaign = await activeCampaign(tenant, ids);
			await seedLeads(db, tenant, campaign.id, count);
			await db.pool.query('ANALYZE');
			const start = now();
			const result = await tenant.as((tx) => scheduleDueSteps(tx, { limit: count }));
			const elapsed = ms(start);
			if (result.scheduled !== count) throw new Error(`expected ${count} scheduled, got ${JSON.stringify(result)}`);
			times.push(elapsed);
			log(`  ${count.toLocaleString('en')} due leads scheduled in ${round(elapsed, 0)} ms`);
		} finally {
			await db.drop();
		}
	}
	const s = summary(times);
	return {
		[quick ? 'schedule_ms_10k' : 'schedule_ms_100k']: {
			median: round(s.median, 0),
			min: round(s.min, 0),
			max: round(s.max, 0),
			runs: s.runs,
		},
	};
};
