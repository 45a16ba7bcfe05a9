// lead_import_rows_per_s: Lead → Import through the domain module (validation, de-duplication, suppression,
// set-based upsert), into an empty campaign, at two sizes to show how the cost grows.
const { createDatabase, newTenant, activeCampaign, mailboxes, dist, summary, round, ms, now } = require('../lib');

/**
 * @param {number} count
 * @param {number} offset
 */
function leads(count, offset) {
	return Array.from({ length: count }, (_, i) => ({
		email: `Lead${offset + i}@Example${(offset + i) % 997}.com`,
		firstName: `First${i}`,
		lastName: 'Bench',
		company: `Company ${i % 5000}`,
		tags: ['bench', i % 2 ? 'odd' : 'even'],
		data: { city: 'Lyon', score: i % 100, timezone: 'Europe/Paris' },
	}));
}

/** @param {import('../lib').ScenarioOptions} options */
module.exports = async function leadImport({ quick, log }) {
	const sizes = quick ? [10_000] : [10_000, 100_000];
	const runs = quick ? 1 : 3;
	const db = await createDatabase();
	try {
		const tenant = await newTenant(db);
		const { ids } = await mailboxes(tenant, 1);
		const { importLeads } = dist('outreach');
		/** @type {Record<string, { median: number, min: number, max: number, runs: number }>} */
		const result = {};
		let offset = 0;
		for (const size of sizes) {
			/** @type {number[]} */
			const rates = [];
			for (let run = 0; run < runs; run++) {
				const campaign = await activeCampaign(tenant, ids);
				const input = leads(size, offset);
				offset += size;
				const start = now();
				const outcomes = await tenant.as((tx) => importLeads(tx, input, { campaignId: campaign.id }));
				const elapsed = ms(start);
				if (outcomes.some((/** @type {{ status: string }} */ o) => o.status !== 'created'))
					throw new Error('every lead should have been created');
				rates.push((size / elapsed) * 1000);
				log(
					`  ${size.toLocaleString('en')} leads: ${round(elapsed, 0)} ms (${round(rates[rates.length - 1], 0)} rows/s)`,
				);
			}
			const s = summary(rates);
			result[`${size / 1000}k`] = {
				median: round(s.median, 0),
				min: round(s.min, 0),
				max: round(s.max, 0),
				runs: s.runs,
			};
		}
		return { lead_import_rows_per_s: result };
	} finally {
		await db.drop();
	}
};
