/**
 * The editor experience in a real browser: the pinned n8n with OPhir installed as a community package, driven in
 * headless Chromium as a user clicks through it. An owner signs in, creates a workflow, finds OPhir Campaign in the
 * node panel, builds a campaign in the node's panel and runs it, adds a Code node yielding three leads and imports
 * them with OPhir Campaign → Lead → Import; then PostgreSQL is checked for what the clicks made.
 *
 * What the test prepares without the browser (this test is about the nodes' panels, not n8n's own pages): the n8n
 * owner and the OPhir credential (n8n's REST API), the organization and its two SMTP mailboxes (OPhir's core).
 * Each stage's screenshot is saved in test/e2e/artifacts/ (git-ignored); OPHIR_UPDATE_DOCS_SCREENSHOTS=1 also
 * copies the campaign panel's to docs/images/editor-campaign-create.png, the one the README shows.
 *
 * Skipped, saying why, where no Chromium is installed (`apt-get install chromium`, or OPHIR_CHROMIUM=<binary>).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser } from 'playwright-core';

import { SecretBox } from '../../nodes/core/db';
import { createEmailAccount } from '../../nodes/core/outreach';
import { eventually } from '../../scripts/lib/wait';
import { launchN8n, type N8nInstance } from '../../scripts/n8n/launch';
import { N8nClient } from '../../scripts/n8n/rest';
import { findChromium, launchChromium, N8nEditor } from '../support/browser';
import { adminQuery, adminUrl, createTestDatabase, type TestDatabase } from '../support/database';
import { newTenant } from '../support/tenants';
import { ensureFreshBuild, ROOT } from './build';

jest.setTimeout(10 * 60_000);

const chromiumPath = findChromium();
const MISSING = process.env.OPHIR_CHROMIUM
	? `OPHIR_CHROMIUM names ${process.env.OPHIR_CHROMIUM}, which does not exist`
	: 'no Chromium found on PATH; install it with `apt-get install chromium`, or set OPHIR_CHROMIUM to a Chromium or Chrome binary';
const SKIPPED = chromiumPath ? '' : ` (skipped: ${MISSING})`;
if (!chromiumPath) {
	// CI (.ci/run) sets OPHIR_REQUIRE_CHROMIUM: there the browser proof must run, so a missing Chromium fails it.
	if (process.env.OPHIR_REQUIRE_CHROMIUM === '1')
		throw new Error(`Chromium is required (OPHIR_REQUIRE_CHROMIUM): ${MISSING}`);
	process.stderr.write(`test/e2e/editor.test.ts${SKIPPED}\n`);
}
const describeWithChromium = chromiumPath ? describe : describe.skip;

const OWNER = { email: 'owner@editor.ophir.test', password: `Editor-${randomBytes(9).toString('hex')}-7` };
const MAILBOXES = ['ada@acme-outreach.example', 'grace@acme-outreach.example'];
const CAMPAIGN = 'Q4 outreach';
const STEPS = [
	{
		delayDays: 0,
		subject: 'Quick question, {{fallback firstName "there"}}',
		body: '<p>Hi {{fallback firstName "there"}}, {{company}} could save hours a week.</p>',
	},
	{ delayDays: 3, subject: 'Re: Quick question', body: '<p>Just following up, {{fallback firstName "there"}}.</p>' },
];
const TIME_ZONE = 'Europe/Berlin';
const POSTAL_ADDRESS = '1 Main Street, Springfield, IL 62701, USA';
const LEADS = [
	{ mail: 'linus@prospects.example', given: 'Linus', org: 'Kernel Works' },
	{ mail: 'barbara@prospects.example', given: 'Barbara', org: 'Abstraction Labs' },
	{ mail: 'edsger@prospects.example', given: 'Edsger', org: 'Structured Co' },
];
/** The Code node's fields (named unlike a lead's), each mapped onto the lead column it feeds. */
const COLUMNS = { mail: 'email', given: 'firstName', org: 'company' };
const ARTIFACTS = join(ROOT, 'test', 'e2e', 'artifacts');
const README_SCREENSHOT = join(ROOT, 'docs', 'images', 'editor-campaign-create.png');

