// platform_100_orgs_vs_1_org_ratio: a platform Sender run (sendDueEmailsForOrganizations) over the same number of
// due emails and mailboxes, spread over 100 organizations (1 mailbox each) against all in 1 organization (100
// mailboxes), emails per second, end to end to the SMTP sink over loopback. What 100 organizations add is the
// platform overhead: per batch, a due count, a claim and a recording in each organization's own tenant transaction
// instead of one claim and one recording. The two sides alternate in each round, which starts from fresh rows.
const { sleep } = require('../../scripts/lib/wait');
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

const MAILBOXES = 100;
const ORGANIZATIONS = 100;
const BATCH = 500;
const CONCURRENCY = 60;

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

/**
 * One mailbox's part of the queue: its organization, campaign, and the tenant runner of that organization.
 * @typedef {{ tenant: import('../lib').BenchTenant, campaignId: string, accountId: string }} Lane
 */

/**
 * `perMailbox` due emails for each mailbox, fresh leads and queue rows in one set-based statement (seeding is not
 * what is measured); `tag` keeps each round's leads apart from the earlier rounds'. Each mailbox's emails are due
 * one after the other, interleaved across mailboxes as a schedule spreads them: with equal times a claim's oldest
 * first would take a batch from a few mailboxes of the single organization, and their 3 connections each would
 * throttle its sending.
 * @param {import('../lib').BenchDatabase} db
 * @param {Lane[]} lanes
 * @param {number} perMailbox
 * @param {string} tag
 */
async function seedDueEmails(db, lanes, perMailbox, tag) {
	await db.pool.query(
		`WITH lane AS (
		   SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS l(org, campaign, account, n)
		 ), lead AS (
		   INSERT INTO leads (organization_id, campaign_id, email, first_name, last_name, sequence_position)
		   SELECT lane.org, lane.campaign, 'lead-' || $5 || '-' || lane.n || '-' || g || '@example' || (g % 97) || '.com',
		          'Lead' || g, lane.n::text, 1
		   FROM lane, generate_series(1, $4) g
		   RETURNING id, organization_id, campaign_id, last_name
		 )
		 INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, sequence_step, subject, body,
		                          status, scheduled_at)
		 SELECT lead.organization_id, lead.campaign_id, lead.id, lane.account, 1, 'Hi',
		        '<p>Hello Lead, see <a href="https://example.com/">this</a>.</p>', 'queued',
		        now() - interval '1 hour' + (row_number() OVER (PARTITION BY lane.n ORDER BY lead.id)) * interval '1 ms'
		 FROM lead JOIN lane ON lane.n = lead.last_name::bigint`,
		[lanes.map((l) => l.tenant.id), lanes.map((l) => l.campaignId), lanes.map((l) => l.accountId), perMailbox, tag],
	);
	await db.pool.query('ANALYZE leads, email_queue');
}

/**
 * Sender runs over `organizations` until none claims anything: emails per second, how many runs and tenant
 * transactions it took, and where the time went (claiming: due counts and claims, until the first email is handed
 * to SMTP; sending; recording: after the last one was sent).
 * @param {import('../lib').BenchTenant[]} organizations
 * @param {any} box
 * @param {number} expected
 * @param {{ organizationConcurrency?: number, noop: boolean }} settings
 */
async function sendAll(organizations, box, expected, { organizationConcurrency, noop }) {
	const { sendDueEmailsForOrganizations, pooledTransport } = dist('sending');
	const split = { transactions: 0, claimMs: 0, sendMs: 0, recordMs: 0 };
	/** @type {bigint | undefined} */
	let firstSend;
	/** @type {bigint | undefined} */
	let lastSent;
	const scope = organizations.map((o) => ({
		run: (/** @type {(tx: any) => Promise<any>} */ work) => {
			split.transactions++;
			return o.as(work);
		},
		id: o.id,
		name: o.id.slice(0, 8),
	}));
	// The Sender's own default (the mailbox's pooled transport), timed; or a no-op, leaving the platform overhead.
	const transportFor = (/** @type {{ id: string, smtp: unknown, secret: unknown }} */ m) => {
		const transport = noop ? { sendMail: async () => ({}) } : pooledTransport(m.id, m.smtp, m.secret);
		return {
			sendMail: async (/** @type {object} */ message) => {
				firstSend ??= now();
				const info = await transport.sendMail(message);
				lastSent = now();
				return info;
			},
		};
	};
	let sent = 0;
	let runs = 0;
	const start = now();
	for (;;) {
		const began = now();
		firstSend = lastSent = undefined;
		/** @type {Array<{ claimed: number, sent: number, error?: Error, results: Array<{ status: string }> }>} */
		const summaries = await sendDueEmailsForOrganizations(scope, box, {
			batchSize: BATCH,
			leaseSeconds: 300,
			concurrency: CONCURRENCY,
			tracking: TRACKING,
			transportFor,
			...(organizationConcurrency ? { organizationConcurrency } : {}),
		});
		runs++;
		if (firstSend && lastSent) {
			const ended = now();
			split.claimMs += Number(firstSend - began) / 1e6;
			split.sendMs += Number(lastSent - firstSend) / 1e6;
			split.recordMs += Number(ended - lastSent) / 1e6;
		}
		const failed = summaries.find((s) => s.error || s.sent !== s.claimed);
		if (failed)
			throw new Error(
				`send failures: ${failed.error?.message ?? JSON.stringify(failed.results.find((r) => r.status !== 'sent'))}`,
			);
		const claimed = summaries.reduce((sum, s) => sum + s.claimed, 0);
		if (claimed === 0) break;
		sent += claimed;
	}
	const elapsed = ms(start);
	if (sent !== expected) throw new Error(`sent ${sent}, expected ${expected}`);
	return { rate: (sent / elapsed) * 1000, elapsed, runs, split };
}

