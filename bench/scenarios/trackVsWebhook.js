// track_vs_bare_webhook_ratio: open-pixel requests per second through a real n8n (OPhir's tracking trigger: token
// check, one INSERT, counters, the GIF; no execution) against a built-in Webhook → Respond to Webhook workflow in the
// same n8n, each loaded by autocannon on loopback for a fixed time.
// @ts-expect-error -- autocannon ships no types (@types/autocannon is no dependency): it is `any` here
const autocannon = require('autocannon');

const { sleep } = require('../../scripts/lib/wait');
const { ensureN8nInstalled } = require('../../scripts/n8n/install');
const { launchN8n } = require('../../scripts/n8n/launch');
const { N8nClient } = require('../../scripts/n8n/rest');
const {
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

/**
 * @param {string} url
 * @param {number} seconds
 * @returns {Promise<any>} autocannon's result
 */
function load(url, seconds) {
	return new Promise((resolve, reject) => {
		autocannon(
			{ url, connections: 10, duration: seconds, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Bench' } },
			(/** @type {Error | null} */ error, /** @type {unknown} */ result) => (error ? reject(error) : resolve(result)),
		);
	});
}

/** @param {import('../lib').ScenarioOptions} options */
module.exports = async function trackVsWebhook({ quick, log }) {
	const seconds = quick ? 3 : 10;
	const runs = quick ? 1 : 3;
	await ensureN8nInstalled({ log });
	const db = await createDatabase();
	const n8n = await launchN8n({ adminUrl: adminUrl(), n8nDatabase: `${db.name}_n8n`, log: () => undefined });
	try {
		const tenant = await newTenant(db);
		const { ids } = await mailboxes(tenant, 1);
		const campaign = await activeCampaign(tenant, ids);
		// One sent email whose open pixel is requested over and over.
		const { rows } = await db.pool.query(
			`WITH lead AS (INSERT INTO leads (organization_id, campaign_id, email) VALUES ($1, $2, 'reader@example.com') RETURNING id)
			 INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, sequence_step, status, sent_at, subject, body)
			 SELECT $1, $2, lead.id, $3, 1, 'sent', now() - interval '1 hour', 'Hi', '<p>Hello</p>' FROM lead RETURNING id`,
			[tenant.id, campaign.id, ids[0]],
		);
		const token = dist('tracking').signTrackingToken(TRACKING.secret, rows[0].id, 'open');
		const client = new N8nClient(n8n.url);
		if (await client.needsOwnerSetup()) await client.setupOwner(OWNER);
		await client.login(OWNER.email, OWNER.password);
		await client.createOphirCredential({
			name: 'OPhir',
			connectionString: db.url,
			organizationId: tenant.id,
			encryptionKey: KEY,
			trackingSecret: TRACKING.secret,
			trackingBaseUrl: `${n8n.url}/webhook/ophir-tracking`,
		});
		const quiet = { executionOrder: 'v1', saveDataSuccessExecution: 'none', saveManualExecutions: false };
		const tracking = await client.createWorkflow({
			name: 'Bench tracking',
			nodes: [
				{
					name: 'OPhir Tracking',
					type: 'n8n-nodes-ophir.ophirTrackTrigger',
					typeVersion: 1,
					position: [0, 0],
					webhookId: 'ophir-tracking',
					parameters: {},
					credentials: { ophirPostgresApi: { name: 'OPhir' } },
				},
			],
			connections: {},
			settings: quiet,
		});
		const bare = await client.createWorkflow({
			name: 'Bench bare webhook',
			nodes: [
				{
					name: 'Webhook',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					position: [0, 0],
					webhookId: 'bench-bare',
					parameters: { path: 'bare', responseMode: 'responseNode', options: {} },
				},
				{
					name: 'Respond',
					type: 'n8n-nodes-base.respondToWebhook',
					typeVersion: 1.1,
					position: [220, 0],
					parameters: { respondWith: 'text', responseBody: 'ok', options: {} },
				},
			],
			connections: { Webhook: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } },
			settings: quiet,
		});
		await client.activateWorkflow(tracking.id);
		await client.activateWorkflow(bare.id);
		const pixel = `${n8n.url}/webhook/ophir-tracking/o.gif?t=${token}`;
		// n8n registers an activated workflow's webhooks shortly after answering the activation.
		for (const [url, type] of [
			[pixel, 'image/gif'],
			[`${n8n.url}/webhook/bare`, 'text/'],
		]) {
			for (let waited = 0; ; waited += 250) {
				const response = await fetch(url);
				await response.arrayBuffer();
				if (response.status === 200 && String(response.headers.get('content-type')).startsWith(type)) break;
				if (waited > 30_000) throw new Error(`${url} still answers ${response.status} after 30 s`);
				await sleep(250);
			}
		}
		const ratios = [];
		/** @type {{ track: number[], bare: number[] }} */
		const rates = { track: [], bare: [] };
		for (let run = 0; run < runs; run++) {
			const track = await load(pixel, seconds);
			const plain = await load(`${n8n.url}/webhook/bare`, seconds);
			if (track.non2xx || plain.non2xx || track.errors || plain.errors)
				throw new Error(`failed requests: track ${track.non2xx}/${track.errors}, bare ${plain.non2xx}/${plain.errors}`);
			rates.track.push(track.requests.average);
			rates.bare.push(plain.requests.average);
			ratios.push(track.requests.average / plain.requests.average);
			log(
				`  open pixel ${round(track.requests.average, 0)} req/s, Webhook → Respond ${round(plain.requests.average, 0)} req/s`,
			);
		}
		const { rows: opens } = await db.pool.query(
			`SELECT count(*)::int AS n FROM email_activities WHERE event_type = 'opened'`,
		);
		log(`  ${opens[0].n.toLocaleString('en')} opens recorded`);
		const s = summary(ratios);
		return {
			track_vs_bare_webhook_ratio: {
				median: round(s.median, 2),
				min: round(s.min, 2),
				max: round(s.max, 2),
				runs: s.runs,
				seconds,
				trackPerSecond: round(summary(rates.track).median, 0),
				barePerSecond: round(summary(rates.bare).median, 0),
			},
		};
	} finally {
		await n8n.stop();
		await db.drop();
		await admin(`DROP DATABASE IF EXISTS ${db.name}_n8n WITH (FORCE)`);
	}
};
