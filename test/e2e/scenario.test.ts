/**
 * The whole product in a real n8n (the pinned version on Node 24, with OPhir installed as a community package),
 * driven through n8n's REST API and HTTP endpoints as a user and their recipients would:
 * an owner signs in, creates an organization, the OPhir credential, two SMTP mailboxes (pointing at an in-process
 * SMTP server), a three-step campaign with 20 leads in two time zones; imports and activates the bundled
 * workflows, runs the Scheduler and Sender; then opens, clicks, unsubscribes and bounces as recipients and their
 * mail servers do, and checks what arrived and what OPhir and n8n recorded.
 *
 * The Scheduler and Sender are run from the REST API (their schedules are too slow to wait for); being active,
 * their schedules may also fire during the test, which changes nothing asserted here (sending is exactly once).
 * Follow-ups wait 30 minutes: the test moves the leads' last send back in time instead of waiting.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import { eventually } from '../../scripts/lib/wait';
import type { N8nInstance } from '../../scripts/n8n/launch';
import { N8nClient, type WorkflowJson } from '../../scripts/n8n/rest';
import type { TestDatabase } from '../support/database';
import { hardBounce } from '../support/inboundMail';
import {
	bundledNamed,
	bundledWorkflows,
	fetchWebhook,
	header,
	runOneNode,
	realN8nFixture,
	runSucceeded,
	trackingUrls,
	unsubscribeUrl,
} from '../support/n8nWorkflows';
import { BROWSER } from '../support/outreach';
import { type ReceivedMail, SINK_PASSWORD, SmtpSink } from '../support/smtpSink';

jest.setTimeout(15 * 60_000);

const SYSTEM_ORGANIZATION = '00000000-0000-0000-0000-000000000001';
const OWNER = { email: 'owner@e2e.ophir.test', password: `E2e-${randomBytes(9).toString('hex')}-7` };
const LINK = 'https://acme-outreach.example/pricing?plan=pro';
const MAILBOXES = ['sales1@acme-outreach.example', 'sales2@acme-outreach.example'];
const ZONES = ['America/New_York', 'Europe/Berlin'];
const LEADS = Array.from({ length: 20 }, (_, i) => ({
	email: `lead${String(i + 1).padStart(2, '0')}@prospects.example`,
	firstName: `Lead${i + 1}`,
	company: `Company ${i + 1}`,
	timezone: ZONES[i % 2],
}));
const ERROR_WORKFLOW_ID = 'OphirErrorLog001';
const FOLLOW_UP_DELAY_MINUTES = 30;

function references(mail: ReceivedMail): string[] {
	const refs = mail.parsed.references;
	return refs === undefined ? [] : Array.isArray(refs) ? refs : refs.split(/\s+/).filter(Boolean);
}

/** An RFC 3464 report from the recipient's server saying `recipient` does not exist, quoting our message's headers. */
interface Delivered {
	mail: ReceivedMail;
	messageId: string;
	queueId: string;
	lead: string;
	step: number;
	accountId: string;
}

