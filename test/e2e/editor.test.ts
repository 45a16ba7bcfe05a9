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
import { launchN8n, type N8nInstance } from '../../scripts/n8n/launch';
import { N8nClient } from '../../scripts/n8n/rest';
import { findChromium, launchChromium, N8nEditor } from '../support/browser';
import { adminQuery, adminUrl, createTestDatabase, type TestDatabase } from '../support/database';
import { newTenant } from '../support/tenants';
import { ensureFreshBuild, ROOT } from './build';

jest.setTimeout(10 * 60_000);

const chromiumPath = findChromium();
const SKIPPED = chromiumPath
	? ''
	: ' (skipped: no Chromium found on PATH; install it with `apt-get install chromium`, or set OPHIR_CHROMIUM to a Chromium or Chrome binary)';
if (!chromiumPath) {
	process.stderr.write(`test/e2e/editor.test.ts${SKIPPED}\n`);
}
const describeWithChromium = chromiumPath ? describe : describe.skip;

const OWNER = { email: 'owner@editor.ophir.test', password: `Editor-${randomBytes(9).toString('hex')}-7` };
const MAILBOXES = ['ada@acme-outreach.example', 'grace@acme-outreach.example'];
const CAMPAIGN = 'Q4 outreach';
const LEADS = [
	{ mail: 'linus@prospects.example', given: 'Linus', org: 'Kernel Works' },
	{ mail: 'barbara@prospects.example', given: 'Barbara', org: 'Abstraction Labs' },
	{ mail: 'edsger@prospects.example', given: 'Edsger', org: 'Structured Co' },
];
const ARTIFACTS = join(ROOT, 'test', 'e2e', 'artifacts');
const README_SCREENSHOT = join(ROOT, 'docs', 'images', 'editor-campaign-create.png');

describeWithChromium(`OPhir in the n8n editor, in a real browser${SKIPPED}`, () => {
	const n8nDatabase = `n8n_editor_${randomBytes(6).toString('hex')}`;
	let ophirDb: TestDatabase;
	let n8n: N8nInstance | undefined;
	let browser: Browser | undefined;
	let editor: N8nEditor;

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
			await organization.as((tx) =>
				createEmailAccount(tx, box, {
					email,
					provider: 'smtp',
					password: 'not-used-here',
					smtp: { host: '127.0.0.1', port: 2525, security: 'none' },
				}),
			);
		}

		[n8n, browser] = await Promise.all([
			launchN8n({ adminUrl: adminUrl(), n8nDatabase, log: (line) => process.stderr.write(`${line}\n`) }),
			launchChromium(chromiumPath!),
		]);
		const client = new N8nClient(n8n.url);
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

	it('creates the campaign from the panel: a name typed in, the node executed, the campaign in the output panel', async () => {
		await editor.stage('campaign-named', () => editor.fillParameter('name', CAMPAIGN));
		await editor.stage('campaign-created', () => editor.executeNode(1));

		const [campaign] = await sql<{ id: string; name: string; status: string }>(
			'SELECT id, name, status FROM campaigns',
		);
		expect(campaign).toMatchObject({ name: CAMPAIGN, status: 'draft' });
		const output = await editor.outputPanel().innerText();
		expect(output).toContain(campaign.id);
		expect(output).toContain(CAMPAIGN);

		if (process.env.OPHIR_UPDATE_DOCS_SCREENSHOTS === '1') {
			copyFileSync(await editor.screenshot('readme-campaign-create'), README_SCREENSHOT);
		}
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
});
