import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { closeAllPools, SecretBox } from '../../nodes/core/db';
import { createEmailAccount, createTemplate, createUser } from '../../nodes/core/outreach';
import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { runNode } from '../support/n8nExecute';
import { CONFIG_DEFAULTS } from '../support/outreach';
import { newTenant } from '../support/tenants';

/**
 * Campaign Create and Update as n8n runs them: version 2 builds the config from fields or takes it as JSON (both
 * checked by the same schema), version 1 workflows keep their JSON parameters; Get's config feeds Update unchanged.
 */
describe('campaign settings in n8n', () => {
	const KEY = 'k'.repeat(40);
	const POSTAL_ADDRESS = '1 Main Street\nSpringfield, IL 62701, USA';
	let db: TestDatabase;
	let tenant: Awaited<ReturnType<typeof newTenant>>;
	let mailboxes: string[];
	let templates: string[];
	let user: { id: string; email: string };

	beforeAll(async () => {
		db = await createTestDatabase();
		tenant = await newTenant(db);
		const box = new SecretBox(KEY);
		mailboxes = await tenant.as(async (tx) => {
			const ids = [];
			for (const email of ['one@sender.example', 'two@sender.example']) {
				const smtp = { host: 'smtp.sender.example', port: 587, security: 'starttls' as const };
				ids.push((await createEmailAccount(tx, box, { email, smtp, password: 'secret' })).id);
			}
			return ids;
		});
		templates = await tenant.as(async (tx) => [
			(await createTemplate(tx, { name: 'Intro', subject: 'Hi {{firstName}}', body: '<p>Hello</p>' })).id,
			(await createTemplate(tx, { name: 'Nudge', subject: 'Still there?', body: '<p>Just checking</p>' })).id,
		]);
		user = await tenant.as((tx) => createUser(tx, { email: 'owner@acme.example' }));
	});

	afterAll(async () => {
		await closeAllPools();
		await db?.drop();
	});

	/** Runs the OPhir Campaign node (resource Campaign) and returns its one output item, or throws its error. */
	async function run(
		parameters: IDataObject,
		{ typeVersion, input }: { typeVersion?: number; input?: IDataObject } = {},
	) {
		const { output, error } = await runNode({
			nodeType: new OphirCampaign(),
			parameters: { resource: 'campaign', ...parameters } as INodeParameters,
			credentials: {
				ophirPostgresApi: {
					connection: 'connectionString',
					connectionString: db.url,
					organizationId: tenant.id,
					encryptionKey: KEY,
				},
			},
			input: input && [{ json: input }],
			typeVersion,
		});
		if (error) throw error;
		return output[0][0].json;
	}
	const locator = (mode: string, value: string) => ({ __rl: true, mode, value });
	const storedConfig = async (id: unknown) =>
		(await db.pool.query('SELECT config FROM campaigns WHERE id = $1', [id])).rows[0].config;

	/** Three steps (written, template, A/B test of a written and a template variant), two mailboxes, options. */
	const FIELDS = () => ({
		steps: {
			step: [
				{ content: 'template', templateId: templates[0] },
				{
					delayDays: 3,
					delayHours: 12,
					content: 'abTest',
					variants: {
						variant: [
							{ name: 'A', weight: 2, subject: 'Re: {{fallback firstName "there"}}', body: '<p>Following up</p>' },
							{ name: 'B', content: 'template', templateId: templates[1] },
						],
					},
				},
				{ delayMinutes: 30, subject: 'Last one', body: 'Bye {{fallback firstName "there"}}' },
			],
		},
		accountIds: mailboxes,
		timezone: 'Europe/Berlin',
		postalAddress: POSTAL_ADDRESS,
		options: {
			weekdays: ['mon', 'wed', 'fri'],
			startHour: 8,
			endHour: 18,
			dailyNewLeadsCap: 40,
			minGapSeconds: 300,
			jitterSeconds: 30,
			stopOnClick: true,
			trackOpens: false,
			returnPath: true,
			fromName: 'Ada from Acme',
			unsubscribeText: 'Opt out',
		},
	});
	/** The config FIELDS stand for, as JSON mode takes it. */
	const EQUIVALENT_JSON = () => ({
		sequence: [
			{ templateId: templates[0] },
			{
				delayDays: 3,
				delayHours: 12,
				variants: [
					{ name: 'A', weight: 2, subject: 'Re: {{fallback firstName "there"}}', body: '<p>Following up</p>' },
					{ name: 'B', templateId: templates[1] },
				],
			},
			{ delayMinutes: 30, subject: 'Last one', body: 'Bye {{fallback firstName "there"}}' },
		],
		accountIds: mailboxes,
		timezone: 'Europe/Berlin',
		postalAddress: POSTAL_ADDRESS,
		sendingWindow: { weekdays: ['mon', 'wed', 'fri'], startHour: 8, endHour: 18 },
		dailyNewLeadsCap: 40,
		minGapSeconds: 300,
		jitterSeconds: 30,
		stopRules: { onClick: true },
		tracking: { opens: false, returnPath: true },
		fromName: 'Ada from Acme',
		unsubscribeText: 'Opt out',
	});
	const createWithFields = (name: string, fields: IDataObject = FIELDS()) =>
		run({ operation: 'create', name, ...fields });

	describe('Create', () => {
		it('builds the config from fields: steps with a template and an A/B test, mailboxes, time zone, options', async () => {
			const campaign = await createWithFields('From fields', {
				...FIELDS(),
				createdBy: locator('email', user.email),
			});
			const expected = {
				sequence: [
					{ delayDays: 0, delayHours: 0, delayMinutes: 0, templateId: templates[0] },
					{
						delayDays: 3,
						delayHours: 12,
						delayMinutes: 0,
						variants: [
							{ name: 'A', weight: 2, subject: 'Re: {{fallback firstName "there"}}', body: '<p>Following up</p>' },
							{ name: 'B', weight: 1, templateId: templates[1] },
						],
					},
					{
						delayDays: 0,
						delayHours: 0,
						delayMinutes: 30,
						subject: 'Last one',
						body: 'Bye {{fallback firstName "there"}}',
					},
				],
				timezone: 'Europe/Berlin',
				sendingWindow: { weekdays: ['mon', 'wed', 'fri'], startHour: 8, endHour: 18 },
				dailyNewLeadsCap: 40,
				minGapSeconds: 300,
				jitterSeconds: 30,
				accountIds: mailboxes,
				stopRules: { onReply: true, onClick: true },
				tracking: { opens: false, clicks: true, returnPath: true },
				fromName: 'Ada from Acme',
				unsubscribeText: 'Opt out',
				postalAddress: POSTAL_ADDRESS,
			};
			expect(campaign).toMatchObject({ name: 'From fields', status: 'draft', createdBy: user.id });
			expect(campaign.config).toEqual(expected);
			expect(await storedConfig(campaign.id)).toEqual(expected);
			// Everything activation checks is there: steps, this organization's mailboxes and templates, the address.
			expect(await run({ operation: 'activate', campaignId: campaign.id })).toMatchObject({ status: 'active' });
		});

		it('stores the schema’s defaults when no field is filled in', async () => {
			const campaign = await run({ operation: 'create', name: 'Bare' });
			expect(campaign.config).toEqual(CONFIG_DEFAULTS);
		});

		it('builds the same campaign from fields as from the equivalent JSON', async () => {
			const fromFields = await createWithFields('Twin from fields');
			const fromJson = await run({
				operation: 'create',
				name: 'Twin from JSON',
				settingsMode: 'json',
				config: JSON.stringify(EQUIVALENT_JSON()),
			});
			expect(fromJson.config).toEqual(fromFields.config);
		});

		it('refuses a bad value naming its field: an end hour before the start hour', async () => {
			const fields = FIELDS();
			const attempt = createWithFields('Bad window', {
				...fields,
				options: { ...fields.options, startHour: 17, endHour: 9 },
			});
			await expect(attempt).rejects.toThrow('config.sendingWindow.endHour must be after startHour');
			await expect(attempt).rejects.toMatchObject({ description: 'Check End Hour' });
		});

		it('refuses a bad step naming the step and field; n8n itself asks for an empty required field', async () => {
			const attempt = createWithFields('Bad step', {
				steps: {
					step: [
						{ subject: 'Hi', body: 'Hello' },
						{ delayDays: -1, content: 'abTest', variants: { variant: [{ subject: 'Only', body: 'one' }] } },
					],
				},
			});
			await expect(attempt).rejects.toThrow(
				'config.sequence[1].delayDays must be >= 0; config.sequence[1].variants must list at least two variants, or none',
			);
			await expect(attempt).rejects.toMatchObject({
				description: 'Check Steps › Step 2 › Wait (Days); Steps › Step 2 › Variants',
			});
			await expect(createWithFields('Empty body', { steps: { step: [{ subject: 'Hi', body: '' }] } })).rejects.toThrow(
				'Parameter "Body" is required',
			);
		});

		it('takes the config as JSON', async () => {
			const campaign = await run({
				operation: 'create',
				name: 'From JSON',
				settingsMode: 'json',
				config: JSON.stringify({ sequence: [{ subject: 'Hi', body: 'Hello' }], dailyNewLeadsCap: 10 }),
				createdBy: locator('list', user.id),
			});
			expect(campaign).toMatchObject({ createdBy: user.id });
			expect(campaign.config).toEqual({
				...CONFIG_DEFAULTS,
				sequence: [{ delayDays: 0, delayHours: 0, delayMinutes: 0, subject: 'Hi', body: 'Hello' }],
				dailyNewLeadsCap: 10,
			});
		});
	});

	describe('Update', () => {
		it('changes only the settings given, keeping the rest of a nested setting', async () => {
			const created = await createWithFields('To tune');
			const updated = await run({
				operation: 'update',
				campaignId: locator('name', 'To tune'),
				updateFields: { endHour: 20, trackClicks: false, stopOnReply: false, fromName: '' },
			});
			expect(updated.name).toBe('To tune');
			const { sendingWindow, tracking, stopRules, fromName, ...rest } = created.config as IDataObject;
			expect(fromName).toBe('Ada from Acme');
			expect(updated.config).toEqual({
				...rest,
				sendingWindow: { ...(sendingWindow as IDataObject), endHour: 20 },
				tracking: { ...(tracking as IDataObject), clicks: false },
				stopRules: { ...(stopRules as IDataObject), onReply: false },
			});
		});

		it('renames, and replaces the steps and mailboxes when they are given', async () => {
			const created = await createWithFields('To rewrite');
			const updated = await run({
				operation: 'update',
				campaignId: locator('id', created.id as string),
				updateFields: {
					name: 'Rewritten',
					steps: { step: [{ content: 'write', subject: 'Only step', body: 'Hello' }] },
					accountIds: [mailboxes[1]],
				},
			});
			expect(updated).toMatchObject({ id: created.id, name: 'Rewritten' });
			expect(updated.config).toEqual({
				...(created.config as IDataObject),
				sequence: [{ delayDays: 0, delayHours: 0, delayMinutes: 0, subject: 'Only step', body: 'Hello' }],
				accountIds: [mailboxes[1]],
			});
		});

		it('refuses a bad value naming its field, and changes nothing', async () => {
			const created = await createWithFields('Window kept');
			const attempt = run({
				operation: 'update',
				campaignId: locator('id', created.id as string),
				updateFields: { startHour: 19 },
			});
			await expect(attempt).rejects.toThrow('config.sendingWindow.endHour must be after startHour');
			await expect(attempt).rejects.toMatchObject({ description: 'Check End Hour' });
			expect(await storedConfig(created.id)).toEqual(created.config);
		});

		it('takes the settings to change as JSON', async () => {
			const created = await createWithFields('JSON update');
			const updated = await run({
				operation: 'update',
				campaignId: locator('id', created.id as string),
				settingsMode: 'json',
				updateFields: { name: 'JSON updated', config: '{"dailyNewLeadsCap": 25}' },
			});
			expect(updated).toMatchObject({ name: 'JSON updated' });
			expect(updated.config).toEqual({ ...(created.config as IDataObject), dailyNewLeadsCap: 25 });
		});
	});

	it('round-trips Get → Update (JSON) → Get without a change', async () => {
		const created = await createWithFields('Round trip');
		const got = await run({ operation: 'get', campaignId: locator('id', created.id as string) });
		const updated = await run(
			{
				operation: 'update',
				campaignId: locator('id', '={{ $json.id }}'),
				settingsMode: 'json',
				updateFields: { config: '={{ $json.config }}' },
			},
			{ input: got },
		);
		const again = await run({ operation: 'get', campaignId: locator('id', created.id as string) });
		expect(updated.config).toEqual(got.config);
		expect(again).toEqual({ ...got, updatedAt: again.updatedAt });
		expect(again.config).toEqual(created.config);
	});

	describe('version 1 workflows', () => {
		it('create with Name, Config (JSON) and Created By (User ID)', async () => {
			const campaign = await run(
				{
					operation: 'create',
					name: 'Version 1',
					config: JSON.stringify(EQUIVALENT_JSON()),
					createdBy: user.id,
				},
				{ typeVersion: 1 },
			);
			expect(campaign).toMatchObject({ name: 'Version 1', createdBy: user.id });
			expect(campaign.config).toEqual((await createWithFields('Version 2 twin')).config);
		});

		it('update with the Campaign ID text and Update Fields (Name, Config (JSON))', async () => {
			const created = await run(
				{ operation: 'create', name: 'Version 1 draft', config: JSON.stringify(EQUIVALENT_JSON()) },
				{ typeVersion: 1 },
			);
			const updated = await run(
				{
					operation: 'update',
					campaignId: created.id,
					updateFields: { name: 'Version 1 renamed', config: '{"sendingWindow": {"weekdays": ["tue"]}}' },
				},
				{ typeVersion: 1 },
			);
			expect(updated).toMatchObject({ id: created.id, name: 'Version 1 renamed' });
			// JSON replaces the whole top-level key, as it always did.
			expect(updated.config).toEqual({
				...(created.config as IDataObject),
				sendingWindow: { ...CONFIG_DEFAULTS.sendingWindow, weekdays: ['tue'] },
			});
		});
	});
});
