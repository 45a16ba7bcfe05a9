// smtp_send_msgs_per_s: Send Due Emails end to end (claim, compose with tracking, pooled nodemailer transports,
// record) to an SMTP server in another process on loopback.
const {
	startSmtpSink,
	createDatabase,
	newTenant,
	activeCampaign,
	mailboxes,
	dist,
	round,
	ms,
	now,
	summary,
	TRACKING,
} = require('../lib');

/**
 * How many messages the sink has received.
 * @param {import('node:child_process').ChildProcess} child
 * @returns {Promise<number>}
 */
const ask = (child) =>
	new Promise((resolve) => {
		child.once('message', (message) => resolve(/** @type {{ received: number }} */ (message).received));
		child.send('count');
	});

/** @param {import('../lib').ScenarioOptions} options */
module.exports = async function smtpSend({ quick, log }) {
	const count = quick ? 1000 : 5000;
	const runs = quick ? 1 : 3;
	const rates = [];
	for (let run = 0; run < runs; run++) {
		const sink = await startSmtpSink();
		const db = await createDatabase({ poolMax: 10 });
		try {
			const tenant = await newTenant(db);
			const { ids, box } = await mailboxes(tenant, 10, { dailyLimit: count, port: sink.port });
			const campaign = await activeCampaign(tenant, ids);
			await db.pool.query(
				`INSERT INTO leads (organization_id, campaign_id, email, first_name)
				 SELECT $1, $2, 'lead' || g || '@example' || (g % 97) || '.com', 'Lead' || g FROM generate_series(1, $3) g`,
				[tenant.id, campaign.id, count],
			);
			const scheduled = await tenant.as((tx) =>
				dist('sending').scheduleDueSteps(tx, { limit: count, now: new Date(Date.now() + 60_000) }),
			);
			if (scheduled.scheduled !== count) throw new Error(`expected ${count} scheduled, got ${scheduled.scheduled}`);
			const { sendDueEmails } = dist('sending');
			const later = () => new Date(Date.now() + 120_000);
			let sent = 0;
			const start = now();
			for (;;) {
				const summaryOfBatch = await sendDueEmails(tenant.as, box, {
					batchSize: 500,
					leaseSeconds: 300,
					concurrency: 60,
					tracking: TRACKING,
					now: later,
				});
				if (summaryOfBatch.claimed === 0) break;
				if (summaryOfBatch.sent !== summaryOfBatch.claimed)
					throw new Error(
						`send failures: ${JSON.stringify(summaryOfBatch.results.find((/** @type {{ status: string }} */ r) => r.status !== 'sent'))}`,
					);
				sent += summaryOfBatch.sent;
			}
			const elapsed = ms(start);
			const received = await ask(sink.child);
			if (sent !== count || received !== count)
				throw new Error(`sent ${sent}, sink received ${received}, expected ${count}`);
			rates.push((count / elapsed) * 1000);
			log(
				`  ${count.toLocaleString('en')} emails sent and received in ${round(elapsed, 0)} ms (${round(rates[rates.length - 1], 0)} msg/s)`,
			);
		} finally {
			dist('sending').closeAllTransports();
			await db.drop();
			sink.child.send('stop');
		}
	}
	const s = summary(rates);
	return {
		smtp_send_msgs_per_s: {
			median: round(s.median, 0),
			min: round(s.min, 0),
			max: round(s.max, 0),
			runs: s.runs,
			emails: count,
		},
	};
};
