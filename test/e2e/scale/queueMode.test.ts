/**
 * OPhir on n8n's own scale-out (queue mode): one main process, two workers and one webhook process, all with OPhir
 * installed as a community package, sharing n8n's database, OPhir's database and Redis. Nothing in OPhir knows
 * about the processes: n8n hands executions to workers through Redis, PostgreSQL keeps the claims apart.
 *
 * Which worker ran an execution: n8n 2.41 does not store it in its execution table, so the workers run at log level
 * info and each logs "Worker started execution <id>"; that id is the one OPhir writes to n8n_executions (Log
 * Execution) and to email_queue.n8n_execution_id. The test joins the two.
 *
 * Redis: the one at 127.0.0.1:6379 (REDIS_HOST/REDIS_PORT), else a private redis-server when the binary exists;
 * without either the suite is skipped with a message.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';

import { createCampaign, createEmailAccount, transitionCampaign } from '../../../nodes/core/outreach';
import { scheduleDueSteps } from '../../../nodes/core/sending';
import { SecretBox } from '../../../nodes/core/db';
import { eventually } from '../../../scripts/lib/wait';
import { launchQueueMode, type QueueModeCluster } from '../../../scripts/n8n/queueMode';
import { N8nClient, type WorkflowJson } from '../../../scripts/n8n/rest';
import { adminQuery, adminUrl, createTestDatabase, type TestDatabase } from '../../support/database';
import { fetchWebhook as fetchFromWebhook } from '../../support/n8nWorkflows';
import { BROWSER } from '../../support/outreach';
import { SINK_PASSWORD } from '../../support/smtpSink';
import { newTenant } from '../../support/tenants';
import { ensureFreshBuild, ROOT } from '../build';

jest.setTimeout(20 * 60_000);

const OWNER = { email: 'owner@scale.ophir.test', password: `Scale-${randomBytes(9).toString('hex')}-7` };
const KEY = randomBytes(32).toString('hex');
const TRACKING_SECRET = randomBytes(32).toString('hex');
const LINK = 'https://acme-outreach.example/pricing';
const ALWAYS = { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startHour: 0, endHour: 24 };
/** Three mailboxes with room to spare and one whose daily limit binds. */
const MAILBOXES = [
	{ email: 'big1@scale.example', dailyLimit: 1000 },
	{ email: 'big2@scale.example', dailyLimit: 1000 },
	{ email: 'big3@scale.example', dailyLimit: 1000 },
	{ email: 'small@scale.example', dailyLimit: 150 },
];
const FIRST_BATCH = 2000;
const SECOND_BATCH = 400;
/** Short enough for the test to wait for a dead worker's leases, far longer than a batch takes. */
const LEASE_SECONDS = 20;

/** Whether Redis answers (a synchronous probe: jest decides to skip a suite before any hook runs). */
function redisReachable(): boolean {
	const probe = `require('${join(ROOT, 'scripts', 'n8n', 'queueMode').replace(/\\/g, '/')}').pingRedis(process.env.REDIS_HOST || '127.0.0.1', Number(process.env.REDIS_PORT || 6379)).then((ok) => process.exit(ok ? 0 : 1))`;
	return spawnSync(process.execPath, ['-e', probe]).status === 0;
}
const redisServerInstalled = () => spawnSync('redis-server', ['--version']).status === 0;
const canRun = redisReachable() || redisServerInstalled();
const skipped = canRun ? '' : ' (skipped: no Redis answers at 127.0.0.1:6379 and redis-server is not installed)';

interface Received {
	messageId: string;
	from: string;
	raw: string;
}

/** An SMTP server that keeps what it accepted (raw) and can take its time to accept each message. */
class CountingSink {
	readonly received: Received[] = [];
	delayMs = 0;
	port = 0;
	private server!: SMTPServer;