describe('OPhir end to end in a real n8n: a campaign from setup to bounces, driven as a user would', () => {
	const e2e = realN8nFixture();
	let ophirDb: TestDatabase;
	let sink: SmtpSink;
	let n8n: N8nInstance | undefined;
	let client: N8nClient;
	let trackingBase: string;
	let accountIds: string[];
	const bundled = bundledWorkflows();
	/** Every Scheduler and Sender execution this test started, by workflow name. */
	const runs: Record<string, string[]> = { 'OPhir Scheduler': [], 'OPhir Sender': [] };

	async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
		return (await ophirDb.pool.query(text, params)).rows as T[];
	}

	const run = (workflowId: string, triggerName?: string) => runSucceeded(client, workflowId, triggerName);
	/** One OPhir node (typeVersion 1 unless given) fed `input`, in a workflow of its own; its output. */
	const runNode = (
		name: string,
		node: Parameters<typeof runOneNode>[2],
		input: object[] = [{}],
		credential = 'OPhir',
	) => runOneNode(client, name, node, { input, credential });

	async function runBundled(name: 'OPhir Scheduler' | 'OPhir Sender'): Promise<Record<string, unknown>> {
		const execution = await run(bundledNamed(name).id);
		runs[name].push(execution.id);
		const [result] = execution.output(name === 'OPhir Scheduler' ? 'Schedule Due Steps' : 'Send Due Emails') ?? [];
		return result;
	}

	/** Everything the SMTP server received, each matched to its queue row by its Message-ID. */
	async function delivered(): Promise<Delivered[]> {
		const messageIds = sink.received.map((mail) => mail.parsed.messageId ?? '');
		const rows = await sql<{
			message_id: string;
			id: string;
			email: string;
			sequence_step: number;
			email_account_id: string;
		}>(
			`SELECT q.message_id, q.id, l.email, q.sequence_step, q.email_account_id
			 FROM email_queue q JOIN leads l ON l.id = q.lead_id WHERE q.message_id = ANY($1::text[])`,
			[messageIds],
		);
		const byMessageId = new Map(rows.map((row) => [row.message_id, row]));
		return sink.received.map((mail) => {
			const row = byMessageId.get(mail.parsed.messageId ?? '');
			if (!row) throw new Error(`The SMTP server got a message OPhir has no record of: ${mail.parsed.messageId}`);
			return {
				mail,
				messageId: row.message_id,
				queueId: row.id,
				lead: row.email,
				step: row.sequence_step,
				accountId: row.email_account_id,
			};
		});
	}

	async function ofStep(step: number): Promise<Delivered[]> {
		return (await delivered()).filter((d) => d.step === step);
	}

	/** Runs the Sender until `expected` emails of the step arrived, then once more: a further run sends nothing. */
	async function sendStep(step: number, expected: number): Promise<Delivered[]> {
		await eventually(
			`${expected} emails of step ${step} at the SMTP server`,
			async () => {
				await runBundled('OPhir Sender');
				return (await ofStep(step)).length >= expected;
			},
			120_000,
		);
		const before = sink.received.length;
		await runBundled('OPhir Sender');
		expect(sink.received.length).toBe(before);
		return ofStep(step);
	}

	/** The follow-ups become due: the leads' previous step was sent longer ago than the delay. */
	async function letFollowUpDelayPass(): Promise<void> {
		await sql(
			`UPDATE leads SET last_step_sent_at = last_step_sent_at - make_interval(mins => $1) WHERE last_step_sent_at IS NOT NULL`,
			[FOLLOW_UP_DELAY_MINUTES + 1],
		);
	}

	beforeAll(() => {
		({ db: ophirDb, sink, n8n, trackingBase } = e2e.current());
	});

	describe('setup', () => {
		it('creates the n8n owner on the first start and signs in with it', async () => {
			const first = new N8nClient(n8n!.url);
			expect(await first.needsOwnerSetup()).toBe(true);
			await first.setupOwner(OWNER);

			client = new N8nClient(n8n!.url);
			await client.login(OWNER.email, OWNER.password);
			expect(await client.needsOwnerSetup()).toBe(false);
			expect(await client.listWorkflows()).toEqual([]);
		});

		it('creates an organization with a system-organization credential, and the "OPhir" credential acting for it', async () => {
			const secrets = {
				encryptionKey: randomBytes(32).toString('hex'),
				trackingSecret: randomBytes(32).toString('hex'),
			};
			await client.createOphirCredential({
				name: 'OPhir system',
				connectionString: ophirDb.url,
				organizationId: SYSTEM_ORGANIZATION,
				...secrets,
			});

			const [organization] = await runNode(
				'create organization',
				{
					type: 'n8n-nodes-ophir.ophirCampaign',
					parameters: { resource: 'organization', operation: 'create', name: 'Acme Outreach' },
				},
				[{}],
				'OPhir system',
			);
			await client.createOphirCredential({
				name: 'OPhir',
				connectionString: ophirDb.url,
				organizationId: String(organization.id),
				...secrets,
				trackingBaseUrl: trackingBase,
			});

			expect(organization).toMatchObject({ name: 'Acme Outreach' });
			expect(await sql('SELECT name FROM organizations WHERE id = $1', [organization.id])).toEqual([
				{ name: 'Acme Outreach' },
			]);
			const credentials = await client.listCredentials();
			expect(credentials.map((c) => [c.name, c.type]).sort(([a], [b]) => a.localeCompare(b))).toEqual([
				['OPhir', 'ophirPostgresApi'],
				['OPhir system', 'ophirPostgresApi'],
			]);
		});

		it('creates two SMTP mailboxes with the OPhir Campaign node, passwords taken from the input items and stored encrypted', async () => {
			const accounts = await runNode(
				'create mailboxes',
				{
					type: 'n8n-nodes-ophir.ophirCampaign',
					parameters: {
						resource: 'emailAccount',
						operation: 'create',
						email: '={{ $json.email }}',
						provider: 'smtp',
						smtpHost: '127.0.0.1',
						smtpPort: sink.port,
						smtpSecurity: 'none',
						additionalFields: { dailyLimit: 100, warmupStatus: 'off', fromName: 'Acme Sales' },
					},
				},
				MAILBOXES.map((email) => ({ email, password: SINK_PASSWORD })),
			);

			expect(accounts).toEqual(MAILBOXES.map((email) => expect.objectContaining({ email, hasSecret: true })));
			expect(JSON.stringify(accounts)).not.toContain(SINK_PASSWORD);
			accountIds = accounts.map((a) => a.id as string);
			const stored = await sql<{ credentials_encrypted: string }>('SELECT credentials_encrypted FROM email_accounts');
			expect(stored).toHaveLength(2);
			for (const row of stored) expect(row.credentials_encrypted).not.toContain(SINK_PASSWORD);
		});

		it('creates a three-step campaign, imports 20 leads in two time zones and activates it', async () => {
			const config = {
				sequence: [
					{
						subject: 'Quick question, {{fallback firstName "there"}}',
						body: `<p>Hi {{firstName}},</p><p>{{company}} could save hours a week. See <a href="${LINK}">our pricing</a>.</p>`,
					},
					{
						delayMinutes: FOLLOW_UP_DELAY_MINUTES,
						subject: 'Re: Quick question',
						body: '<p>Just following up, {{firstName}}.</p>',
					},
					{
						delayMinutes: FOLLOW_UP_DELAY_MINUTES,
						subject: 'Re: Quick question',
						body: '<p>Last note from me, {{firstName}}.</p>',
					},
				],
				timezone: 'UTC',
				// Every day, all day: leads in both zones are inside the window whenever the test runs.
				sendingWindow: { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startHour: 0, endHour: 24 },
				minGapSeconds: 0,
				jitterSeconds: 0,
				accountIds,
				fromName: 'Ada from Acme',
				postalAddress: '1 Main Street, Springfield, IL 62701, USA',
			};
			const [campaign] = await runNode('create campaign', {
				type: 'n8n-nodes-ophir.ophirCampaign',
				parameters: { resource: 'campaign', operation: 'create', name: 'E2E outreach', config: JSON.stringify(config) },
			});
			const imported = await runNode(
				'import leads',
				{
					type: 'n8n-nodes-ophir.ophirCampaign',
					parameters: { resource: 'lead', operation: 'import', campaignId: campaign.id },
				},
				LEADS,
			);
			const [activated] = await runNode('activate campaign', {
				type: 'n8n-nodes-ophir.ophirCampaign',
				parameters: { resource: 'campaign', operation: 'activate', campaignId: campaign.id },
			});

			expect(imported.map((r) => [r.status, r.email])).toEqual(LEADS.map((l) => ['created', l.email]));
			expect(activated).toMatchObject({ id: campaign.id, status: 'active' });
			const zones = await sql(
				`SELECT data->>'timezone' AS zone, count(*)::int AS leads FROM leads GROUP BY 1 ORDER BY 1`,
			);
			expect(zones).toEqual([
				{ zone: 'America/New_York', leads: 10 },
				{ zone: 'Europe/Berlin', leads: 10 },
			]);
		});

		it('imports every bundled workflow with its fixed id and activates all but the IMAP one (it needs a mailbox)', async () => {
			const nodeTypes = await client.nodeTypes();
			const triggers = new Set(nodeTypes.filter((t) => t.group?.includes('trigger')).map((t) => t.name as string));
			// The Error Log too: n8n 2 runs an error workflow only in its published (active) version.
			const activatable = (w: WorkflowJson) =>
				w.nodes.some((n) => triggers.has(n.type) && n.type !== 'n8n-nodes-base.emailReadImap');

			for (const workflow of bundled) {
				const created = await client.createWorkflow(workflow);
				expect(created.id).toBe(workflow.id);
			}
			for (const workflow of bundled.filter(activatable)) await client.activateWorkflow(workflow.id);

			const saved = await client.listWorkflows();
			const active = saved
				.filter((w) => w.active)
				.map((w) => w.name)
				.sort();
			expect(active).toEqual([
				'OPhir Daily Maintenance',
				'OPhir Error Log',
				'OPhir Scheduler',
				'OPhir Sender',
				'OPhir Tracking',
			]);
			expect(saved.map((w) => w.name)).toEqual(expect.arrayContaining(bundled.map((w) => w.name)));
		});
	});

	describe('sending', () => {
		it('sends step 1 to every lead exactly once through the Scheduler and Sender workflows, rotating the two mailboxes', async () => {
			await runBundled('OPhir Scheduler');
			// (A run the schedule started at the same moment may hold the campaign: then that one schedules them.)
			const queued = await eventually('step 1 queued for every lead', async () => {
				const rows = await sql(`SELECT sequence_step, count(*)::int AS emails FROM email_queue GROUP BY 1`);
				return rows.length > 0 && rows;
			});
			expect(queued).toEqual([{ sequence_step: 1, emails: 20 }]);

			const step1 = await sendStep(1, 20);

			expect(step1.map((d) => d.lead).sort()).toEqual(LEADS.map((l) => l.email));
			expect(new Set(step1.map((d) => d.messageId)).size).toBe(20);
			for (const d of step1) {
				expect(d.mail.to).toEqual([d.lead]);
				expect(d.mail.parsed.inReplyTo).toBeUndefined();
			}
			const perMailbox = accountIds.map((id) => step1.filter((d) => d.accountId === id).length);
			expect(perMailbox).toEqual([10, 10]);
			expect(new Set(step1.map((d) => d.mail.from))).toEqual(new Set(MAILBOXES));
		});

		it('gives every email RFC 8058 one-click unsubscribe headers pointing at the tracking webhook in n8n', async () => {
			for (const { mail } of await ofStep(1)) {
				expect(header(mail, 'List-Unsubscribe')).toMatch(/^<(.+)>, <mailto:[^>]+>$/);
				expect(unsubscribeUrl(mail).startsWith(`${trackingBase}/`)).toBe(true);
				expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
			}
		});

		it('schedules no follow-up before its delay has passed', async () => {
			const result = await runBundled('OPhir Scheduler');

			expect(result.scheduled).toBe(0);
			expect(await sql(`SELECT count(*)::int AS n FROM email_queue WHERE sequence_step > 1`)).toEqual([{ n: 0 }]);
		});
	});

	describe('recipients and their mail servers', () => {
		it('answers the open pixel of a received email with a GIF and records the open', async () => {
			const [opened] = (await ofStep(1)).filter((d) => d.lead === LEADS[0].email);
			const { pixels } = trackingUrls(opened.mail, trackingBase);
			expect(pixels).toHaveLength(1);

			const response = await fetchWebhook(pixels[0], { headers: { 'user-agent': BROWSER } });

			expect(response.status).toBe(200);
			expect(response.headers.get('content-type')).toBe('image/gif');
			expect(
				Buffer.from(await response.arrayBuffer())
					.subarray(0, 4)
					.toString('latin1'),
			).toBe('GIF8');
			const opens = await eventually('the open in email_activities', async () => {
				const rows = await sql(
					`SELECT event_type, metadata FROM email_activities WHERE email_queue_id = $1 AND event_type = 'opened'`,
					[opened.queueId],
				);
				return rows.length > 0 && rows;
			});
			expect(opens).toHaveLength(1);
			expect(opens[0].metadata).not.toHaveProperty('machine');
			const [email] = await sql('SELECT first_opened_at FROM email_queue WHERE id = $1', [opened.queueId]);
			expect(email.first_opened_at).not.toBeNull();
		});

		it('redirects a click (302) to the original link and records the click', async () => {
			const [clicked] = (await ofStep(1)).filter((d) => d.lead === LEADS[0].email);
			const { links } = trackingUrls(clicked.mail, trackingBase);
			expect(links).toHaveLength(1);
			expect(String(clicked.mail.parsed.html)).not.toContain(LINK);
			// A person reads the email a while after it arrived (a click within seconds is counted as a link scanner's).
			await sql(`UPDATE email_queue SET sent_at = sent_at - interval '5 minutes' WHERE id = $1`, [clicked.queueId]);

			const response = await fetchWebhook(links[0], { headers: { 'user-agent': BROWSER } });

			expect(response.status).toBe(302);
			expect(response.headers.get('location')).toBe(LINK);
			const clicks = await eventually('the click in email_activities', async () => {
				const rows = await sql(
					`SELECT metadata FROM email_activities WHERE email_queue_id = $1 AND event_type = 'clicked'`,
					[clicked.queueId],
				);
				return rows.length > 0 && rows;
			});
			expect(clicks).toHaveLength(1);
			expect(clicks[0].metadata).toMatchObject({ url: LINK });
			expect(clicks[0].metadata).not.toHaveProperty('machine');
		});

		it('unsubscribes a lead with the one-click POST its mail client sends to the List-Unsubscribe URL', async () => {
			const [mail] = (await ofStep(1)).filter((d) => d.lead === LEADS[2].email);

			const response = await fetchWebhook(unsubscribeUrl(mail.mail), {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: 'List-Unsubscribe=One-Click',
			});

			expect(response.status).toBe(200);
			expect(await sql('SELECT status FROM leads WHERE email = $1', [LEADS[2].email])).toEqual([
				{ status: 'unsubscribed' },
			]);
			expect(await sql(`SELECT email, scope FROM unsubscribes`)).toEqual([{ email: LEADS[2].email, scope: 'email' }]);
			expect(
				await sql(`SELECT event_type FROM email_activities WHERE email_queue_id = $1 AND event_type = 'unsubscribed'`, [
					mail.queueId,
				]),
			).toHaveLength(1);
		});

		it('stops a lead and lowers its mailbox health when a bounce report goes through Process Inbound Email', async () => {
			const [bounced] = (await ofStep(1)).filter((d) => d.lead === LEADS[1].email);
			const raw = hardBounce({ recipient: bounced.lead, to: bounced.mail.from, messageId: bounced.messageId });
			const [before] = await sql<{ health_score: number }>('SELECT health_score FROM email_accounts WHERE id = $1', [
				bounced.accountId,
			]);

			const [result] = await runNode(
				'process a bounce',
				{ type: 'n8n-nodes-ophir.ophirTrack', parameters: { operation: 'processInboundEmail' } },
				[{ raw }],
			);

			expect(result).toMatchObject({
				kind: 'bounce',
				bounceType: 'hard',
				failedRecipient: bounced.lead,
				action: 'recorded',
			});
			expect(await sql('SELECT status FROM leads WHERE email = $1', [bounced.lead])).toEqual([{ status: 'bounced' }]);
			expect(
				await sql(
					`SELECT event_type, metadata->>'bounceType' AS type FROM email_activities WHERE email_queue_id = $1 AND event_type = 'bounced'`,
					[bounced.queueId],
				),
			).toHaveLength(1);
			// One hard bounce among the 10 emails this mailbox sent: round(100 − 1000 × 10 %) = 0.
			const [after] = await sql<{ health_score: number; status: string }>(
				'SELECT health_score, status FROM email_accounts WHERE id = $1',
				[bounced.accountId],
			);
			expect(before.health_score).toBe(100);
			expect(after).toEqual({ health_score: 0, status: 'active' });
			expect(result.mailboxHealth).toEqual([
				expect.objectContaining({ id: bounced.accountId, healthScore: 0, sent: 10, hardBounces: 1 }),
			]);
		});
	});

	describe('follow-ups', () => {
		it('sends step 2 to every lead still active, threaded under step 1, and nothing to the unsubscribed or bounced lead', async () => {
			const step1 = new Map((await ofStep(1)).map((d) => [d.lead, d]));
			const [bounced] = await sql<{ email_account_id: string }>(
				`SELECT q.email_account_id FROM email_queue q JOIN leads l ON l.id = q.lead_id WHERE l.email = $1`,
				[LEADS[1].email],
			);
			await letFollowUpDelayPass();

			await runBundled('OPhir Scheduler');
			const step2 = await sendStep(2, 18);

			const stillActive = LEADS.filter((_, i) => i !== 1 && i !== 2).map((l) => l.email);
			expect(step2.map((d) => d.lead).sort()).toEqual(stillActive);
			expect(new Set(step2.map((d) => d.messageId)).size).toBe(18);
			for (const d of step2) {
				const first = step1.get(d.lead)!;
				expect(d.mail.parsed.inReplyTo).toBe(first.messageId);
				expect(references(d.mail)).toEqual([first.messageId]);
				expect(header(d.mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
			}
			// The mailbox that bounced is below the health needed to send (50): the other one sends every follow-up.
			expect(new Set(step2.map((d) => d.accountId))).toEqual(
				new Set(accountIds.filter((id) => id !== bounced.email_account_id)),
			);
		});

		it('sends step 3 threaded under steps 1 and 2; in all, every due step arrived exactly once per lead', async () => {
			const earlier = await delivered();
			const messageOf = (lead: string, step: number) =>
				earlier.find((d) => d.lead === lead && d.step === step)!.messageId;
			await letFollowUpDelayPass();

			await runBundled('OPhir Scheduler');
			const step3 = await sendStep(3, 18);

			for (const d of step3) {
				expect(d.mail.parsed.inReplyTo).toBe(messageOf(d.lead, 2));
				expect(references(d.mail)).toEqual([messageOf(d.lead, 1), messageOf(d.lead, 2)]);
			}
			const all = await delivered();
			const perLeadAndStep = new Map<string, number>();
			for (const d of all)
				perLeadAndStep.set(`${d.lead} step ${d.step}`, (perLeadAndStep.get(`${d.lead} step ${d.step}`) ?? 0) + 1);
			expect(all).toHaveLength(20 + 18 + 18);
			expect([...perLeadAndStep.values()].every((n) => n === 1)).toBe(true);
			for (const { mail } of all) {
				expect(unsubscribeUrl(mail).startsWith(`${trackingBase}/`)).toBe(true);
				expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
			}
			for (const stopped of [LEADS[1].email, LEADS[2].email]) {
				expect(all.filter((d) => d.lead === stopped).map((d) => d.step)).toEqual([1]);
			}
			expect(await sql(`SELECT status, count(*)::int AS n FROM email_queue GROUP BY 1`)).toEqual([
				{ status: 'sent', n: 56 },
			]);
		});
	});

	describe('execution log', () => {
		it('holds one n8n_executions row per Scheduler and Sender run, finished with its counts', async () => {
			for (const [workflowName, ids] of Object.entries(runs)) {
				const rows = await sql<Record<string, unknown>>(
					// Log Execution stores <organization id>:<n8n execution id>.
					`SELECT substr(execution_id, 38) AS execution_id, workflow_name, trigger_source, status, completed_at, metrics
					 FROM n8n_executions WHERE substr(execution_id, 38) = ANY($1::text[])`,
					[ids],
				);
				expect(rows.map((r) => r.execution_id).sort()).toEqual([...ids].sort());
				for (const row of rows) {
					expect(row).toMatchObject({ workflow_name: workflowName, trigger_source: 'schedule', status: 'success' });
					expect(row.completed_at).not.toBeNull();
					expect(row.metrics).toHaveProperty(workflowName === 'OPhir Scheduler' ? 'scheduled' : 'sent');
				}
			}
			// Runs the schedules started by themselves are logged too: the logged counts add up to what happened.
			const [totals] = await sql(
				`SELECT sum((metrics->>'scheduled')::int) FILTER (WHERE workflow_name = 'OPhir Scheduler')::int AS scheduled,
				        sum((metrics->>'sent')::int) FILTER (WHERE workflow_name = 'OPhir Sender')::int AS sent
				 FROM n8n_executions WHERE status = 'success'`,
			);
			expect(totals).toEqual({ scheduled: 56, sent: 56 });
		});

		it('records a production failure of another workflow through the Error Log workflow', async () => {
			const path = `ophir-e2e-failure-${randomBytes(4).toString('hex')}`;
			const failing = await client.createWorkflow({
				name: 'e2e: fails in production',
				nodes: [
					{
						id: randomUUID(),
						name: 'Webhook',
						type: 'n8n-nodes-base.webhook',
						typeVersion: 2,
						position: [0, 0],
						webhookId: randomUUID(),
						parameters: { httpMethod: 'GET', path, responseMode: 'onReceived', options: {} },
					},
					{
						id: randomUUID(),
						name: 'Get Campaign',
						type: 'n8n-nodes-ophir.ophirCampaign',
						typeVersion: 1,
						position: [220, 0],
						parameters: { resource: 'campaign', operation: 'get', campaignId: 'not-a-campaign-id' },
						credentials: { ophirPostgresApi: { name: 'OPhir' } },
					},
				],
				connections: { Webhook: { main: [[{ node: 'Get Campaign', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1', errorWorkflow: ERROR_WORKFLOW_ID },
			});
			await client.activateWorkflow(failing.id);

			const response = await fetchWebhook(`${n8n!.url}/webhook/${path}`);
			expect(response.status).toBe(200);

			const [execution] = await eventually('the failed execution', async () => {
				const found = await client.listExecutions({ workflowId: failing.id });
				return found.length > 0 && !['new', 'running'].includes(found[0].status) && found;
			});
			expect(execution).toMatchObject({ mode: 'webhook', status: 'error' });
			const [logged] = await eventually(
				'the error row in n8n_executions',
				async () => {
					const rows = await sql<Record<string, unknown>>(
						`SELECT workflow_name, trigger_source, status, error_data FROM n8n_executions WHERE substr(execution_id, 38) = $1`,
						[String(execution.id)],
					);
					return rows.length > 0 && rows;
				},
				60_000,
			).catch(async (error) => {
				// What n8n did with the error workflow says why better than the missing row does.
				const errorRuns = await client.listExecutions({ workflowId: ERROR_WORKFLOW_ID });
				const details = await Promise.all(errorRuns.map((e) => client.getExecution(e.id)));
				throw new Error(
					`${error.message}. Error Log executions: ${JSON.stringify(details.map((e) => ({ id: e.id, mode: e.mode, status: e.status, error: e.error?.message })))}\nn8n log:\n${n8n!.logs().split('\n').slice(-40).join('\n')}`,
				);
			});
			expect(logged).toMatchObject({
				workflow_name: 'e2e: fails in production',
				trigger_source: 'error',
				status: 'error',
			});
			expect(logged.error_data).toMatchObject({
				message: expect.stringContaining('Campaign ID must be a UUID'),
				node: 'Get Campaign',
			});
		});
	});
});