describeWithChromium(`OPhir in the n8n editor, in a real browser${SKIPPED}`, () => {
	const n8nDatabase = `n8n_editor_${randomBytes(6).toString('hex')}`;
	let ophirDb: TestDatabase;
	let n8n: N8nInstance | undefined;
	let browser: Browser | undefined;
	let editor: N8nEditor;
	let client: N8nClient;
	const mailboxIds: string[] = [];

	async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
		return (await ophirDb.pool.query(text, params)).rows as T[];
	}

	beforeAll(async () => {
		await ensureFreshBuild();
		ophirDb = await createTestDatabase();
		const organization = await newTenant(ophirDb, 'Acme Outreach');
		const encryptionKey = randomBytes(32).toString('hex');
		const box = new SecretBox(encryptionKey);
		for (const email of MAILBOXES) {
			const mailbox = await organization.as((tx) =>
				createEmailAccount(tx, box, {
					email,
					provider: 'smtp',
					password: 'not-used-here',
					smtp: { host: '127.0.0.1', port: 2525, security: 'none' },
				}),
			);
			mailboxIds.push(mailbox.id);
		}

		// Chromium first (a second): one that does not start then leaves no n8n behind.
		browser = await launchChromium(chromiumPath!);
		n8n = await launchN8n({ adminUrl: adminUrl(), n8nDatabase, log: (line) => process.stderr.write(`${line}\n`) });
		client = new N8nClient(n8n.url);
		await client.setupOwner(OWNER);
		await client.createOphirCredential({
			name: 'OPhir',
			connectionString: ophirDb.url,
			organizationId: organization.id,
			encryptionKey,
			trackingSecret: randomBytes(32).toString('hex'),
		});

		const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
		editor = new N8nEditor(await context.newPage(), n8n.url, ARTIFACTS);
	});

	afterAll(async () => {
		await browser?.close();
		await n8n?.stop();
		await adminQuery(`DROP DATABASE IF EXISTS ${n8nDatabase} WITH (FORCE)`);
		await ophirDb?.drop();
	});

	it('signs in as the owner and opens a new, empty workflow', async () => {
		await editor.stage('signed-in', () => editor.signIn(OWNER.email, OWNER.password));
		await editor.stage('new-workflow', () => editor.newWorkflow());
		expect(new URL(editor.page.url()).pathname).toMatch(/^\/workflow\//);
	});

	it('finds the OPhir nodes by searching "ophir" in the node panel', async () => {
		const entries = await editor.stage('node-panel-search', async () => {
			await editor.searchNodes('ophir');
			await editor.nodeCreatorItem('OPhir Campaign').waitFor();
			return editor.nodeCreatorEntries();
		});
		expect(entries).toEqual(expect.arrayContaining(['OPhir Campaign', 'OPhir Queue', 'OPhir Track']));
	});

	it("offers OPhir Campaign's actions by resource, and opens Campaign → Create in the node's panel", async () => {
		const actions = ['Create a campaign', 'Import leads', 'Create an email account', 'Get many leads'];
		await editor.stage('campaign-actions', async () => {
			await editor.nodeCreatorItem('OPhir Campaign').click();
			// The panel slides over to the node's actions: each is shown once it has arrived.
			for (const action of actions) await editor.nodeCreatorItem(action).waitFor();
		});
		expect(await editor.nodeCreatorEntries()).toEqual(
			expect.arrayContaining(['CAMPAIGN ACTIONS', 'LEAD ACTIONS', 'EMAIL ACCOUNT ACTIONS', ...actions]),
		);

		await editor.stage('campaign-create-panel', async () => {
			await editor.nodeCreatorItem('Create a campaign').click();
			await editor.ndv().waitFor();
		});
		expect(await editor.parameterValue('resource')).toBe('Campaign');
		expect(await editor.parameterValue('operation')).toBe('Create');
		// The only OPhir credential is picked for the new node.
		expect(await editor.ndv().getByTestId('node-credentials-select').locator('input').inputValue()).toBe('OPhir');
	});

	it('builds the campaign with fields: a name, two steps, both mailboxes picked from the list, the time zone', async () => {
		await editor.stage('campaign-named', () => editor.fillParameter('name', CAMPAIGN));
		expect(await editor.parameterValue('settingsMode')).toBe('Using Fields');

		await editor.stage('campaign-steps', async () => {
			const steps = editor.ndv().getByTestId('fixed-collection-steps').locator('.parameter-input-list-wrapper');
			for (const [index, step] of STEPS.entries()) {
				await editor.ndv().getByRole('button', { name: 'Add Step', exact: true }).click();
				const fields = steps.nth(index);
				await editor.fillParameterIn(fields, 'delayDays', String(step.delayDays));
				for (const key of ['subject', 'body'] as const) {
					// Placeholders typed into a subject or body stay fixed text: n8n does not turn them into an expression.
					expect(await editor.typeLiteralText(fields, key, step[key])).toBe(true);
				}
			}
		});

		// The list comes from the OPhir database through the credential (loadOptions getEmailAccounts).
		await editor.stage('campaign-mailboxes', () =>
			editor.selectParameterOptions(
				'accountIds',
				MAILBOXES.map((email) => new RegExp(`^${email.replace(/\./g, '\\.')}`)),
			),
		);
		const picked = await editor.parameter('accountIds').innerText();
		for (const email of MAILBOXES) expect(picked).toContain(email);

		await editor.stage('campaign-time-zone', async () => {
			await editor.searchParameterOption('timezone', TIME_ZONE);
			await editor.fillParameter('postalAddress', POSTAL_ADDRESS);
		});
		expect(await editor.parameterValue('timezone')).toBe(TIME_ZONE);
	});

	it('executes the node: the output panel shows the campaign as built, and PostgreSQL holds it', async () => {
		await editor.stage('campaign-created', () => editor.executeNode(1));

		const campaigns = await sql<{ id: string; name: string; status: string; config: Record<string, unknown> }>(
			'SELECT id, name, status, config FROM campaigns',
		);
		expect(campaigns).toHaveLength(1);
		const [campaign] = campaigns;
		expect(campaign).toMatchObject({ name: CAMPAIGN, status: 'draft' });
		expect(campaign.config).toMatchObject({
			sequence: STEPS.map((step) => expect.objectContaining(step)),
			timezone: TIME_ZONE,
			postalAddress: POSTAL_ADDRESS,
		});
		expect([...(campaign.config.accountIds as string[])].sort()).toEqual([...mailboxIds].sort());
		const output = await editor.outputPanel().innerText();
		for (const shown of [campaign.id, CAMPAIGN, TIME_ZONE, STEPS[1].subject]) expect(output).toContain(shown);

		// The README's picture: the fields filled in (mailboxes and time zone in view) beside the output.
		await editor.parameter('accountIds').scrollIntoViewIfNeeded();
		await editor.dismissNotifications();
		const picture = await editor.screenshot('campaign-fields-and-output');
		if (process.env.OPHIR_UPDATE_DOCS_SCREENSHOTS === '1') copyFileSync(picture, README_SCREENSHOT);
		await editor.closeNode();
	});

	it('adds a Code node after the campaign that yields three leads', async () => {
		await editor.stage('code-node', async () => {
			await editor.searchNodes('code');
			await editor.nodeCreatorItem('Code').click();
			await editor.nodeCreatorItem('Code in JavaScript').click();
			await editor.ndv().waitFor();
			await editor.fillCodeParameter(
				'jsCode',
				`return ${JSON.stringify(
					LEADS.map((json) => ({ json })),
					null,
					2,
				)};`,
			);
			await editor.executeNode(LEADS.length);
		});
		const output = await editor.outputPanel().innerText();
		for (const lead of LEADS) expect(output).toContain(lead.mail);
		await editor.closeNode();
	});

	it('imports them with OPhir Campaign → Lead → Import: the campaign picked from the list, the columns mapped in the mapper', async () => {
		await editor.stage('import-panel', async () => {
			await editor.searchNodes('ophir');
			await editor.nodeCreatorItem('OPhir Campaign').click();
			await editor.nodeCreatorItem('Import leads').click();
			await editor.ndv().waitFor();
		});
		await editor.stage('import-campaign-picked', () => editor.pickFromList('campaignId', CAMPAIGN));
		await editor.stage('import-columns-mapped', async () => {
			await editor.ndv().getByTestId('mapping-mode-select').click();
			await editor.openOption(/Map Each Column Manually/).click();
			const columns = editor.ndv().getByTestId('mapping-fields-container');
			// The input panel's field names dragged onto the lead's columns, as a user maps them.
			for (const [field, column] of Object.entries(COLUMNS)) {
				await editor.dragInputField(field, columns.getByTestId(`parameter-input-${column}`));
			}
		});
		const mapped = editor.ndv().getByTestId('mapping-fields-container');
		for (const [field, column] of Object.entries(COLUMNS)) {
			expect(await mapped.getByTestId(`parameter-input-${column}`).innerText()).toContain(`{{ $json.${field} }}`);
		}

		await editor.stage('import-run', () => editor.executeNode(LEADS.length));
		const output = await editor.outputPanel().innerText();
		expect(output.match(/\bcreated\b/g)).toHaveLength(LEADS.length);

		const [campaign] = await sql<{ id: string }>('SELECT id FROM campaigns');
		const leads = await sql(
			`SELECT campaign_id, email, first_name, last_name, company, data FROM leads ORDER BY email`,
		);
		expect(leads).toEqual(
			[...LEADS]
				.sort((a, b) => a.mail.localeCompare(b.mail))
				.map((lead) => ({
					campaign_id: campaign.id,
					email: lead.mail,
					first_name: lead.given,
					last_name: null,
					company: lead.org,
					data: {},
				})),
		);
	});

	it('saves the workflow as built, with the picked records and the mapped columns', async () => {
		await editor.stage('workflow-saved', async () => {
			await editor.closeNode();
			await editor.page.keyboard.press('ControlOrMeta+s');
		});
		// n8n 2 gives a new workflow its ID at once (/workflow/<id>) and saves it as it is edited.
		const id = new URL(editor.page.url()).pathname.split('/')[2];
		const saved = await eventually('the workflow saved with its four nodes and the mapped columns', async () => {
			const workflow = await client.getWorkflow(id);
			const mapped = workflow.nodes.some(
				(node: { parameters: { columns?: { value?: Record<string, unknown> } } }) =>
					node.parameters.columns?.value?.company,
			);
			return workflow.nodes.length === 4 && mapped && workflow;
		});
		const byType = (type: string) => saved.nodes.filter((node: { type: string }) => node.type === type);
		const [create, importLeads] = byType('n8n-nodes-ophir.ophirCampaign');
		// Campaign → Create is the node's default, which n8n leaves out of the saved parameters.
		expect(create.parameters).toMatchObject({ name: CAMPAIGN, timezone: TIME_ZONE, postalAddress: POSTAL_ADDRESS });
		// The placeholders are saved as typed: fixed text, not n8n expressions (which would start with "=").
		expect(
			create.parameters.steps.step.map((step: { subject: string; body: string }) => [step.subject, step.body]),
		).toEqual(STEPS.map((step) => [step.subject, step.body]));
		expect([...create.parameters.accountIds].sort()).toEqual([...mailboxIds].sort());
		expect(importLeads.parameters).toMatchObject({
			resource: 'lead',
			operation: 'import',
			campaignId: { __rl: true, mode: 'list', value: expect.any(String) },
			columns: { mappingMode: 'defineBelow' },
		});
		expect(byType('n8n-nodes-base.code')).toHaveLength(1);
	});

	it('picks a record inside Additional Fields: a suppression names the campaign it came from, from the list', async () => {
		await editor.stage('suppression-panel', async () => {
			await editor.searchNodes('ophir');
			await editor.nodeCreatorItem('OPhir Campaign').click();
			await editor.nodeCreatorItem('Add a suppression').click();
			await editor.ndv().waitFor();
			await editor.fillParameter('target', 'no-thanks@prospects.example');
		});
		await editor.stage('suppression-campaign-picked', async () => {
			await editor.ndv().getByPlaceholder('Add Field').click();
			await editor.openOption('Campaign').click();
			await editor.pickFromList('campaignId', CAMPAIGN);
		});
		// It runs once per item of the node before it (the three imported leads): one address, suppressed once.
		await editor.stage('suppression-added', () => editor.executeNode(LEADS.length));
		const [campaign] = await sql<{ id: string }>('SELECT id FROM campaigns');
		expect(await sql('SELECT email, campaign_id FROM unsubscribes')).toEqual([
			{ email: 'no-thanks@prospects.example', campaign_id: campaign.id },
		]);
	});

	it('offers the Organizations option with the organizations the credential may act for, from the list', async () => {
		await editor.stage('queue-stats-panel', async () => {
			await editor.closeNode();
			await editor.searchNodes('ophir');
			await editor.nodeCreatorItem('OPhir Queue').click();
			await editor.nodeCreatorItem('Get queue stats').click();
			await editor.ndv().waitFor();
			await editor.selectParameterOption('organizations', 'Selected Organizations');
		});
		// Listed from the OPhir database through the credential (loadOptions getOrganizations): an organization's own
		// credential may act for itself only.
		await editor.stage('queue-stats-organization-picked', () =>
			editor.selectParameterOptions('organizationIds', ['Acme Outreach']),
		);
		expect(await editor.parameter('organizationIds').innerText()).toContain('Acme Outreach');
		// One summary per item of the node before it (the three leads' suppression results), naming the organization.
		await editor.stage('queue-stats-run', () => editor.executeNode(LEADS.length));
		expect(await editor.outputPanel().innerText()).toContain('Acme Outreach');
	});
});