	async start(): Promise<this> {
		this.server = new SMTPServer({
			secure: false,
			disabledCommands: ['STARTTLS'],
			allowInsecureAuth: true,
			logger: false,
			onAuth: (auth, _session, callback) =>
				auth.password === SINK_PASSWORD
					? callback(null, { user: auth.username })
					: callback(new Error('Invalid username or password')),
			onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
				const chunks: Buffer[] = [];
				stream.on('data', (chunk: Buffer) => chunks.push(chunk));
				stream.on('end', () => {
					setTimeout(() => {
						const raw = Buffer.concat(chunks).toString('utf8');
						const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? '';
						this.received.push({
							messageId,
							from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
							raw,
						});
						callback();
					}, this.delayMs);
				});
			},
		});
		// A client that dies mid-conversation (the killed worker) resets its connection: not an error of the server.
		this.server.on('error', () => undefined);
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		this.port = (this.server.server.address() as AddressInfo).port;
		return this;
	}

	countByMessageId(): Map<string, number> {
		const counts = new Map<string, number>();
		for (const mail of this.received) counts.set(mail.messageId, (counts.get(mail.messageId) ?? 0) + 1);
		return counts;
	}

	stop(): Promise<void> {
		return new Promise((resolve) => this.server.close(() => resolve()));
	}
}

