/**
 * Platform mode in a real n8n (issue #15): ONE set of bundled workflows, run with ONE credential acting for the
 * system organization, serves three organizations. Proves, through n8n's REST API and its production webhook:
 * - the Scheduler and Sender (Organizations: All) queue and send every organization's leads in one run each, every
 *   email from its own organization's mailbox, with a Message-ID and tracking tokens naming that organization;
 * - the one Tracking webhook records opens, clicks and a one-click unsubscribe in the organization of the email,
 *   including for an organization that signs with a tracking secret of its own, and nowhere else (a lead address
 *   present in two organizations is unsubscribed in one only);
 * - Campaign Stats (OPhir Track v2, Organizations: All) reports each organization's own counts.
 * The Scheduler and Sender are left inactive (run from the REST API only) so that no scheduled run races the counts.
 */
import { randomBytes } from 'node:crypto';

import { eventually } from '../../scripts/lib/wait';
import type { N8nInstance } from '../../scripts/n8n/launch';
import { N8nClient } from '../../scripts/n8n/rest';
import { SecretBox, SYSTEM_ORGANIZATION_ID as SYSTEM_ORGANIZATION, withTenant } from '../../nodes/core/db';
import { createCampaign, createEmailAccount, importLeads, transitionCampaign } from '../../nodes/core/outreach';
import { rotateTrackingSecret, trackingTokenClaim, verifyTrackingToken } from '../../nodes/core/tracking';
import type { TestDatabase } from '../support/database';
import {
	bundledNamed,
	fetchWebhook,
	runOneNode,
	runSucceeded,
	trackingUrls,
	realN8nFixture,
	unsubscribeUrl,
} from '../support/n8nWorkflows';
import { BROWSER } from '../support/outreach';
import { type ReceivedMail, SINK_PASSWORD, SmtpSink } from '../support/smtpSink';

jest.setTimeout(10 * 60_000);

const OWNER = { email: 'owner@platform.ophir.test', password: `E2e-${randomBytes(9).toString('hex')}-7` };
const SECRETS = { encryptionKey: randomBytes(32).toString('hex'), trackingSecret: randomBytes(32).toString('hex') };
/** An address that is a lead of the first two organizations: its unsubscribe must stay in one. */
const SHARED_LEAD = 'shared@prospects.example';

interface OrganizationSpec {
	name: string;
	domain: string;
	leads: string[];
	/** Signs its tracking links with a secret of its own instead of the platform's (the credential's). */
	ownTrackingSecret: boolean;
}

const leadsOf = (slug: string, n: number) => Array.from({ length: n }, (_, i) => `${slug}${i + 1}@prospects.example`);
const SPECS: OrganizationSpec[] = [
	{
		name: 'Northwind',
		domain: 'northwind.example',
		leads: [SHARED_LEAD, ...leadsOf('nw', 1)],
		ownTrackingSecret: false,
	},
	{ name: 'Contoso', domain: 'contoso.example', leads: [SHARED_LEAD, ...leadsOf('co', 2)], ownTrackingSecret: true },
	{ name: 'Fabrikam', domain: 'fabrikam.example', leads: leadsOf('fa', 4), ownTrackingSecret: false },
];
const TOTAL_LEADS = SPECS.reduce((n, spec) => n + spec.leads.length, 0);

interface Organization extends OrganizationSpec {
	id: string;
	mailbox: string;
	link: string;
	campaignId: string;
}

/** An email that arrived, with the queue row and organization OPhir recorded for it. */
interface Delivered {
	mail: ReceivedMail;
	messageId: string;
	queueId: string;
	lead: string;
	organizationId: string;
}

const tokenOf = (url: string) => new URL(url).searchParams.get('t') ?? '';

