import type { AddressInfo } from 'node:net';

import {
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INodeExecutionData,
	type INodeParameters,
	NodeOperationError,
} from 'n8n-workflow';
import { SMTPServer } from 'smtp-server';

import { closeAllPools, SYSTEM_ORGANIZATION_ID } from '../../nodes/core/db';
import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { runNode } from '../support/n8nExecute';
import { newTenant } from '../support/tenants';

/**
 * Every resource of the OPhir Campaign node, run by n8n's execution engine (parameters and expressions as a
 * workflow stores them) against a real PostgreSQL and a real SMTP server: what the node layer adds to the core
 * modules (parameter mapping, pairing, continueOnFail, tenant scoping, secrets kept out of items).
 */
describe('OPhir Campaign node resources in n8n', () => {
	const KEY = 'k'.repeat(40);
	const NEW_KEY = 'n'.repeat(40);
	const MAILBOX_PASSWORD = 'mailbox-password-that-must-never-leak';
	const POSTAL_ADDRESS = '1 Main Street, Springfield, IL 62701, USA';
	let db: TestDatabase;
	let orgA: string;
	let orgB: string;
	let smtp: SMTPServer;
	let smtpPort: number;

	const credential = (organizationId: string, fields: ICredentialDataDecryptedObject = {}) => ({
		ophirPostgresApi: {
			connection: 'connectionString',
			connectionString: db.url,
			organizationId,
			encryptionKey: KEY,
			...fields,
		},
	});

	/** Runs the node for organization A (or `as`) and returns its output items, or throws its error. */
	async function run(
		parameters: INodeParameters,
		{
			input = [{ json: {} }],
			as = orgA,
			credentialFields,
			continueOnFail = false,
			typeVersion,
		}: {
			input?: IDataObject[] | [{ json: IDataObject }];
			as?: string;
			credentialFields?: ICredentialDataDecryptedObject;
			continueOnFail?: boolean;
			typeVersion?: number;
		} = {},
	): Promise<INodeExecutionData[]> {
		const items = (input as Array<IDataObject>).map((entry) =>
			'json' in entry ? (entry as INodeExecutionData) : { json: entry },
		);
		const { output, error } = await runNode({
			nodeType: new OphirCampaign(),
			parameters,
			credentials: credential(as, credentialFields),
			input: items,
			continueOnFail,
			typeVersion,
		});
		if (error) throw error;
		return output[0];
	}
	const one = async (parameters: INodeParameters, options?: Parameters<typeof run>[1]) =>
		(await run(parameters, options))[0].json;

	beforeAll(async () => {
		db = await createTestDatabase();
		orgA = (await newTenant(db)).id;
		orgB = (await newTenant(db)).id;
		smtp = new SMTPServer({
			secure: false,
			disabledCommands: ['STARTTLS'],
			allowInsecureAuth: true,
			onAuth(auth, _session, callback) {
				if (auth.password === MAILBOX_PASSWORD) callback(null, { user: auth.username });
				else callback(new Error('Invalid username or password'));
			},
		});
		await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
		smtpPort = (smtp.server.address() as AddressInfo).port;
	});
	afterAll(async () => {
		await closeAllPools();
		await new Promise<void>((resolve) => smtp.close(() => resolve()));
		await db.drop();
	});

	async function createMailbox(email: string, as = orgA) {
		return one(
			{
				resource: 'emailAccount',
				operation: 'create',
				email,
				provider: 'smtp',
				smtpHost: '127.0.0.1',
				smtpPort,
				smtpSecurity: 'none',
			},
			{ input: [{ password: MAILBOX_PASSWORD }], as },
		);
	}

	describe('Email Account', () => {
		it('creates a mailbox with the password taken from the item, and never outputs it', async () => {
			const account = await createMailbox('sender1@example.com');
			expect(account).toMatchObject({
				email: 'sender1@example.com',
				provider: 'smtp',
				hasSecret: true,
				secretKeyId: expect.any(String),
			});
			expect(JSON.stringify(account)).not.toContain(MAILBOX_PASSWORD);
			const { rows } = await db.pool.query('SELECT credentials_encrypted, settings FROM email_accounts WHERE id = $1', [
				account.id,
			]);
			expect(rows[0].credentials_encrypted).toMatch(/^v1\./);
			expect(JSON.stringify(rows[0])).not.toContain(MAILBOX_PASSWORD);
		});

		it('verifies the SMTP sign-in against a real SMTP server, and reports a wrong password plainly', async () => {
			const account = await createMailbox('sender2@example.com');
			const verified = await one({ resource: 'emailAccount', operation: 'verify', accountId: account.id as string });
			expect(verified).toMatchObject({ id: account.id, verified: true });

			await one({
				resource: 'emailAccount',
				operation: 'update',
				accountId: account.id as string,
				updateFields: { password: 'not-the-password', dailyLimit: 120 },
			});
			const failed = await one({ resource: 'emailAccount', operation: 'verify', accountId: account.id as string });
			expect(failed).toMatchObject({ verified: false, message: expect.stringMatching(/auth|password|invalid/i) });
			expect(JSON.stringify(failed)).not.toContain('not-the-password');
		});

		it('updates limits and warm-up, pauses with a reason and resumes', async () => {
			const account = await createMailbox('sender3@example.com');
			const updated = await one({
				resource: 'emailAccount',
				operation: 'update',
				accountId: account.id as string,
				updateFields: { dailyLimit: 80, warmupStatus: 'warming', warmupStartVolume: 10, warmupDailyIncrement: 3 },
			});
			expect(updated).toMatchObject({
				dailyLimit: 80,
				warmupStatus: 'warming',
				settings: { warmup: { startVolume: 10, dailyIncrement: 3 } },
			});
			const paused = await one({
				resource: 'emailAccount',
				operation: 'pause',
				accountId: account.id as string,
				reason: 'bounce spike',
			});
			expect(paused).toMatchObject({ status: 'paused', pausedReason: 'bounce spike' });
			const resumed = await one({ resource: 'emailAccount', operation: 'resume', accountId: account.id as string });
			expect(resumed).toMatchObject({ status: 'active', pausedReason: null });
		});

		it('cannot open secrets with a wrong key, and re-seals them after a key rotation', async () => {
			const account = await createMailbox('sender4@example.com');
			const wrongKey = run(
				{ resource: 'emailAccount', operation: 'verify', accountId: account.id as string },
				{ credentialFields: { encryptionKey: NEW_KEY } },
			);
			await expect(wrongKey).rejects.toThrow(/key/i);

			const rotated = { encryptionKey: NEW_KEY, previousEncryptionKeys: KEY };
			const result = await one(
				{ resource: 'emailAccount', operation: 'reencryptSecrets' },
				{ credentialFields: rotated },
			);
			expect(result.reencrypted).toBeGreaterThanOrEqual(1);
			const verified = await one(
				{ resource: 'emailAccount', operation: 'verify', accountId: account.id as string },
				{ credentialFields: { encryptionKey: NEW_KEY } },
			);
			expect(verified.verified).toBe(true);
			// Back to the first key, so the other tests' credential still opens every secret.
			await one(
				{ resource: 'emailAccount', operation: 'reencryptSecrets' },
				{ credentialFields: { encryptionKey: KEY, previousEncryptionKeys: NEW_KEY } },
			);
		});

		it('lists only the organization’s mailboxes, filtered, and never their secrets', async () => {
			await createMailbox('other-org@example.com', orgB);
			const items = await run({
				resource: 'emailAccount',
				operation: 'list',
				returnAll: true,
				filters: { provider: 'smtp' },
			});
			expect(items.length).toBeGreaterThanOrEqual(3);
			expect(items.map((item) => item.json.email)).not.toContain('other-org@example.com');
			expect(JSON.stringify(items)).not.toMatch(new RegExp(`${MAILBOX_PASSWORD}|v1\\.`));
		});
	});

	describe('Campaign', () => {
		it('creates, activates, pauses, resumes, completes and archives a campaign', async () => {
			const account = await createMailbox('campaign-sender@example.com');
			const config = {
				sequence: [{ subject: 'Hi {{firstName}}', body: 'Hello {{fallback company "there"}}' }],
				accountIds: [account.id],
				postalAddress: POSTAL_ADDRESS,
			};
			const campaign = await one({
				resource: 'campaign',
				operation: 'create',
				name: 'Q4 outreach',
				settingsMode: 'json',
				config: JSON.stringify(config),
			});
			expect(campaign).toMatchObject({
				name: 'Q4 outreach',
				status: 'draft',
				config: { accountIds: [account.id], timezone: 'UTC' },
			});
			const id = campaign.id as string;
			for (const [operation, status] of [
				['activate', 'active'],
				['pause', 'paused'],
				['resume', 'active'],
				['complete', 'completed'],
				['archive', 'archived'],
			]) {
				expect(await one({ resource: 'campaign', operation, campaignId: id })).toMatchObject({ id, status });
			}
		});

		it('names the config path of an invalid config and the item it came from', async () => {
			const bad = {
				sequence: [
					{ subject: 'a', body: 'b' },
					{ subject: 'c', body: 'd', delayDays: -1 },
				],
			};
			const attempt = run({
				resource: 'campaign',
				operation: 'create',
				name: 'Broken',
				settingsMode: 'json',
				config: JSON.stringify(bad),
			});
			await expect(attempt).rejects.toThrow(NodeOperationError);
			await expect(attempt).rejects.toThrow('config.sequence[1].delayDays must be >= 0');
			await expect(attempt).rejects.toThrow('[item 0]');
		});

		it('explains why a campaign cannot be activated', async () => {
			const draft = await one({
				resource: 'campaign',
				operation: 'create',
				name: 'Empty',
				settingsMode: 'json',
				config: '{}',
			});
			await expect(
				run({ resource: 'campaign', operation: 'activate', campaignId: draft.id as string }),
			).rejects.toThrow(/no sequence step/);
		});

		it('updates, lists by status, gets and deletes drafts', async () => {
			const draft = await one({
				resource: 'campaign',
				operation: 'create',
				name: 'To rename',
				settingsMode: 'json',
				config: '{}',
			});
			const renamed = await one({
				resource: 'campaign',
				operation: 'update',
				campaignId: draft.id as string,
				settingsMode: 'json',
				updateFields: { name: 'Renamed', config: '{"dailyNewLeadsCap": 25}' },
			});
			expect(renamed).toMatchObject({ name: 'Renamed', config: { dailyNewLeadsCap: 25 } });
			const drafts = await run({ resource: 'campaign', operation: 'list', statuses: ['draft'], returnAll: true });
			expect(drafts.every((item) => item.json.status === 'draft')).toBe(true);
			expect(drafts.map((item) => item.json.id)).toContain(draft.id);
			expect(await one({ resource: 'campaign', operation: 'get', campaignId: draft.id as string })).toMatchObject({
				name: 'Renamed',
			});
			expect(await one({ resource: 'campaign', operation: 'delete', campaignId: draft.id as string })).toMatchObject({
				id: draft.id,
			});
			await expect(run({ resource: 'campaign', operation: 'get', campaignId: draft.id as string })).rejects.toThrow(
				/not found/,
			);
		});

		it('treats another organization’s campaign as not found', async () => {
			const theirs = await one(
				{ resource: 'campaign', operation: 'create', name: 'B only', settingsMode: 'json', config: '{}' },
				{ as: orgB },
			);
			for (const operation of ['get', 'activate', 'delete']) {
				await expect(run({ resource: 'campaign', operation, campaignId: theirs.id as string })).rejects.toThrow(
					`Campaign ${theirs.id} was not found in this organization`,
				);
			}
		});

		it('with continueOnFail outputs one error item per failing input item, paired, and goes on', async () => {
			const draft = await one({
				resource: 'campaign',
				operation: 'create',
				name: 'Exists',
				settingsMode: 'json',
				config: '{}',
			});
			const items = await run(
				{ resource: 'campaign', operation: 'get', campaignId: '={{ $json.id }}' },
				{
					input: [{ id: draft.id }, { id: 'not-a-uuid' }, { id: '00000000-0000-4000-8000-000000000000' }],
					continueOnFail: true,
				},
			);
			expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			expect(items[0].json).toMatchObject({ id: draft.id, name: 'Exists' });
			expect(items[1].json.error).toMatch(/^Campaign ID must be a UUID.*\[item 1\]$/);
			expect(items[2].json.error).toMatch(/was not found in this organization \[item 2\]$/);
		});
	});

	describe('Lead', () => {
		let campaignId: string;
		beforeAll(async () => {
			campaignId = (
				await one({ resource: 'campaign', operation: 'create', name: 'Lead tests', settingsMode: 'json', config: '{}' })
			).id as string;
			await one({ resource: 'suppression', operation: 'add', target: 'blocked.example' });
		});

		it('imports every input item in one go and outputs one paired outcome per item', async () => {
			const items = await run(
				{ resource: 'lead', operation: 'import', campaignId },
				{
					input: [
						{ email: 'Ada@Example.com', firstName: 'Ada', company: 'Analytical', city: 'London', tags: 'vip, uk' },
						{ email: 'not-an-address' },
						{ email: 'ada@example.com', first_name: 'Duplicate' },
						{ email: 'someone@blocked.example' },
						{ email: 'grace@example.com', last_name: 'Hopper' },
					],
				},
			);
			expect(items.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
			expect(items.map((item) => item.json.status)).toEqual(['created', 'invalid', 'skipped', 'skipped', 'created']);
			expect(items[1].json.reason).toMatch(/Email/);
			expect(items[2].json.reason).toBe('duplicate of item 0 in this import');
			expect(items[3].json.reason).toBe('domain is suppressed');

			const ada = await one({ resource: 'lead', operation: 'get', leadId: items[0].json.id as string });
			expect(ada).toMatchObject({
				email: 'ada@example.com',
				firstName: 'Ada',
				company: 'Analytical',
				data: { city: 'London' },
				tags: ['vip', 'uk'],
			});
		});

		it('maps columns defined by expressions', async () => {
			const items = await run(
				{
					resource: 'lead',
					operation: 'import',
					campaignId,
					columns: {
						mappingMode: 'defineBelow',
						value: {
							email: '={{ $json.contact.mail }}',
							firstName: '={{ $json.contact.given }}',
							source: '={{ $json.source }}',
						},
						matchingColumns: [],
						schema: [],
						attemptToConvertTypes: false,
						convertFieldsToString: false,
					},
				},
				{ input: [{ contact: { mail: 'linus@example.com', given: 'Linus' }, source: 'crm' }] },
			);
			expect(items[0].json.status).toBe('created');
			const lead = await one({ resource: 'lead', operation: 'get', leadId: items[0].json.id as string });
			expect(lead).toMatchObject({ email: 'linus@example.com', firstName: 'Linus', data: { source: 'crm' } });
		});

		it('numbers duplicates by input item even when an earlier item’s fields did not parse', async () => {
			const items = await run(
				{
					resource: 'lead',
					operation: 'import',
					campaignId,
					mapping: 'defined',
					mapEmail: '={{ $json.mail }}',
					mapData: '={{ $json.custom }}',
				},
				{
					input: [
						{ mail: 'broken@numbering.test', custom: '{city: Lyon}' },
						{ mail: 'twice@numbering.test', custom: '{"city": "Lyon"}' },
						{ mail: 'Twice@Numbering.test', custom: '{"city": "Paris"}' },
					],
					// "Custom Fields (JSON)" is version 1's; version 2 maps each custom field as a column.
					typeVersion: 1,
				},
			);
			expect(items.map((item) => item.pairedItem)).toEqual([0, 1, 2].map((item) => ({ item })));
			expect(items[0].json).toEqual({ status: 'invalid', reason: 'Custom Fields (JSON) must be valid JSON' });
			expect(items[1].json).toMatchObject({ status: 'created', email: 'twice@numbering.test' });
			expect(items[2].json).toEqual({
				status: 'skipped',
				email: 'twice@numbering.test',
				reason: 'duplicate of item 1 in this import',
			});
			const stored = await run({
				resource: 'lead',
				operation: 'list',
				returnAll: true,
				filters: { campaignId, search: 'numbering.test' },
			});
			expect(stored.map((item) => [item.json.email, item.json.data])).toEqual([
				['twice@numbering.test', { city: 'Lyon' }],
			]);
		});

		it('creates, refuses a duplicate, upserts, updates, tags, sets status, exports and erases', async () => {
			const created = await one({
				resource: 'lead',
				operation: 'create',
				email: ' Margaret@Example.com ',
				campaignId,
				additionalFields: { firstName: 'Margaret', data: '{"timezone": "America/New_York"}' },
			});
			expect(created).toMatchObject({
				email: 'margaret@example.com',
				campaignId,
				data: { timezone: 'America/New_York' },
			});
			const id = created.id as string;
			await expect(
				run({ resource: 'lead', operation: 'create', email: 'margaret@example.com', campaignId }),
			).rejects.toThrow(/already exists/);
			const upserted = await one({
				resource: 'lead',
				operation: 'upsert',
				email: 'margaret@example.com',
				campaignId,
				additionalFields: { company: 'NASA' },
			});
			expect(upserted).toMatchObject({ id, company: 'NASA', firstName: 'Margaret' });
			const updated = await one({
				resource: 'lead',
				operation: 'update',
				leadId: id,
				updateFields: { data: '{"role": "lead"}' },
			});
			expect(updated.data).toEqual({ timezone: 'America/New_York', role: 'lead' });
			expect(await one({ resource: 'lead', operation: 'addTags', leadId: id, tags: 'apollo, nasa' })).toMatchObject({
				tags: ['apollo', 'nasa'],
			});
			expect(await one({ resource: 'lead', operation: 'removeTags', leadId: id, tags: 'nasa' })).toMatchObject({
				tags: ['apollo'],
			});
			expect(
				await one({ resource: 'lead', operation: 'setStatus', leadId: id, status: 'not_interested' }),
			).toMatchObject({
				status: 'not_interested',
			});
			const tagged = await run({ resource: 'lead', operation: 'list', returnAll: true, filters: { tag: 'apollo' } });
			expect(tagged.map((item) => item.json.id)).toEqual([id]);
			const exported = await one({ resource: 'lead', operation: 'export', email: 'margaret@example.com' });
			expect(exported).toMatchObject({ email: 'margaret@example.com', leads: [expect.objectContaining({ id })] });
			const erased = await one({ resource: 'lead', operation: 'delete', by: 'email', email: 'margaret@example.com' });
			expect(erased).toMatchObject({ erasedLeads: 1 });
			await expect(run({ resource: 'lead', operation: 'get', leadId: id })).rejects.toThrow(/not found/);
		});

		it('never shows or changes another organization’s leads', async () => {
			const [theirs] = await run(
				{ resource: 'lead', operation: 'import' },
				{ input: [{ email: 'private@example.com' }], as: orgB },
			);
			const leadId = theirs.json.id as string;
			await expect(run({ resource: 'lead', operation: 'get', leadId })).rejects.toThrow(/not found/);
			await expect(run({ resource: 'lead', operation: 'delete', leadId })).rejects.toThrow(/not found/);
			const found = await run({
				resource: 'lead',
				operation: 'list',
				returnAll: true,
				filters: { email: 'private@example.com' },
			});
			expect(found).toEqual([]);
			expect(await one({ resource: 'lead', operation: 'get', leadId }, { as: orgB })).toMatchObject({
				email: 'private@example.com',
			});
		});
	});

	describe('Template', () => {
		it('creates, previews for the input item, updates, lists and deletes a template', async () => {
			const template = await one({
				resource: 'template',
				operation: 'create',
				name: 'Intro',
				subject: '{Hi|Hello} {{capitalize firstName}}',
				body: '<p>How is {{fallback company "your team"}}?</p>',
				additionalFields: { category: 'intro' },
			});
			expect(template).toMatchObject({
				name: 'Intro',
				category: 'intro',
				usedVariables: expect.arrayContaining(['firstName', 'company']),
			});
			const id = template.id as string;
			const preview = await one(
				{ resource: 'template', operation: 'preview', source: 'stored', templateId: id },
				{ input: [{ email: 'ada@example.com', firstName: 'ada' }] },
			);
			expect(preview.subject).toMatch(/^(Hi|Hello) Ada$/);
			expect(preview.body).toBe('<p>How is your team?</p>');

			expect(
				await one({ resource: 'template', operation: 'update', templateId: id, updateFields: { name: 'Intro v2' } }),
			).toMatchObject({
				name: 'Intro v2',
				category: 'intro',
			});
			const listed = await run({
				resource: 'template',
				operation: 'list',
				returnAll: true,
				filters: { category: 'intro' },
			});
			expect(listed.map((item) => item.json.id)).toEqual([id]);
			expect(await one({ resource: 'template', operation: 'delete', templateId: id })).toEqual({ id, deleted: true });
		});

		it('refuses to preview with a variable the lead does not have, naming it', async () => {
			const attempt = run(
				{
					resource: 'template',
					operation: 'preview',
					source: 'inline',
					subject: 'Hi {{firstName}}',
					body: 'About {{company}}',
				},
				{ input: [{ email: 'nobody@example.com', firstName: 'Nobody' }] },
			);
			await expect(attempt).rejects.toThrow(/company/);
		});
	});

	describe('Suppression', () => {
		it('adds, checks, lists and removes addresses and domains', async () => {
			expect(
				await one({
					resource: 'suppression',
					operation: 'add',
					target: 'Stop@Example.org',
					additionalFields: { reason: 'asked by phone' },
				}),
			).toMatchObject({
				scope: 'email',
				email: 'stop@example.org',
				reason: 'asked by phone',
			});
			expect(await one({ resource: 'suppression', operation: 'check', email: 'stop@example.org' })).toMatchObject({
				suppressed: true,
				matchedBy: 'email',
			});
			expect(
				await one({ resource: 'suppression', operation: 'check', email: 'stop@example.org' }, { as: orgB }),
			).toMatchObject({
				suppressed: false,
			});
			const domains = await run({
				resource: 'suppression',
				operation: 'list',
				returnAll: true,
				filters: { scope: 'domain' },
			});
			expect(domains.map((item) => item.json.email)).toContain('blocked.example');
			expect(await one({ resource: 'suppression', operation: 'remove', target: 'stop@example.org' })).toMatchObject({
				removed: true,
			});
			await expect(run({ resource: 'suppression', operation: 'add', target: 'not an address' })).rejects.toThrow(
				/Email or Domain must be/,
			);
		});
	});

	describe('Organization and User', () => {
		it('lets only the system organization create organizations', async () => {
			const created = await one(
				{ resource: 'organization', operation: 'create', name: 'Acme' },
				{ as: SYSTEM_ORGANIZATION_ID },
			);
			expect(created).toMatchObject({ name: 'Acme', planType: 'free' });
			await expect(run({ resource: 'organization', operation: 'create', name: 'Rogue' })).rejects.toThrow(
				/system organization/,
			);
			const visible = await run({ resource: 'organization', operation: 'list' });
			expect(visible.map((item) => item.json.id)).toEqual([orgA]);
		});

		it('creates users with a bcrypt hash it never outputs, lists them and sets passwords', async () => {
			const password = 'a long enough password';
			const user = await one(
				{ resource: 'user', operation: 'create', email: 'Owner@Example.com', role: 'admin' },
				{ input: [{ password }] },
			);
			expect(user).toMatchObject({ email: 'owner@example.com', role: 'admin', hasPassword: true });
			expect(JSON.stringify(user)).not.toMatch(/password_hash|\$2[aby]\$/);
			const locked = await one({ resource: 'user', operation: 'create', email: 'viewer@example.com', role: 'viewer' });
			expect(locked.hasPassword).toBe(false);
			const updated = await one(
				{
					resource: 'user',
					operation: 'setPassword',
					user: { __rl: true, mode: 'email', value: 'viewer@example.com' },
				},
				{ input: [{ password }] },
			);
			expect(updated.hasPassword).toBe(true);
			const users = await run({ resource: 'user', operation: 'list', returnAll: true });
			expect(users.map((item) => item.json.email)).toEqual(['owner@example.com', 'viewer@example.com']);
			await expect(
				run(
					{
						resource: 'user',
						operation: 'setPassword',
						user: { __rl: true, mode: 'email', value: 'viewer@example.com' },
					},
					{ input: [{ password: 'short' }] },
				),
			).rejects.toThrow(/Password must be at least 12 characters/);
		});
	});
});