/** @param {import('../lib').ScenarioOptions} options */
module.exports = async function platformOrgs({ quick, log }) {
	const emails = quick ? 2000 : 10_000;
	const rounds = quick ? 2 : 3;
	// To profile: OPHIR_BENCH_ORG_CONCURRENCY (organizations claiming or recording at once; the Sender's default is 8)
	// and OPHIR_BENCH_NOOP_TRANSPORT=1 (no SMTP: only the claims, composing and records).
	const organizationConcurrency = Number(process.env.OPHIR_BENCH_ORG_CONCURRENCY) || undefined;
	const noop = process.env.OPHIR_BENCH_NOOP_TRANSPORT === '1';
	const perMailbox = emails / MAILBOXES;
	const sink = await startSmtpSink();
	const db = await createDatabase({ poolMax: 10 });
	try {
		// A: one organization with all the mailboxes.
		const single = await newTenant(db);
		const { ids, box } = await mailboxes(single, MAILBOXES, { port: sink.port });
		const singleCampaign = await activeCampaign(single, ids);
		/** @type {Lane[]} */
		const singleLanes = ids.map((accountId) => ({ tenant: single, campaignId: singleCampaign.id, accountId }));
		// B: as many organizations, one mailbox each.
		/** @type {Lane[]} */
		const manyLanes = [];
		for (let i = 0; i < ORGANIZATIONS; i++) {
			const tenant = await newTenant(db);
			const {
				ids: [accountId],
			} = await mailboxes(tenant, 1, { port: sink.port });
			manyLanes.push({ tenant, campaignId: (await activeCampaign(tenant, [accountId])).id, accountId });
		}
		const sides = {
			one: { lanes: singleLanes, organizations: [single], label: '  1 organization ' },
			many: {
				lanes: manyLanes,
				organizations: manyLanes.map((l) => l.tenant),
				label: `${ORGANIZATIONS} organizations`,
			},
		};
		/** @type {Record<'one' | 'many', number[]>} */
		const rates = { one: [], many: [] };
		/** Tenant transactions a side takes for all its emails (the same in every round). */
		const transactionsPerSide = { one: 0, many: 0 };
		const ratios = [];
		let received = 0;
		for (let r = 0; r < rounds; r++) {
			// Alternate which side goes first, so that a warming cache or machine drift does not favour one.
			/** @type {Array<'one' | 'many'>} */
			const order = r % 2 === 0 ? ['one', 'many'] : ['many', 'one'];
			for (const side of order) {
				const { lanes, organizations, label } = sides[side];
				// Each side opens its own mailboxes' pooled connections (up to 3 per mailbox): closing the other side's
				// keeps the sink under its 500 clients, and both pay the same connection setup.
				dist('sending').closeAllTransports();
				await sleep(500);
				await seedDueEmails(db, lanes, perMailbox, `${r}`);
				const outcome = await sendAll(organizations, box, emails, { organizationConcurrency, noop });
				received += emails;
				const got = await ask(sink.child);
				if (!noop && got !== received) throw new Error(`the sink received ${got}, expected ${received}`);
				rates[side].push(outcome.rate);
				log(
					`  ${label}: ${emails.toLocaleString('en')} emails in ${round(outcome.elapsed, 0)} ms (${round(outcome.rate, 0)} msg/s, ${outcome.runs} Sender runs)`,
				);
				const { transactions, claimMs, sendMs, recordMs } = outcome.split;
				log(
					`    ${transactions} tenant transactions; claiming ${round(claimMs, 0)} ms, sending ${round(sendMs, 0)} ms, recording ${round(recordMs, 0)} ms`,
				);
				transactionsPerSide[side] = transactions;
			}
			ratios.push(rates.many[r] / rates.one[r]);
			log(`  round ${r + 1}: ratio ${round(ratios[r], 2)}`);
		}
		const s = summary(ratios);
		return {
			platform_100_orgs_vs_1_org_ratio: {
				median: round(s.median, 2),
				min: round(s.min, 2),
				max: round(s.max, 2),
				runs: s.runs,
				emails,
				mailboxes: MAILBOXES,
				batch: BATCH,
				concurrency: CONCURRENCY,
				organizationConcurrency: organizationConcurrency ?? 8,
				transport: noop ? 'no-op' : 'SMTP sink',
				oneOrganizationPerSecond: round(summary(rates.one).median, 0),
				hundredOrganizationsPerSecond: round(summary(rates.many).median, 0),
				oneOrganizationTransactions: transactionsPerSide.one,
				hundredOrganizationsTransactions: transactionsPerSide.many,
			},
		};
	} finally {
		dist('sending').closeAllTransports();
		await db.drop();
		sink.child.send('stop');
	}
};