(canRun ? describe : describe.skip)(
	`OPhir on n8n queue mode: a main process, two workers and a webhook process${skipped}`,
	() => {
		const n8nDatabase = `n8n_scale_${randomBytes(6).toString('hex')}`;
		let ophirDb: TestDatabase;
		let sink: CountingSink;
		let cluster: QueueModeCluster;
		let client: N8nClient;
		let tenant: Awaited<ReturnType<typeof newTenant>>;
		let accountIds: string[];
		let senderId: string;
		/** Every Sender execution this test started. */
		const started: string[] = [];

		async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
			return (await ophirDb.pool.query(text, params)).rows as T[];
		}

		/** Starts one Sender run through the REST API (the editor's Execute button); n8n hands it to a worker. */
		async function startSender(): Promise<string> {
			const answer = await client.request('POST', `/rest/workflows/${senderId}/run`, {
				triggerToStartFrom: { name: 'Every Minute' },
			});
			const id = String(answer.executionId);
			started.push(id);
			return id;
		}

		/** Waits until n8n says the execution ended; a run of a killed worker never does, so it may time out. */
		async function finished(id: string, timeoutMs = 120_000): Promise<string> {
			try {
				return (await client.waitForExecution(id, { timeoutMs })).status;
			} catch (error) {
				return `unfinished: ${(error as Error).message}`;
			}
		}

		/** A campaign with one tracked step over `accounts`, `count` leads created a minute ago, scheduled now. */
		async function seedDueEmails(name: string, accounts: string[], count: number, offset: number): Promise<string> {
			const campaign = await tenant.as(async (tx) => {
				const created = await createCampaign(tx, {
					name,
					config: {
						sequence: [
							{
								subject: 'Hi {{firstName}}',
								body: `<p>Hello {{fallback firstName "there"}}, see <a href="${LINK}">our pricing</a>.</p>`,
							},
						],
						sendingWindow: ALWAYS,
						accountIds: accounts,
						postalAddress: '1 Main Street, Springfield',
						minGapSeconds: 0,
						jitterSeconds: 0,
					},
				});
				return transitionCampaign(tx, created.id, 'activate');
			});
			await sql(
				`INSERT INTO leads (organization_id, campaign_id, email, first_name, created_at)
			 SELECT $1, $2, 'lead' || g || '@prospect' || (g % 97) || '.example', 'Lead' || g, now() - interval '1 minute'
			 FROM generate_series($3::int + 1, $3::int + $4::int) g`,
				[tenant.id, campaign.id, offset, count],
			);
			const result = await tenant.as((tx) => scheduleDueSteps(tx, { limit: count }));
			expect(result).toMatchObject({ scheduled: count, failed: 0, waitingForCapacity: 0 });
			return campaign.id;
		}

		async function queueCounts(campaignId: string): Promise<Record<string, number>> {
			const rows = await sql<{ status: string; n: number }>(
				`SELECT status, count(*)::int AS n FROM email_queue WHERE campaign_id = $1 GROUP BY 1`,
				[campaignId],
			);
			return Object.fromEntries(rows.map((r) => [r.status, r.n]));
		}

		/** Which worker ran each execution in `ids` (from the workers' logs), and how many ran where. */
		function workersOf(ids: string[]): Record<string, number> {
			const byExecution = cluster.executionWorkers();
			const counts: Record<string, number> = {};
			for (const id of ids) {
				const worker = byExecution.get(id) ?? 'unknown';
				counts[worker] = (counts[worker] ?? 0) + 1;
			}
			return counts;
		}

		beforeAll(async () => {
			await ensureFreshBuild();
			ophirDb = await createTestDatabase();
			sink = await new CountingSink().start();
			cluster = await launchQueueMode({ adminUrl: adminUrl(), n8nDatabase, workers: 2, webhooks: 1, concurrency: 5 });

			const owner = new N8nClient(cluster.url);
			await owner.setupOwner(OWNER);
			client = new N8nClient(cluster.url);
			await client.login(OWNER.email, OWNER.password);

			tenant = await newTenant(ophirDb, 'Scale Outreach');
			const box = new SecretBox(KEY);
			accountIds = [];
			for (const mailbox of MAILBOXES) {
				const account = await tenant.as((tx) =>
					createEmailAccount(tx, box, {
						email: mailbox.email,
						smtp: { host: '127.0.0.1', port: sink.port, security: 'none' },
						password: SINK_PASSWORD,
						dailyLimit: mailbox.dailyLimit,
						warmupStatus: 'warmed',
					}),
				);
				accountIds.push(account.id);
			}
			await client.createOphirCredential({
				name: 'OPhir',
				connectionString: ophirDb.url,
				organizationId: tenant.id,
				encryptionKey: KEY,
				trackingSecret: TRACKING_SECRET,
				trackingBaseUrl: `${cluster.webhookUrl}/webhook/ophir-tracking`,
			});
			const bundled = (file: string) => JSON.parse(readFileSync(join(ROOT, 'workflows', file), 'utf8')) as WorkflowJson;
			// The bundled Sender as shipped (batch 100), with a lease short enough to wait for in the crash test.
			const sender = bundled('ophir-sender.json');
			for (const node of sender.nodes)
				if (node.name === 'Send Due Emails') node.parameters.options = { leaseSeconds: LEASE_SECONDS };
			senderId = (await client.createWorkflow(sender)).id;
			const tracking = await client.createWorkflow(bundled('ophir-tracking.json'));
			await client.activateWorkflow(tracking.id);
		});

		afterAll(async () => {
			await cluster?.stop();
			await sink?.stop();
			await adminQuery(`DROP DATABASE IF EXISTS ${n8nDatabase} WITH (FORCE)`);
			await ophirDb?.drop();
		});

		it('runs every process in queue mode with OPhir loaded, the main process handing executions to the workers', async () => {
			expect(cluster.workers.map((w) => w.name)).toEqual(['worker1', 'worker2']);
			expect(cluster.webhooks.map((w) => w.name)).toEqual(['webhook1']);
			for (const worker of cluster.workers) expect(worker.logs()).toContain('n8n worker is now ready');
			const types = (await client.nodeTypes()).map((t) => t.name);
			expect(types).toEqual(
				expect.arrayContaining([
					'n8n-nodes-ophir.ophirQueue',
					'n8n-nodes-ophir.ophirTrack',
					'n8n-nodes-ophir.ophirTrackTrigger',
				]),
			);
		});

		it('sends 2,000 due emails with Sender runs overlapping on both workers: each received exactly once, no mailbox over its limit', async () => {
			const campaignId = await seedDueEmails('Scale-out', accountIds, FIRST_BATCH, 0);
			sink.delayMs = 5;

			// Waves of ten runs at once: more than one worker's concurrency (5), so both workers run Senders together.
			for (let wave = 0; wave < 10; wave++) {
				const ids = await Promise.all(Array.from({ length: 10 }, () => startSender()));
				const statuses = await Promise.all(ids.map((id) => finished(id)));
				expect(statuses).toEqual(ids.map(() => 'success'));
				if ((await queueCounts(campaignId)).sent === FIRST_BATCH) break;
			}

			expect(await queueCounts(campaignId)).toEqual({ sent: FIRST_BATCH });
			const counts = sink.countByMessageId();
			const rows = await sql<{ message_id: string; email_account_id: string; n8n_execution_id: string }>(
				`SELECT message_id, email_account_id, n8n_execution_id FROM email_queue WHERE campaign_id = $1`,
				[campaignId],
			);
			expect(sink.received).toHaveLength(FIRST_BATCH);
			expect(counts.size).toBe(FIRST_BATCH);
			expect(rows.every((row) => counts.get(row.message_id) === 1)).toBe(true);

			// Every mailbox within its daily limit, both as the SMTP server counted and as OPhir recorded; the small one full.
			const accounts = await sql<{ email: string; daily_limit: number; current_sent_today: number }>(
				`SELECT email, daily_limit, current_sent_today FROM email_accounts ORDER BY email`,
			);
			for (const account of accounts) {
				const atServer = sink.received.filter((m) => m.from === account.email).length;
				expect(atServer).toBe(account.current_sent_today);
				expect(atServer).toBeLessThanOrEqual(account.daily_limit);
			}
			expect(accounts.find((a) => a.email === 'small@scale.example')!.current_sent_today).toBe(150);

			// n8n_executions (Log Execution) holds every run (as <organization id>:<n8n id>); the workers' logs say both workers ran them.
			const logged = await sql<{
				execution_id: string;
				status: string;
				started_at: Date;
				completed_at: Date;
				sent: number;
			}>(
				`SELECT substr(execution_id, 38) AS execution_id, status, started_at, completed_at, (metrics->>'sent')::int AS sent
			 FROM n8n_executions WHERE workflow_name = 'OPhir Sender' AND substr(execution_id, 38) = ANY($1::text[])`,
				[started],
			);
			expect(logged.map((r) => r.execution_id).sort()).toEqual([...started].sort());
			expect(logged.every((r) => r.status === 'success')).toBe(true);
			expect(logged.reduce((sum, r) => sum + r.sent, 0)).toBe(FIRST_BATCH);
			const byWorker = workersOf(started);
			expect(Object.keys(byWorker).sort()).toEqual(['worker1', 'worker2']);
			// Emails were sent by executions of both workers.
			const workerOf = cluster.executionWorkers();
			const sentBy = new Set(rows.map((r) => workerOf.get(r.n8n_execution_id)));
			expect([...sentBy].sort()).toEqual(['worker1', 'worker2']);
			// At least one run of worker1 overlapped in time with one of worker2 (OPhir's own timestamps).
			const runsOf = (name: string) => logged.filter((r) => workerOf.get(r.execution_id) === name);
			const overlapping = runsOf('worker1').some((a) =>
				runsOf('worker2').some((b) => a.started_at < b.completed_at && b.started_at < a.completed_at),
			);
			expect(overlapping).toBe(true);
			process.stderr.write(`Sender runs per worker: ${JSON.stringify(byWorker)}\n`);
		});

		describe('tracking requests served by the webhook process', () => {
			// The activation reaches the webhook process through Redis: allow it a minute.
			const fetchWebhook = (url: string, init: RequestInit = {}) => fetchFromWebhook(url, init, 60_000);

			async function aDeliveredEmail(index: number) {
				const mail = sink.received.filter((m) => m.from.startsWith('big'))[index];
				const parsed = await simpleParser(mail.raw);
				const [row] = await sql<{ id: string; lead_id: string; email: string }>(
					`SELECT q.id, q.lead_id, l.email FROM email_queue q JOIN leads l ON l.id = q.lead_id WHERE q.message_id = $1`,
					[mail.messageId],
				);
				const html = String(parsed.html).replace(/&amp;/g, '&');
				const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
				const unsubscribeHeader = parsed.headerLines.find((h) => h.key === 'list-unsubscribe')!.line;
				return {
					row,
					pixel: urls.find((u) => u.includes('/o.gif?'))!,
					click: urls.find((u) => u.includes('/c?'))!,
					unsubscribe: /<(https?:[^>]+)>/.exec(unsubscribeHeader.replace(/\r?\n[ \t]+/g, ''))![1],
				};
			}

			it('points every tracking URL of a sent email at the webhook process', async () => {
				const email = await aDeliveredEmail(0);
				for (const url of [email.pixel, email.click, email.unsubscribe])
					expect(url.startsWith(`${cluster.webhookUrl}/webhook/ophir-tracking/`)).toBe(true);
				// The main process serves no production webhooks (N8N_DISABLE_PRODUCTION_MAIN_PROCESS): it answers the editor's
				// page, records nothing. What follows is the webhook process's work.
				const main = await fetch(email.pixel.replace(cluster.webhookUrl, cluster.url), {
					headers: { 'user-agent': BROWSER },
				});
				expect(main.headers.get('content-type')).not.toBe('image/gif');
				expect(
					await sql(`SELECT 1 FROM email_activities WHERE email_queue_id = $1 AND event_type = 'opened'`, [
						email.row.id,
					]),
				).toEqual([]);
			});

			it('answers the open pixel with a GIF and records one open', async () => {
				const { row, pixel } = await aDeliveredEmail(1);

				const response = await fetchWebhook(pixel, { headers: { 'user-agent': BROWSER } });

				expect(response.status).toBe(200);
				expect(response.headers.get('content-type')).toBe('image/gif');
				expect(
					Buffer.from(await response.arrayBuffer())
						.subarray(0, 4)
						.toString('latin1'),
				).toBe('GIF8');
				const opens = await sql(
					`SELECT metadata FROM email_activities WHERE email_queue_id = $1 AND event_type = 'opened'`,
					[row.id],
				);
				expect(opens).toHaveLength(1);
				expect(opens[0].metadata).not.toHaveProperty('machine');
				expect(
					(await sql('SELECT first_opened_at FROM email_queue WHERE id = $1', [row.id]))[0].first_opened_at,
				).not.toBeNull();
			});

			it('redirects a click (302) to the original link and records one click', async () => {
				const { row, click } = await aDeliveredEmail(2);
				// A person clicks a while after the email arrived (a click within seconds counts as a link scanner's).
				await sql(`UPDATE email_queue SET sent_at = sent_at - interval '5 minutes' WHERE id = $1`, [row.id]);

				const response = await fetchWebhook(click, { headers: { 'user-agent': BROWSER } });

				expect(response.status).toBe(302);
				expect(response.headers.get('location')).toBe(LINK);
				const clicks = await sql(
					`SELECT metadata FROM email_activities WHERE email_queue_id = $1 AND event_type = 'clicked'`,
					[row.id],
				);
				expect(clicks).toHaveLength(1);
				expect(clicks[0].metadata).toMatchObject({ url: LINK });
				expect(clicks[0].metadata).not.toHaveProperty('machine');
			});

			it('unsubscribes the lead with the one-click POST of its mail client', async () => {
				const { row, unsubscribe } = await aDeliveredEmail(3);

				const response = await fetchWebhook(unsubscribe, {
					method: 'POST',
					headers: { 'content-type': 'application/x-www-form-urlencoded' },
					body: 'List-Unsubscribe=One-Click',
				});

				expect(response.status).toBe(200);
				expect(await sql('SELECT status FROM leads WHERE id = $1', [row.lead_id])).toEqual([
					{ status: 'unsubscribed' },
				]);
				expect(await sql(`SELECT email, scope FROM unsubscribes`)).toEqual([{ email: row.email, scope: 'email' }]);
				expect(
					await sql(`SELECT 1 FROM email_activities WHERE email_queue_id = $1 AND event_type = 'unsubscribed'`, [
						row.id,
					]),
				).toHaveLength(1);
			});
		});

		it('loses nothing when a worker is killed in the middle of a batch: its leases are reclaimed after a restart', async () => {
			const campaignId = await seedDueEmails('Crash', accountIds.slice(0, 3), SECOND_BATCH, FIRST_BATCH);
			const before = sink.received.length;
			// Slower acceptance: a batch takes about a second, so the kill lands while emails are in flight (and a worker's
			// batches still take far less than the lease).
			sink.delayMs = 30;
			const [victim] = cluster.workers;

			const firstWave = await Promise.all(Array.from({ length: 4 }, () => startSender()));
			const leasedBy = async (executions: string[]) =>
				sql<{ id: string; message_id: string; n8n_execution_id: string }>(
					`SELECT id, message_id, n8n_execution_id FROM email_queue WHERE status = 'sending' AND n8n_execution_id = ANY($1::text[])`,
					[executions],
				);
			const ofVictim = () => firstWave.filter((id) => cluster.executionWorkers().get(id) === victim.name);
			await eventually(
				`emails leased by an execution of ${victim.name}`,
				async () => (await leasedBy(ofVictim())).length > 0,
				60_000,
				20,
			);
			await victim.kill('SIGKILL');
			// What the dead worker held when it died (frozen now: nobody may take these before their lease ends).
			const inFlight = await leasedBy(ofVictim());
			expect(inFlight.length).toBeGreaterThan(0);
			const killedExecutions = new Set(inFlight.map((r) => r.n8n_execution_id));
			await victim.restart();
			sink.delayMs = 5;
			const workerOf = cluster.executionWorkers();
			await Promise.all(firstWave.filter((id) => workerOf.get(id) !== victim.name).map((id) => finished(id, 60_000)));

			// Later Sender runs send the rest; the dead worker's emails once their lease (LEASE_SECONDS) has expired.
			await eventually(
				`all ${SECOND_BATCH} emails of the crash campaign sent`,
				async () => {
					const ids = await Promise.all(Array.from({ length: 4 }, () => startSender()));
					await Promise.all(ids.map((id) => finished(id)));
					return (await queueCounts(campaignId)).sent === SECOND_BATCH;
				},
				5 * 60_000,
				2_000,
			);

			expect(await queueCounts(campaignId)).toEqual({ sent: SECOND_BATCH });
			const rows = await sql<{ id: string; message_id: string; n8n_execution_id: string; attempts: number }>(
				`SELECT id, message_id, n8n_execution_id, attempts FROM email_queue WHERE campaign_id = $1`,
				[campaignId],
			);
			const counts = new Map<string, number>();
			for (const mail of sink.received.slice(before)) counts.set(mail.messageId, (counts.get(mail.messageId) ?? 0) + 1);
			expect(counts.size).toBe(SECOND_BATCH);
			// Every email arrived. The sink accepts everything, so an email claimed twice is one whose lease was reclaimed
			// from the dead worker. Only those may have arrived twice (docs/scheduling-and-sending.md: at least once; the duplicate window is
			// between the server's acceptance and the batch's record), never more, and at most one batch per execution
			// the dead worker was running.
			expect(rows.every((row) => (counts.get(row.message_id) ?? 0) >= 1)).toBe(true);
			const reclaimed = rows.filter((row) => row.attempts > 1);
			const twice = rows.filter((row) => counts.get(row.message_id)! > 1);
			expect(twice.filter((row) => row.attempts !== 2 || counts.get(row.message_id) !== 2)).toEqual([]);
			const deadExecutions = firstWave.filter((id) => workerOf.get(id) === victim.name);
			expect(reclaimed.length).toBeLessThanOrEqual(deadExecutions.length * 100);
			// What the dead worker held when it died was reclaimed: a later execution sent and recorded it.
			const inFlightIds = new Set(inFlight.map((r) => r.id));
			const heldByDead = rows.filter((row) => inFlightIds.has(row.id));
			expect(heldByDead.every((row) => row.attempts === 2 && !killedExecutions.has(row.n8n_execution_id))).toBe(true);
			const sentActivities = await sql<{ n: number }>(
				`SELECT count(*)::int AS n FROM email_activities a JOIN email_queue q ON q.id = a.email_queue_id WHERE q.campaign_id = $1 AND a.event_type = 'sent'`,
				[campaignId],
			);
			expect(sentActivities).toEqual([{ n: SECOND_BATCH }]);
			const accounts = await sql<{ daily_limit: number; current_sent_today: number }>(
				`SELECT daily_limit, current_sent_today FROM email_accounts`,
			);
			for (const account of accounts) expect(account.current_sent_today).toBeLessThanOrEqual(account.daily_limit);
			const killedStatus = await Promise.all(
				deadExecutions.map(async (id) => `${id}: ${(await client.getExecution(id)).status}`),
			);
			process.stderr.write(
				`Crash test: killed ${victim.name} running executions ${deadExecutions.join(', ')} with ${inFlight.length} emails leased (n8n says ${killedStatus.join(', ')}); ${reclaimed.length} emails reclaimed, ${twice.length} arrived twice.\n`,
			);
		});
	},
);
