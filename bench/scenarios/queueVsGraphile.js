// queue_vs_graphile_worker_ratio: OPhir's claim + complete cycle with a no-op transport (batches of 500, a few
// concurrent workers) against graphile-worker's no-op jobs (local queue of 500, batched completion) over the same
// number of items, on the same database server, in the same run. OPhir's cycle does more per item: mailbox
// capacity, suppression and lead checks at claim; a `sent` activity, counters, mailbox and lead updates at complete.
const { run: runGraphileWorker, makeWorkerUtils } = require('graphile-worker');

const { sleep } = require('../../scripts/lib/wait');
const { createDatabase, newTenant, activeCampaign, mailboxes, dist, round, ms, now, summary } = require('../lib');

const BATCH = 500;
const WORKERS = 4;

/**
 * @param {import('../lib').BenchDatabase} db
 * @param {import('../lib').BenchTenant} tenant
 * @param {string} campaignId
 * @param {string[]} accountIds
 * @param {number} count
 */
async function seedDueEmails(db, tenant, campaignId, accountIds, count) {
	await db.pool.query(
		`WITH lead AS (
		   INSERT INTO leads (organization_id, campaign_id, email, first_name, sequence_position)
		   SELECT $1, $2, 'lead' || g || '@example.com', 'Lead' || g, 1 FROM generate_series(1, $3) g RETURNING id
		 )
		 INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, sequence_step, subject, body, status, scheduled_at)
		 SELECT $1, $2, lead.id, ($4::uuid[])[1 + (row_number() OVER () % cardinality($4::uuid[]))], 1, 'Hi', '<p>Hello</p>', 'queued',
		        now() - interval '1 minute'
		 FROM lead`,
		[tenant.id, campaignId, count, accountIds],
	);
	await db.pool.query('ANALYZE');
}

/**
 * @param {import('../lib').BenchDatabase} db
 * @param {number} count
 * @param {(line: string) => void} log
 */
async function ophirCycle(db, count, log) {
	const tenant = await newTenant(db);
	const { ids } = await mailboxes(tenant, 10, { dailyLimit: count });
	const campaign = await activeCampaign(tenant, ids);
	await seedDueEmails(db, tenant, campaign.id, ids, count);
	const { claimDueEmails } = dist('sending');
	const { completeEmails } = dist('sending');
	let done = 0;
	const start = now();
	await Promise.all(
		Array.from({ length: WORKERS }, async () => {
			for (;;) {
				const claimed = await tenant.as((tx) => claimDueEmails(tx, { limit: BATCH, leaseSeconds: 300 }));
				if (claimed.length === 0) return;
				const deliveries = claimed.map((/** @type {{ id: string, leaseToken: string }} */ e) => ({
					id: e.id,
					leaseToken: e.leaseToken,
					messageId: `<${e.id}@bench.example>`,
				}));
				const outcome = await tenant.as((tx) => completeEmails(tx, deliveries));
				done += outcome.recorded.length;
			}
		}),
	);
	const elapsed = ms(start);
	if (done !== count) throw new Error(`OPhir completed ${done} of ${count}`);
	log(`  OPhir claim+complete: ${count.toLocaleString('en')} emails in ${round(elapsed, 0)} ms`);
	return (count / elapsed) * 1000;
}

/**
 * @param {import('../lib').BenchDatabase} db
 * @param {number} count
 * @param {(line: string) => void} log
 */
async function graphileWorker(db, count, log) {
	const utils = await makeWorkerUtils({ connectionString: db.url });
	try {
		await utils.migrate();
		for (let added = 0; added < count; added += 5000) {
			await utils.addJobs(
				Array.from({ length: Math.min(5000, count - added) }, () => ({ identifier: 'noop', payload: {} })),
			);
		}
	} finally {
		await utils.release();
	}
	let completed = 0;
	/** @type {(value?: unknown) => void} */
	let finish;
	const finished = new Promise((resolve) => (finish = resolve));
	const start = now();
	const runner = await runGraphileWorker({
		connectionString: db.url,
		concurrency: 10,
		noHandleSignals: true,
		pollInterval: 1000,
		logger: new (require('graphile-worker').Logger)(() => () => undefined),
		taskList: {
			noop: async () => {
				if (++completed === count) finish();
			},
		},
		preset: { worker: { localQueue: { size: BATCH }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
	});
	await finished;
	// The last batch's completions are written on the next tick; wait until the jobs table is empty.
	for (;;) {
		const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM graphile_worker._private_jobs');
		if (rows[0].n === 0) break;
		await sleep(5);
	}
	const elapsed = ms(start);
	await runner.stop();
	log(`  graphile-worker no-op: ${count.toLocaleString('en')} jobs in ${round(elapsed, 0)} ms`);
	return (count / elapsed) * 1000;
}

/** @param {import('../lib').ScenarioOptions} options */
module.exports = async function queueVsGraphile({ quick, log }) {
	const count = quick ? 5_000 : 50_000;
	const runs = quick ? 1 : 3;
	const ratios = [];
	/** @type {{ ophir: number[], graphile: number[] }} */
	const rates = { ophir: [], graphile: [] };
	for (let run = 0; run < runs; run++) {
		const db = await createDatabase({ poolMax: 12 });
		try {
			const ophir = await ophirCycle(db, count, log);
			const graphile = await graphileWorker(db, count, log);
			rates.ophir.push(ophir);
			rates.graphile.push(graphile);
			ratios.push(ophir / graphile);
		} finally {
			await db.drop();
		}
	}
	const s = summary(ratios);
	return {
		queue_vs_graphile_worker_ratio: {
			median: round(s.median, 2),
			min: round(s.min, 2),
			max: round(s.max, 2),
			runs: s.runs,
			items: count,
			ophirPerSecond: round(summary(rates.ophir).median, 0),
			graphileWorkerPerSecond: round(summary(rates.graphile).median, 0),
		},
	};
};