describe('Platform mode in a real n8n: one set of bundled workflows for three organizations', () => {
	const e2e = realN8nFixture();
	let ophirDb: TestDatabase;
	let sink: SmtpSink;
	let n8n: N8nInstance | undefined;
	let client: N8nClient;
	let trackingBase: string;
	const organizations: Organization[] = [];
	async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
		return (await ophirDb.pool.query(text, params)).rows as T[];
	}

	const run = (workflowId: string, triggerName?: string) => runSucceeded(client, workflowId, triggerName);
	/** Manual Trigger → Code (the input items) → one OPhir node with the "OPhir" credential; returns its output. */
	const runNode = (name: string, node: Parameters<typeof runOneNode>[2], input: object[] = [{}]) =>
		runOneNode(client, name, node, { input });

	async function runBundled(name: 'OPhir Scheduler' | 'OPhir Sender'): Promise<Record<string, unknown>> {
		const execution = await run(bundledNamed(name).id);
		const output = execution.output(name === 'OPhir Scheduler' ? 'Schedule Due Steps' : 'Send Due Emails') ?? [];
		expect(output).toHaveLength(1); // one summary item for all organizations
		return output[0];
	}

	/** Everything the SMTP server received, each matched to its queue row (and organization) by its Message-ID. */
	async function delivered(): Promise<Delivered[]> {
		const rows = await sql<{ message_id: string; id: string; email: string; organization_id: string }>(
			`SELECT q.message_id, q.id, l.email, q.organization_id
			 FROM email_queue q JOIN leads l ON l.id = q.lead_id WHERE q.message_id = ANY($1::text[])`,
			[sink.received.map((mail) => mail.parsed.messageId ?? '')],
		);
		const byMessageId = new Map(rows.map((row) => [row.message_id, row]));
		return sink.received.map((mail) => {
			const row = byMessageId.get(mail.parsed.messageId ?? '');
			if (!row) throw new Error(`The SMTP server got a message OPhir has no record of: ${mail.parsed.messageId}`);
			return { mail, messageId: row.message_id, queueId: row.id, lead: row.email, organizationId: row.organization_id };
		});
	}

	/** The email one organization sent to one lead. */
	async function emailOf(organization: Organization, lead: string): Promise<Delivered> {
		const found = (await delivered()).filter((d) => d.organizationId === organization.id && d.lead === lead);
		expect(found).toHaveLength(1);
		return found[0];
	}

	/** Tracking events (not sends) per organization, each checked against the organization of its email. */
	async function trackingEvents(): Promise<Array<{ organization_id: string; event_type: string; queue_org: string }>> {
		return sql(
			`SELECT a.organization_id, a.event_type, q.organization_id AS queue_org
			 FROM email_activities a JOIN email_queue q ON q.id = a.email_queue_id
			 WHERE a.event_type IN ('opened', 'clicked', 'unsubscribed') ORDER BY 1, 2`,
		);
	}

	beforeAll(() => {
		({ db: ophirDb, sink, n8n, trackingBase } = e2e.current());
	});

	describe('setup', () => {
		it('signs in as the owner and creates the one "OPhir" credential, acting for the system organization', async () => {
			const first = new N8nClient(n8n!.url);
			await first.setupOwner(OWNER);
			client = new N8nClient(n8n!.url);
			await client.login(OWNER.email, OWNER.password);

			await client.createOphirCredential({
				name: 'OPhir',
				connectionString: ophirDb.url,
				organizationId: SYSTEM_ORGANIZATION,
				...SECRETS,
				trackingBaseUrl: trackingBase,
			});

			expect((await client.listCredentials()).map((c) => [c.name, c.type])).toEqual([['OPhir', 'ophirPostgresApi']]);
		});

		it('creates the three organizations with an OPhir Campaign node run by that credential', async () => {
			const created = await runNode(
				'create organizations',
				{
					type: 'n8n-nodes-ophir.ophirCampaign',
					typeVersion: 2,
					parameters: { resource: 'organization', operation: 'create', name: '={{ $json.name }}' },
				},
				SPECS.map(({ name }) => ({ name })),
			);

			expect(created.map((o) => o.name)).toEqual(SPECS.map((s) => s.name));
			const stored = await sql<{ id: string; name: string }>(
				'SELECT id, name FROM organizations WHERE id <> $1 ORDER BY name',
				[SYSTEM_ORGANIZATION],
			);
			expect(stored).toEqual(
				created.map((o) => ({ id: o.id, name: o.name })).sort((a, b) => String(a.name).localeCompare(String(b.name))),
			);
			for (const [i, spec] of SPECS.entries()) {
				organizations.push({
					...spec,
					id: String(created[i].id),
					mailbox: `sales@${spec.domain}`,
					link: `https://${spec.domain}/offer?from=${spec.name.toLowerCase()}`,
					campaignId: '',
				});
			}
		});

		it('gives each organization a mailbox on the SMTP sink, an active campaign with a tracked link and its leads', async () => {
			// Directly through the core: the same tenant transactions the nodes use, and the credential's encryption key.
			const box = new SecretBox(SECRETS.encryptionKey);
			for (const organization of organizations) {
				await withTenant(ophirDb.pool, organization.id, async (tx) => {
					const account = await createEmailAccount(tx, box, {
						email: organization.mailbox,
						provider: 'smtp',
						smtp: { host: '127.0.0.1', port: sink.port, security: 'none' },
						password: SINK_PASSWORD,
						warmupStatus: 'warmed',
						fromName: `${organization.name} Sales`,
					});
					const campaign = await createCampaign(tx, {
						name: `${organization.name} outreach`,
						config: {
							sequence: [
								{
									subject: `${organization.name} says hi, {{fallback firstName "there"}}`,
									body: `<p>Hello from ${organization.name}. See <a href="${organization.link}">our offer</a>.</p>`,
								},
							],
							sendingWindow: { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startHour: 0, endHour: 24 },
							accountIds: [account.id],
							postalAddress: `1 ${organization.name} Street, Springfield`,
							minGapSeconds: 0,
							jitterSeconds: 0,
						},
					});
					await transitionCampaign(tx, campaign.id, 'activate');
					await importLeads(
						tx,
						organization.leads.map((email) => ({ email })),
						{ campaignId: campaign.id },
					);
					organization.campaignId = campaign.id;
					if (organization.ownTrackingSecret) await rotateTrackingSecret(tx, box, { keepPreviousDays: 0 });
				});
			}

			const leads = await sql<{ organization_id: string; n: number }>(
				`SELECT organization_id, count(*)::int AS n FROM leads GROUP BY 1`,
			);
			expect(new Map(leads.map((r) => [r.organization_id, r.n]))).toEqual(
				new Map(organizations.map((o) => [o.id, o.leads.length])),
			);
			expect(await sql('SELECT organization_id FROM organization_tracking_secrets')).toEqual([
				{ organization_id: organizations[1].id },
			]);
		});

		it('imports the bundled Scheduler, Sender, Tracking and Error Log once, and activates Tracking and Error Log', async () => {
			const names = ['OPhir Error Log', 'OPhir Scheduler', 'OPhir Sender', 'OPhir Tracking'];
			for (const name of names) {
				const workflow = bundledNamed(name);
				// Their OPhir nodes already run for every organization: the test uses them as shipped.
				if (name !== 'OPhir Tracking' && name !== 'OPhir Error Log') {
					expect(workflow.nodes.filter((n) => n.type === 'n8n-nodes-ophir.ophirQueue')).toEqual([
						expect.objectContaining({ parameters: expect.objectContaining({ organizations: 'all' }) }),
					]);
				}
				expect((await client.createWorkflow(workflow)).id).toBe(workflow.id);
			}
			// n8n 2 runs an error workflow only in its published (active) version.
			for (const name of ['OPhir Error Log', 'OPhir Tracking']) await client.activateWorkflow(bundledNamed(name).id);

			const saved = await client.listWorkflows();
			expect(
				saved
					.filter((w) => names.includes(w.name))
					.map((w) => [w.name, w.active])
					.sort(),
			).toEqual([
				['OPhir Error Log', true],
				['OPhir Scheduler', false],
				['OPhir Sender', false],
				['OPhir Tracking', true],
			]);
		});
	});

	describe('sending', () => {
		it('the Scheduler queues every organization’s leads in one run, reporting each organization', async () => {
			const result = await runBundled('OPhir Scheduler');

			expect(result).toMatchObject({ scheduled: TOTAL_LEADS, failedOrganizations: 0 });
			const perOrganization = new Map(
				(result.organizations as Array<{ organizationId: string; scheduled: number }>).map((o) => [
					o.organizationId,
					o.scheduled,
				]),
			);
			expect(perOrganization).toEqual(
				new Map([[SYSTEM_ORGANIZATION, 0], ...organizations.map((o): [string, number] => [o.id, o.leads.length])]),
			);
			const queued = await sql<{ organization_id: string; n: number }>(
				`SELECT organization_id, count(*)::int AS n FROM email_queue GROUP BY 1`,
			);
			expect(new Map(queued.map((r) => [r.organization_id, r.n]))).toEqual(
				new Map(organizations.map((o) => [o.id, o.leads.length])),
			);
		});

		it('the Sender sends them all in one run, each lead exactly one email from its own organization’s mailbox', async () => {
			const result = await runBundled('OPhir Sender');

			expect(result).toMatchObject({ sent: TOTAL_LEADS, failedOrganizations: 0 });
			const sentBy = new Map(
				(result.organizations as Array<{ organizationId: string; sent: number }>).map((o) => [
					o.organizationId,
					o.sent,
				]),
			);
			for (const organization of organizations) expect(sentBy.get(organization.id)).toBe(organization.leads.length);
			// A further run finds nothing left: every email went exactly once.
			expect(await runBundled('OPhir Sender')).toMatchObject({ sent: 0, failedOrganizations: 0 });

			const all = await delivered();
			expect(all).toHaveLength(TOTAL_LEADS);
			for (const organization of organizations) {
				const its = all.filter((d) => d.organizationId === organization.id);
				expect(its.map((d) => d.lead).sort()).toEqual([...organization.leads].sort());
				for (const d of its) {
					expect(d.mail.to).toEqual([d.lead]);
					expect(d.mail.parsed.from?.value[0].address).toBe(organization.mailbox);
					expect(d.mail.parsed.subject).toContain(organization.name);
					// The Message-ID names the organization (<queueId.o<32 hex>@domain>), so replies route to it.
					expect(d.messageId).toBe(`<${d.queueId}.o${organization.id.replace(/-/g, '')}@${organization.domain}>`);
				}
			}
			expect(await sql(`SELECT status, count(*)::int AS n FROM email_queue GROUP BY 1`)).toEqual([
				{ status: 'sent', n: TOTAL_LEADS },
			]);
		});

		it('signs every tracking link with a token naming its organization, with that organization’s key', async () => {
			for (const d of await delivered()) {
				const organization = organizations.find((o) => o.id === d.organizationId)!;
				const { pixels, links } = trackingUrls(d.mail, trackingBase);
				expect(pixels).toHaveLength(1);
				expect(links).toHaveLength(1);
				expect(String(d.mail.parsed.html)).not.toContain(organization.link);
				for (const url of [...pixels, ...links, unsubscribeUrl(d.mail)]) {
					const token = tokenOf(url);
					expect(trackingTokenClaim(token)).toEqual({ version: 2, organizationId: organization.id });
					// Contoso signs with its own secret: the platform secret did not sign its links.
					const platformSigned = verifyTrackingToken(SECRETS.trackingSecret, token) !== undefined;
					expect(platformSigned).toBe(!organization.ownTrackingSecret);
				}
			}
		});
	});

	describe('tracking through the one webhook', () => {
		it('answers each organization’s open pixel and click and records them in that organization only', async () => {
			for (const organization of organizations) {
				const email = await emailOf(organization, organization.leads[organization.leads.length - 1]);
				const { pixels, links } = trackingUrls(email.mail, trackingBase);
				// A person reads the email a while after it arrived (a click within seconds is counted as a scanner's).
				await sql(`UPDATE email_queue SET sent_at = sent_at - interval '5 minutes' WHERE id = $1`, [email.queueId]);

				const pixel = await fetchWebhook(pixels[0], { headers: { 'user-agent': BROWSER } });
				expect(pixel.status).toBe(200);
				expect(pixel.headers.get('content-type')).toBe('image/gif');
				expect(
					Buffer.from(await pixel.arrayBuffer())
						.subarray(0, 4)
						.toString('latin1'),
				).toBe('GIF8');

				const click = await fetchWebhook(links[0], { headers: { 'user-agent': BROWSER } });
				expect(click.status).toBe(302);
				expect(click.headers.get('location')).toBe(organization.link);

				const events = await eventually(`${organization.name}'s open and click in email_activities`, async () => {
					const rows = await sql<{ organization_id: string; event_type: string; machine: boolean }>(
						`SELECT organization_id, event_type, metadata ? 'machine' AS machine FROM email_activities
						 WHERE email_queue_id = $1 AND event_type IN ('opened', 'clicked') ORDER BY event_type`,
						[email.queueId],
					);
					return rows.length >= 2 && rows;
				});
				expect(events).toEqual([
					{ organization_id: organization.id, event_type: 'clicked', machine: false },
					{ organization_id: organization.id, event_type: 'opened', machine: false },
				]);
			}

			const recorded = await trackingEvents();
			for (const event of recorded) expect(event.organization_id).toBe(event.queue_org);
			expect(recorded.map((e) => [e.organization_id, e.event_type]).sort()).toEqual(
				organizations
					.flatMap((o) => [
						[o.id, 'clicked'],
						[o.id, 'opened'],
					])
					.sort(),
			);
		});

		it('refuses a link whose token is rewritten to name another organization, and records nothing', async () => {
			const [northwind, contoso] = organizations;
			const email = await emailOf(contoso, contoso.leads[0]);
			const link = trackingUrls(email.mail, trackingBase).links[0];
			// The token's first 16 bytes name the organization: put Northwind's there, keep Contoso's signature.
			const bytes = Buffer.from(tokenOf(link), 'base64url');
			Buffer.from(northwind.id.replace(/-/g, ''), 'hex').copy(bytes, 0);
			const forged = new URL(link);
			forged.searchParams.set('t', bytes.toString('base64url'));
			expect(trackingTokenClaim(forged.searchParams.get('t'))).toEqual({ version: 2, organizationId: northwind.id });
			const before = await trackingEvents();

			const response = await fetchWebhook(forged.toString(), { headers: { 'user-agent': BROWSER } });

			expect(response.status).toBe(404);
			expect(response.headers.get('location')).toBeNull();
			expect(await trackingEvents()).toEqual(before);
		});

		it('unsubscribes an address with the one-click POST in the organization of the email only', async () => {
			const [northwind, contoso] = organizations;
			const email = await emailOf(contoso, SHARED_LEAD);

			const response = await fetchWebhook(unsubscribeUrl(email.mail), {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: 'List-Unsubscribe=One-Click',
			});

			expect(response.status).toBe(200);
			const statuses = await sql<{ organization_id: string; status: string }>(
				'SELECT organization_id, status FROM leads WHERE email = $1',
				[SHARED_LEAD],
			);
			expect(new Map(statuses.map((r) => [r.organization_id, r.status === 'unsubscribed']))).toEqual(
				new Map([
					[northwind.id, false],
					[contoso.id, true],
				]),
			);
			expect(await sql('SELECT organization_id, email FROM unsubscribes')).toEqual([
				{ organization_id: contoso.id, email: SHARED_LEAD },
			]);
			const unsubscribed = (await trackingEvents()).filter((e) => e.event_type === 'unsubscribed');
			expect(unsubscribed).toEqual([
				{ organization_id: contoso.id, event_type: 'unsubscribed', queue_org: contoso.id },
			]);
		});
	});

	describe('statistics', () => {
		it('Campaign Stats for all organizations gives each organization’s own counts', async () => {
			const rows = await runNode('campaign stats', {
				type: 'n8n-nodes-ophir.ophirTrack',
				typeVersion: 2,
				parameters: { operation: 'campaignStats', organizations: 'all' },
			});

			// One row per organization with a campaign (the system organization has none).
			expect(rows).toHaveLength(organizations.length);
			for (const organization of organizations) {
				const row = rows.find((r) => r.organizationId === organization.id);
				expect(row).toMatchObject({
					organizationName: organization.name,
					campaignId: organization.campaignId,
					campaignName: `${organization.name} outreach`,
					sent: organization.leads.length,
					delivered: organization.leads.length,
					opens: 1,
					uniqueOpens: 1,
					machineOpens: 0,
					clicks: 1,
					uniqueClicks: 1,
					machineClicks: 0,
					unsubscribes: organization.name === 'Contoso' ? 1 : 0,
					hardBounces: 0,
				});
			}
		});
	});
});
