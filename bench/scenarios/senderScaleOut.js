// sender_two_vs_one_worker_ratio: the bundled Sender workflow (Send Due Emails, batch 100) in a real n8n in queue
// mode (main + workers, Redis), emails per second with two workers against one worker of the same cluster, each
// worker running up to 5 executions at once. Ten Sender runs are kept queued (started through the REST API, as
// overlapping schedules would), so the workers, not the driver, set the pace. The phases alternate in each run.
const fs = require('node:fs');
const path = require('node:path');

const { sleep } = require('../../scripts/lib/wait');
const { ensureN8nInstalled } = require('../../scripts/n8n/install');
const { ensureRedis, launchQueueMode } = require('../../scripts/n8n/queueMode');
const { N8nClient } = require('../../scripts/n8n/rest');
const {
	startSmtpSink,
	admin,
	createDatabase,
	newTenant,
	mailboxes,
	activeCampaign,
	dist,
	round,
	summary,
	adminUrl,
	KEY,
	TRACKING,
} = require('../lib');

const OWNER = { email: 'bench@ophir.dev', password: 'Bench-password-1' };
const CONCURRENCY = 5;
const QUEUED_RUNS = 10;

/** @param {import('../lib').ScenarioOptions} options */
module.exports = async function senderScaleOut({ quick, log }) {
	const emails = quick ? 1000 : 3000;
	const runs = quick ? 1 : 3;
	await ensureN8nInstalled({ log });
	const redis = await ensureRedis({ log });
	const sink = await startSmtpSink();
	const db = await createDatabase({ poolMax: 10 });
	let cluster;
	try {
		cluster = await launchQueueMode({
			adminUrl: adminUrl(),
			n8nDatabase: `${db.name}_n8n`,
			redis,
			workers: 2,
			webhooks: 0,
			concurrency: CONCURRENCY,
			log: () => undefined,
		});
		const tenant = await newTenant(db);
		const { ids } = await mailboxes(tenant, 10, { dailyLimit: 100_000, port: sink.port });
		const client = new N8nClient(cluster.url);
		await client.setupOwner(OWNER);
		await client.login(OWNER.email, OWNER.password);
		await client.createOphirCredential({
			name: 'OPhir',
			connectionString: db.url,
			organizationId: tenant.id,
			encryptionKey: KEY,
			trackingSecret: TRACKING.secret,
			trackingBaseUrl: TRACKING.baseUrl,
		});
		const sender = JSON.parse(
			fs.readFileSync(path.join(__dirname, '..', '..', 'workflows', 'ophir-sender.json'), 'utf8'),
		);
		// As shipped (n8n saves each execution), without the Error Log workflow this benchmark does not import.
		sender.settings = { ...sender.settings, errorWorkflow: undefined };
		const { id: senderId } = await client.createWorkflow(sender);

		let offset = 0;
		/**
		 * Seeds `emails` due emails, then keeps QUEUED_RUNS Sender runs queued until all are sent; emails/s.
		 * @param {string} label
		 */
		async function measure(label) {
			const campaign = await activeCampaign(tenant, ids);
			await db.pool.query(
				`INSERT INTO leads (organization_id, campaign_id, email, first_name, created_at)
				 SELECT $1, $2, 'lead' || g || '@example' || (g % 997) || '.com', 'Lead' || g, now() - interval '1 minute'
				 FROM generate_series($3::int + 1, $3::int + $4::int) g`,
				[tenant.id, campaign.id, offset, emails],
			);
			offset += emails;
			const scheduled = await tenant.as((tx) => dist('sending').scheduleDueSteps(tx, { limit: emails }));
			if (scheduled.scheduled !== emails)
				throw new Error(`expected ${emails} scheduled, got ${JSON.stringify(scheduled)}`);
			const count = async () =>
				(
					await db.pool.query(
						`SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status NOT IN ('sent', 'queued', 'sending'))::int AS other FROM email_queue WHERE campaign_id = $1`,
						[campaign.id],
					)
				).rows[0];
			let done = false;
			/** @type {string[]} */
			const failures = [];
			const loop = async () => {
				while (!done) {
					const { executionId } = await client.request('POST', `/rest/workflows/${senderId}/run`, {
						triggerToStartFrom: { name: 'Every Minute' },
					});
					const execution = await client.waitForExecution(executionId, { timeoutMs: 300_000 });
					if (execution.status !== 'success') failures.push(`${execution.status}: ${execution.error?.message}`);
				}
			};
			const start = process.hrtime.bigint();
			const loops = Array.from({ length: QUEUED_RUNS }, loop);
			let state;
			for (;;) {
				state = await count();
				if (state.sent + state.other >= emails || failures.length) break;
				await sleep(50);
			}
			const seconds = Number(process.hrtime.bigint() - start) / 1e9;
			done = true;
			await Promise.all(loops);
			if (failures.length) throw new Error(`Sender runs failed: ${failures.slice(0, 3).join('; ')}`);
			if (state.sent !== emails) throw new Error(`${state.sent} of ${emails} sent, ${state.other} not sendable`);
			const rate = emails / seconds;
			log(`  ${label}: ${emails.toLocaleString('en')} emails in ${round(seconds, 1)} s (${round(rate, 0)} msg/s)`);
			return rate;
		}

		const [, second] = cluster.workers;
		const ratios = [];
		/** @type {Record<string, number[]>} */
		const rates = { one: [], two: [] };
		for (let run = 0; run < runs; run++) {
			// Alternate which phase goes first, so that a warming database or cache does not favour one side.
			for (const phase of run % 2 === 0 ? ['one', 'two'] : ['two', 'one']) {
				if (phase === 'one' && !second.exited()) await second.stop();
				if (phase === 'two' && second.exited()) await second.start();
				rates[phase].push(await measure(phase === 'one' ? '1 worker ' : '2 workers'));
			}
			ratios.push(rates.two[rates.two.length - 1] / rates.one[rates.one.length - 1]);
		}
		const s = summary(ratios);
		return {
			sender_two_vs_one_worker_ratio: {
				median: round(s.median, 2),
				min: round(s.min, 2),
				max: round(s.max, 2),
				runs: s.runs,
				emails,
				concurrencyPerWorker: CONCURRENCY,
				oneWorkerPerSecond: round(summary(rates.one).median, 0),
				twoWorkersPerSecond: round(summary(rates.two).median, 0),
			},
		};
	} finally {
		await cluster?.stop();
		dist('sending').closeAllTransports();
		await admin(`DROP DATABASE IF EXISTS ${db.name}_n8n WITH (FORCE)`);
		await db.drop();
		await redis.stop();
		sink.child.send('stop');
	}
};
