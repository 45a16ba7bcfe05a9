import { randomUUID } from 'node:crypto';

import {
	type CampaignStatus,
	createCampaign,
	createTemplate,
	deleteTemplate,
	getTemplate,
	listTemplates,
	previewTemplate,
	type Template,
	type TemplateInput,
	transitionCampaign,
	updateCampaign,
	updateTemplate,
} from '../../nodes/core/outreach';
import { InvalidInputError, NotFoundError, OphirError } from '../../nodes/core/validation';
import { sleep } from '../../scripts/lib/wait';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type ActAs, newTenant } from '../support/tenants';

type Tenant = { id: string; as: ActAs };

const ALL = { limit: 1000, offset: 0 };
const POSTAL_ADDRESS = '1 Main Street, Springfield, IL 62701, USA';
const INTRO: TemplateInput = {
	name: 'Intro',
	subject: 'Hi {{firstName}}',
	body: '<p>Hello {{firstName}} at {{company}}</p>',
};

describe('templates', () => {
	let db: TestDatabase;
	let a: Tenant;

	/** A lead row of the organization, written as the database owner (the id is given: spintax seeds on it). */
	async function addLead(organizationId: string, fields: Record<string, unknown> = {}): Promise<string> {
		const id = (fields.id as string | undefined) ?? randomUUID();
		await db.pool.query(
			`INSERT INTO leads (id, organization_id, email, first_name, last_name, company, data)
			 VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			[
				id,
				organizationId,
				fields.email ?? `lead-${id.slice(0, 8)}@prospect.test`,
				fields.firstName ?? null,
				fields.lastName ?? null,
				fields.company ?? null,
				fields.data ?? {},
			],
		);
		return id;
	}

	async function addUser(organizationId: string): Promise<string> {
		const { rows } = await db.pool.query(`INSERT INTO users (organization_id, email) VALUES ($1, $2) RETURNING id`, [
			organizationId,
			`user-${randomUUID().slice(0, 8)}@ophir.test`,
		]);
		return rows[0].id;
	}

	async function addAccount(organizationId: string): Promise<string> {
		const { rows } = await db.pool.query(
			`INSERT INTO email_accounts (organization_id, email, provider) VALUES ($1, $2, 'smtp') RETURNING id`,
			[organizationId, `box-${randomUUID().slice(0, 8)}@sender.test`],
		);
		return rows[0].id;
	}

	/** The organization's template rows as stored, straight from the table. */
	async function storedRows(organizationId: string) {
		const { rows } = await db.pool.query(
			'SELECT id, name, category, subject, body, variables, is_shared FROM templates WHERE organization_id = $1 ORDER BY id',
			[organizationId],
		);
		return rows;
	}

	const create = (tenant: Tenant, input: TemplateInput) => tenant.as((tx) => createTemplate(tx, input));
	const get = (tenant: Tenant, id: string) => tenant.as((tx) => getTemplate(tx, id));

	beforeAll(async () => {
		db = await createTestDatabase();
		a = await newTenant(db, 'alpha');
	});
	afterAll(async () => {
		await db.drop();
	});

	describe('createTemplate', () => {
		it('creates a template of the acting organization, with the variables it uses', async () => {
			const user = await addUser(a.id);
			const template = await create(a, {
				name: '  Intro  ',
				category: '  Outreach ',
				subject: '  {Hi|Hello} {{firstName}}  ',
				body: '<p>{{fallback company "your team"}} in {{city}}</p>\n',
				variables: { city: 'your city' },
				isShared: true,
				createdBy: user,
			});
			expect(template).toEqual({
				id: expect.any(String),
				name: 'Intro',
				category: 'Outreach',
				subject: '{Hi|Hello} {{firstName}}',
				body: '<p>{{fallback company "your team"}} in {{city}}</p>\n',
				variables: { city: 'your city' },
				isShared: true,
				createdBy: user,
				createdAt: expect.any(String),
				updatedAt: expect.any(String),
				usedVariables: ['city', 'company', 'firstName'],
			});
			const { rows } = await db.pool.query(
				'SELECT organization_id, name, category, variables, is_shared FROM templates WHERE id = $1',
				[template.id],
			);
			expect(rows).toEqual([
				{
					organization_id: a.id,
					name: 'Intro',
					category: 'Outreach',
					variables: { city: 'your city' },
					is_shared: true,
				},
			]);
		});

		it('fills in what is optional: no category, no defaults, not shared, no creator', async () => {
			const template = await create(a, { ...INTRO, category: '   ' });
			expect(template).toMatchObject({ category: null, variables: {}, isShared: false, createdBy: null });
			expect(template.usedVariables).toEqual(['company', 'firstName']);
		});

		it('accepts the default values as JSON text', async () => {
			const template = await create(a, { ...INTRO, variables: '{"company": "your team", "count": 3}' });
			expect(template.variables).toEqual({ company: 'your team', count: 3 });
			expect((await create(a, { ...INTRO, variables: '' })).variables).toEqual({});
		});

		describe('refuses bad input naming the field, and stores nothing', () => {
			let before: Record<string, unknown>[];
			beforeAll(async () => {
				before = await storedRows(a.id);
			});

			it.each([
				['Name', { name: '' }],
				['Name', { name: '   ' }],
				['Name', { name: undefined }],
				['Subject', { subject: '' }],
				['Subject', { subject: ' \n ' }],
				['Subject', { subject: undefined }],
				['Body', { body: '' }],
				['Body', { body: '  ' }],
				['Body', { body: undefined }],
			])('%s is required (%j)', async (field, patch) => {
				const attempt = create(a, { ...INTRO, ...patch });
				await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
				await expect(attempt).rejects.toThrow(`${field} must be a non-empty text`);
			});

			it.each([
				['Name', 255, { name: 'n' }],
				['Subject', 500, { subject: 's' }],
				['Category', 100, { category: 'c' }],
			])('%s holds at most %i characters', async (field, max, text) => {
				const [key, value] = Object.entries(text)[0];
				await expect(create(a, { ...INTRO, [key]: value.repeat(max + 1) })).rejects.toMatchObject({
					name: 'InvalidInputError',
					message: `${field} must be at most ${max} characters`,
				});
			});

			it('refuses a category that is not text', async () => {
				await expect(create(a, { ...INTRO, category: 7 as unknown as string })).rejects.toThrow(
					'Category must be a text',
				);
			});

			it.each([
				['[1, 2]', 'Default Values (variables) must be an object of variable names and values'],
				[['a'], 'Default Values (variables) must be an object of variable names and values'],
				['"text"', 'Default Values (variables) must be an object of variable names and values'],
				[42, 'Default Values (variables) must be an object of variable names and values'],
				['{company: "x"}', 'Default Values (variables) must be valid JSON'],
			])('refuses the default values %j', async (variables, message) => {
				await expect(create(a, { ...INTRO, variables })).rejects.toMatchObject({ name: 'InvalidInputError', message });
			});

			it('refuses a sharing flag that is not true or false', async () => {
				await expect(create(a, { ...INTRO, isShared: 'yes' as unknown as boolean })).rejects.toThrow(
					'Shared must be true or false',
				);
			});

			it.each([
				[
					'Subject',
					{ subject: 'Hi {{firstName' },
					'a {{ tag is not closed or holds a character it cannot, line 1 near "Hi {{firstName"',
				],
				[
					'Body',
					{ body: '{{#if company}}at {{company}}' },
					'the text ends before a {{ tag or {{#block}} is closed, line 1 near "...pany}}at {{company}}"',
				],
				['Body', { body: '{{#if company}}x{{/unless}}' }, '{{#if}} is closed by {{/unless}}, line 1'],
				['Subject', { subject: '{{{firstName}} hi' }, 'unexpected "}}", line 1 near "{{{firstName}} hi"'],
				[
					'Body',
					{ body: 'Hi {{titlecase firstName}}' },
					'unknown helper "titlecase"; the helpers are fallback, default, capitalize, upper, lower, formatDate, if, unless, each, with, lookup',
				],
			])('refuses a %s that is not a valid template, saying why (%j)', async (field, patch, reason) => {
				await expect(create(a, { ...INTRO, ...patch })).rejects.toMatchObject({
					name: 'InvalidInputError',
					message: `${field} must be a valid template (${reason})`,
				});
			});

			it('refuses a creator that is not a user of the organization', async () => {
				const unknown = randomUUID();
				await expect(create(a, { ...INTRO, createdBy: unknown })).rejects.toMatchObject({
					name: 'NotFoundError',
					message: `User ${unknown} was not found in this organization`,
				});
				await expect(create(a, { ...INTRO, createdBy: 'admin' })).rejects.toThrow(
					'Created By must be a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7',
				);
			});

			it.each<[string, Partial<TemplateInput>, string]>([
				['a NUL in the name', { name: 'In\u0000tro' }, 'Name must be text without NUL (\\u0000) characters'],
				['a NUL in the subject', { subject: 'Hi\u0000' }, 'Subject must be text without NUL (\\u0000) characters'],
				['a NUL in the body', { body: '<p>Hello\u0000</p>' }, 'Body must be text without NUL (\\u0000) characters'],
				[
					'a NUL in the category',
					{ category: 'sales\u0000' },
					'Category must be text without NUL (\\u0000) characters',
				],
				[
					'an unpaired surrogate in the subject',
					{ subject: 'Hi \uD83D' },
					'Subject must be valid Unicode text (no unpaired surrogate)',
				],
				[
					'an unpaired surrogate in the body',
					{ body: '\uDE00 Hello' },
					'Body must be valid Unicode text (no unpaired surrogate)',
				],
				[
					'a NUL in a default value',
					{ variables: { company: 'Ac\u0000me' } },
					'Default Values (variables) must be text without NUL (\\u0000) characters',
				],
				[
					'an unpaired surrogate escaped in default values given as JSON text',
					{ variables: '{"company": "\\ud800"}' },
					'Default Values (variables) must be valid Unicode text (no unpaired surrogate)',
				],
				[
					'a default value JSON cannot hold',
					{ variables: { count: BigInt(1) } },
					'Default Values (variables) must be plain JSON values (text, numbers, true/false, null, lists, objects)',
				],
			])('refuses %s, which PostgreSQL cannot store', async (_label, patch, message) => {
				await expect(create(a, { ...INTRO, ...patch })).rejects.toMatchObject({ name: 'InvalidInputError', message });
			});

			// Runs last in this block: jest runs a block's tests in order.
			it('stored nothing for any of the refused inputs', async () => {
				expect(await storedRows(a.id)).toEqual(before);
			});
		});

		it('accepts texts exactly at their limits, counting characters as the database does', async () => {
			const template = await create(a, {
				name: 'n'.repeat(255),
				subject: '👋'.repeat(500),
				body: 'b',
				category: 'é'.repeat(100),
			});
			expect([...template.subject]).toHaveLength(500);
			expect(template.name).toHaveLength(255);
			expect(template.category).toHaveLength(100);
		});

		it('accepts spintax around and inside mustaches', async () => {
			const template = await create(a, {
				...INTRO,
				subject: '{{{firstName}}|there}, {quick|short} question',
				body: '{a|{{company}}} {{fallback nickname "{pal|friend}"}}',
			});
			expect(template.usedVariables).toEqual(['company', 'firstName', 'nickname']);
		});
	});

	describe('getTemplate', () => {
		it('gets a template by id as it was stored', async () => {
			const template = await create(a, { ...INTRO, name: 'Stored', variables: { company: 'you' } });
			expect(await get(a, template.id)).toEqual(template);
		});

		it('reports an unknown id as not found in this organization', async () => {
			const id = randomUUID();
			const attempt = get(a, id);
			await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
			await expect(attempt).rejects.toThrow(`Template ${id} was not found in this organization`);
		});
	});

	describe('listTemplates', () => {
		let t: Tenant;
		let byName: Record<string, Template>;

		beforeAll(async () => {
			t = await newTenant(db, 'lister');
			byName = {};
			for (const [name, category, subject] of [
				['delta', 'follow-up', 'Bumping this up'],
				['alpha', 'intro', 'Quick question about {{company}}'],
				['charlie', 'intro', 'Hello from us'],
				['bravo', null, 'A 100% free audit'],
				['echo_1', 'follow-up', 'Last QUESTION'],
			]) {
				byName[name as string] = await create(t, {
					name: name as string,
					category,
					subject: subject as string,
					body: 'b',
				});
			}
		});

		const names = (filter: { category?: string; search?: string; limit?: number; offset?: number }) =>
			t.as((tx) => listTemplates(tx, { limit: 50, offset: 0, ...filter })).then((list) => list.map((x) => x.name));

		it('lists the organization’s templates by name, as they are stored', async () => {
			const listed = await t.as((tx) => listTemplates(tx, ALL));
			expect(listed.map((x) => x.name)).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo_1']);
			expect(listed[0]).toEqual(byName.alpha);
		});

		it('filters by category', async () => {
			expect(await names({ category: 'intro' })).toEqual(['alpha', 'charlie']);
			expect(await names({ category: ' follow-up ' })).toEqual(['delta', 'echo_1']);
			expect(await names({ category: 'Intro' })).toEqual([]);
			expect(await names({ category: '' })).toHaveLength(5);
		});

		it('searches the name and the subject, ignoring case', async () => {
			expect(await names({ search: 'question' })).toEqual(['alpha', 'echo_1']);
			expect(await names({ search: 'CHAR' })).toEqual(['charlie']);
			expect(await names({ search: '  ' })).toHaveLength(5);
			expect(await names({ search: 'nothing like it' })).toEqual([]);
		});

		it('searches % and _ as plain characters', async () => {
			expect(await names({ search: '100%' })).toEqual(['bravo']);
			expect(await names({ search: '%' })).toEqual(['bravo']);
			expect(await names({ search: '_' })).toEqual(['echo_1']);
		});

		it('combines the filters', async () => {
			expect(await names({ category: 'follow-up', search: 'question' })).toEqual(['echo_1']);
			expect(await names({ category: 'intro', search: 'bump' })).toEqual([]);
		});

		it('pages with limit and offset', async () => {
			expect(await names({ limit: 2, offset: 0 })).toEqual(['alpha', 'bravo']);
			expect(await names({ limit: 2, offset: 2 })).toEqual(['charlie', 'delta']);
			expect(await names({ limit: 2, offset: 4 })).toEqual(['echo_1']);
			expect(await names({ limit: 2, offset: 6 })).toEqual([]);
			expect(await names({ category: 'intro', limit: 1, offset: 1 })).toEqual(['charlie']);
		});
	});

	describe('updateTemplate', () => {
		let original: Template;

		beforeEach(async () => {
			original = await create(a, {
				name: 'Patchable',
				category: 'intro',
				subject: 'Hi {{firstName}}',
				body: '<p>About {{company}}</p>',
				variables: { company: 'your team' },
			});
		});

		const update = (patch: TemplateInput) => a.as((tx) => updateTemplate(tx, original.id, patch));

		it('changes only the fields given', async () => {
			const renamed = await update({ name: '  Renamed ' });
			expect(renamed).toEqual({ ...original, name: 'Renamed', updatedAt: expect.any(String) });
			const rewritten = await update({ body: '<p>{{city}}</p>', variables: '{"city": "your city"}' });
			expect(rewritten).toEqual({
				...original,
				name: 'Renamed',
				body: '<p>{{city}}</p>',
				variables: { city: 'your city' },
				usedVariables: ['city', 'firstName'],
				updatedAt: expect.any(String),
			});
			expect(await get(a, original.id)).toEqual(rewritten);
		});

		it('clears the category and the defaults when given null, and shares the template', async () => {
			const updated = await update({ category: null, variables: null, isShared: true });
			expect(updated).toMatchObject({
				category: null,
				variables: {},
				isShared: true,
				name: 'Patchable',
				subject: original.subject,
			});
		});

		it.each([
			[{ name: '  ' }, 'Name must be a non-empty text'],
			[{ subject: '' }, 'Subject must be a non-empty text'],
			[{ subject: 's'.repeat(501) }, 'Subject must be at most 500 characters'],
			[{ body: '{{#each}}' }, 'Body must be a valid template'],
			[{ subject: 'Hi {{firstName' }, 'Subject must be a valid template'],
			[{ category: 'c'.repeat(101) }, 'Category must be at most 100 characters'],
			[{ variables: '[]' }, 'Default Values (variables) must be an object of variable names and values'],
			[{ name: 'New name', variables: '{oops' }, 'Default Values (variables) must be valid JSON'],
		])('refuses the patch %j and keeps the stored template unchanged', async (patch, message) => {
			await expect(update(patch as TemplateInput)).rejects.toThrow(message);
			expect(await get(a, original.id)).toEqual(original);
		});

		it('reports an unknown id as not found', async () => {
			const id = randomUUID();
			await expect(a.as((tx) => updateTemplate(tx, id, { name: 'x' }))).rejects.toMatchObject({
				name: 'NotFoundError',
				message: `Template ${id} was not found in this organization`,
			});
		});

		it('applies a concurrent patch on top of this one instead of overwriting it', async () => {
			let second: Promise<Template> | undefined;
			await a.as(async (tx) => {
				await updateTemplate(tx, original.id, { name: 'First writer' });
				second = a.as((other) => updateTemplate(other, original.id, { category: 'second-writer' }));
				// Commit only once the other transaction waits for this one's row lock.
				for (let i = 0; i < 400; i++) {
					const { rowCount } = await db.pool.query(
						`SELECT 1 FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid
						 WHERE NOT l.granted AND s.datname = current_database()`,
					);
					if (rowCount) return;
					await sleep(25);
				}
				throw new Error('the second writer never waited for the first');
			});
			await second;
			expect(await get(a, original.id)).toMatchObject({ name: 'First writer', category: 'second-writer' });
		});
	});

	describe('deleteTemplate', () => {
		let accountA: string;

		beforeAll(async () => {
			accountA = await addAccount(a.id);
		});

		/** A campaign of A using `config`, brought to `status` through the transitions themselves. */
		async function campaignIn(status: CampaignStatus, sequence: unknown[], name = `${status} campaign`) {
			const campaign = await a.as((tx) =>
				createCampaign(tx, { name, config: { sequence, accountIds: [accountA], postalAddress: POSTAL_ADDRESS } }),
			);
			const path: Record<CampaignStatus, Array<'activate' | 'pause' | 'complete' | 'archive'>> = {
				draft: [],
				active: ['activate'],
				paused: ['activate', 'pause'],
				completed: ['activate', 'complete'],
				archived: ['archive'],
			};
			for (const action of path[status]) await a.as((tx) => transitionCampaign(tx, campaign.id, action));
			return campaign;
		}

		const remove = (id: string) => a.as((tx) => deleteTemplate(tx, id));

		it('deletes a template no campaign uses', async () => {
			const template = await create(a, INTRO);
			const other = await create(a, INTRO);
			expect(await remove(template.id)).toEqual({ id: template.id, deleted: true });
			await expect(get(a, template.id)).rejects.toBeInstanceOf(NotFoundError);
			expect(await get(a, other.id)).toEqual(other);
		});

		it('reports an unknown id as not found', async () => {
			const id = randomUUID();
			await expect(remove(id)).rejects.toThrow(`Template ${id} was not found in this organization`);
		});

		// A campaign that may still send (or be activated) would lose its step: activation checks that every
		// template exists (assertReadyToSend), so deleting it would leave the campaign unable to send.
		it.each(['draft', 'active', 'paused', 'completed'] as CampaignStatus[])(
			'refuses to delete a template a %s campaign uses in a step, and keeps it',
			async (status) => {
				const template = await create(a, INTRO);
				const campaign = await campaignIn(status, [
					{ subject: 'First', body: 'One' },
					{ delayDays: 2, templateId: template.id },
				]);
				await expect(remove(template.id)).rejects.toMatchObject({
					name: 'ConflictError',
					message: `Template ${template.id} is used by campaign "${status} campaign" (${campaign.id})`,
					description: 'Remove it from those campaigns (or archive them) first.',
				});
				expect(await get(a, template.id)).toEqual(template);
			},
		);

		it('refuses to delete a template used in a variant, naming every campaign that uses it', async () => {
			const template = await create(a, INTRO);
			const other = await create(a, INTRO);
			const second = await campaignIn(
				'draft',
				[{ variants: [{ templateId: other.id }, { templateId: template.id, weight: 2 }] }],
				'B variants',
			);
			const first = await campaignIn('paused', [{ templateId: template.id }], 'A steps');
			await expect(remove(template.id)).rejects.toThrow(
				`Template ${template.id} is used by campaigns "A steps" (${first.id}), "B variants" (${second.id})`,
			);
			expect(await get(a, template.id)).toEqual(template);
		});

		it('recognizes the template id in a campaign whatever its letter case', async () => {
			const template = await create(a, INTRO);
			const campaign = await campaignIn('active', [{ templateId: template.id.toUpperCase() }], 'Upper case');
			await expect(remove(template.id)).rejects.toThrow(`is used by campaign "Upper case" (${campaign.id})`);
			await expect(remove(template.id.toUpperCase())).rejects.toThrow(
				`is used by campaign "Upper case" (${campaign.id})`,
			);
		});

		it('deletes a template only archived campaigns use', async () => {
			const template = await create(a, INTRO);
			await campaignIn('archived', [{ templateId: template.id }]);
			expect(await remove(template.id)).toEqual({ id: template.id, deleted: true });
		});

		it('deletes a template once the campaigns that used it no longer do', async () => {
			const template = await create(a, INTRO);
			const campaign = await campaignIn('draft', [{ templateId: template.id }]);
			await expect(remove(template.id)).rejects.toBeInstanceOf(OphirError);
			await a.as((tx) =>
				updateCampaign(tx, campaign.id, { config: { sequence: [{ subject: 'Inline', body: 'Now' }] } }),
			);
			expect(await remove(template.id)).toEqual({ id: template.id, deleted: true });
		});
	});

	describe('previewTemplate', () => {
		// Fixed ids: the spintax choices follow the lead id, so these tests always see the same choices.
		const ADA = '00000000-0000-4000-8000-00000000ada1';
		const GRACE = '00000000-0000-4000-8000-0000000091ac';
		let spun: Template;
		let greeting: Template;

		beforeAll(async () => {
			await addLead(a.id, {
				id: ADA,
				email: 'ada@prospect.test',
				firstName: 'ada',
				lastName: 'Lovelace',
				company: 'Smith & <Sons>',
				data: { city: 'London', meeting: '2026-03-08' },
			});
			await addLead(a.id, { id: GRACE, email: 'grace@prospect.test', firstName: 'grace', data: { city: '' } });
			spun = await create(a, {
				name: 'Spun',
				subject: '{Hi|Hello|Hey|Greetings|Howdy|Good day} {{capitalize firstName}}',
				body: '<p>{one|two|three|four|five|six|seven|eight}</p>',
			});
			greeting = await create(a, {
				name: 'Greeting',
				subject: 'For {{company}} in {{city}}',
				body: '<p>{{company}} / {{{company}}} / {{city}}</p>',
				variables: { city: 'your city', company: 'your team' },
			});
		});

		const preview = (source: Parameters<typeof previewTemplate>[1], sample: Parameters<typeof previewTemplate>[2]) =>
			a.as((tx) => previewTemplate(tx, source, sample));

		it('renders a stored template for a stored lead, with the variables it uses', async () => {
			expect(await preview({ templateId: greeting.id }, { leadId: ADA })).toEqual({
				subject: 'For Smith & <Sons> in London',
				body: '<p>Smith &amp; &lt;Sons&gt; / Smith & <Sons> / London</p>',
				usedVariables: ['city', 'company'],
			});
		});

		it('fills what the lead leaves blank with the template’s default values', async () => {
			expect(await preview({ templateId: greeting.id }, { leadId: GRACE })).toMatchObject({
				subject: 'For your team in your city',
				body: '<p>your team / your team / your city</p>',
			});
		});

		it('renders for inline sample data, its custom fields given as an object or JSON text', async () => {
			const source = {
				subject: '{{upper firstName}} at {{company}}',
				body: '{{capitalize firstName}} from {{city}}, {{lower lastName}}',
			};
			const expected = {
				subject: 'LIN at Acme',
				body: 'Lin from Paris, bo',
				usedVariables: ['city', 'company', 'firstName', 'lastName'],
			};
			const sample = { email: 'lin@prospect.test', firstName: 'lin', lastName: 'BO', company: 'Acme' };
			expect(await preview(source, { lead: { ...sample, data: { city: 'Paris' } } })).toEqual(expected);
			expect(await preview(source, { lead: { ...sample, data: '{"city": "Paris"}' } })).toEqual(expected);
			await expect(preview(source, { lead: { ...sample, data: [1] } })).rejects.toThrow(
				'Sample lead data must be an object of field names and values',
			);
		});

		it('renders a stored lead field named __proto__, and refuses names only Object.prototype has', async () => {
			const id = await addLead(a.id, { firstName: 'x', data: JSON.parse('{"__proto__": "Paris"}') });
			expect(await preview({ subject: 'From {{__proto__}}', body: 'x' }, { leadId: id })).toMatchObject({
				subject: 'From Paris',
			});
			await expect(preview({ subject: 'Hi {{constructor}}', body: 'x' }, { leadId: id })).rejects.toThrow(
				'Template variable "constructor" in the subject has no value for this lead',
			);
		});

		it('resolves spintax the same way every time for the same lead, as it will be sent', async () => {
			const first = await preview({ templateId: spun.id }, { leadId: ADA });
			expect(first.subject).toMatch(/^(Hi|Hello|Hey|Greetings|Howdy|Good day) Ada$/);
			expect(first.body).toMatch(/^<p>(one|two|three|four|five|six|seven|eight)<\/p>$/);
			expect(await preview({ templateId: spun.id }, { leadId: ADA })).toEqual(first);
			// The same lead given inline (same id) gets the same choices as the stored one.
			expect(
				await preview({ templateId: spun.id }, { lead: { id: ADA, email: 'ada@prospect.test', firstName: 'ada' } }),
			).toEqual(first);
		});

		it('lets different leads get different choices', async () => {
			const ids = Array.from({ length: 12 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
			const bodies = new Set<string>();
			for (const id of ids) {
				bodies.add(
					(await preview({ templateId: spun.id }, { lead: { id, email: `${id}@prospect.test`, firstName: 'x' } })).body,
				);
			}
			expect(bodies.size).toBeGreaterThan(1);
		});

		it('renders the helpers: fallback and default, capitalize, upper, lower, formatDate', async () => {
			const rendered = await preview(
				{
					subject: '{{fallback nickname firstName}} / {{default title "there"}}',
					body: '{{capitalize lastName}} {{upper company}} {{lower "HELLO"}} {{formatDate meeting "long" "America/New_York"}} {{formatDate "2026-03-08T02:00:00Z" "short" "America/New_York"}}',
				},
				{ leadId: ADA },
			);
			expect(rendered).toMatchObject({
				subject: 'ada / there',
				body: 'Lovelace SMITH &amp; &lt;SONS&gt; hello March 8, 2026 3/7/26',
			});
		});

		it('names a variable that has no value and no fallback', async () => {
			await expect(
				preview({ subject: 'Hi {{firstName}}', body: 'In {{city}}' }, { leadId: GRACE }),
			).rejects.toMatchObject({
				name: 'OphirError',
				message: 'Template variable "city" in the body has no value for this lead',
				description: 'Give the lead that field, or a fallback: {{fallback city "there"}}',
			});
			await expect(preview({ subject: 'Hi {{capitalize company}}', body: 'b' }, { leadId: GRACE })).rejects.toThrow(
				'Template variable "company" in the subject has no value for this lead',
			);
			await expect(
				preview({ subject: 'Hi {{firstName}}', body: 'b' }, { lead: { email: 'x@prospect.test' } }),
			).rejects.toThrow('Template variable "firstName" in the subject has no value for this lead');
		});

		it('allows a variable guarded by {{#if}}', async () => {
			const source = {
				subject: 'Hi{{#if firstName}} {{firstName}}{{/if}}',
				body: '{{#if company}}At {{company}}{{else}}Hello{{/if}}',
			};
			expect(await preview(source, { lead: { email: 'x@prospect.test' } })).toMatchObject({
				subject: 'Hi',
				body: 'Hello',
			});
			expect(await preview(source, { leadId: ADA })).toMatchObject({
				subject: 'Hi ada',
				body: 'At Smith &amp; &lt;Sons&gt;',
			});
		});

		it('checks an inline subject and body as a stored template is checked', async () => {
			await expect(preview({ subject: ' ', body: 'b' }, { leadId: ADA })).rejects.toThrow(
				'Subject must be a non-empty text',
			);
			await expect(preview({ subject: 's', body: '' }, { leadId: ADA })).rejects.toThrow(
				'Body must be a non-empty text',
			);
			await expect(preview({ subject: 's', body: '{{#if x}}' }, { leadId: ADA })).rejects.toThrow(
				/^Body must be a valid template \(/,
			);
		});

		it('reports an unknown template or lead as not found', async () => {
			const id = randomUUID();
			await expect(preview({ templateId: id }, { leadId: ADA })).rejects.toThrow(
				`Template ${id} was not found in this organization`,
			);
			await expect(preview({ templateId: greeting.id }, { leadId: id })).rejects.toMatchObject({
				name: 'NotFoundError',
				message: `Lead ${id} was not found in this organization`,
			});
		});
	});

	describe('a stored template that does not parse (written before checks, or by hand)', () => {
		let id: string;

		beforeAll(async () => {
			const { rows } = await db.pool.query(
				`INSERT INTO templates (organization_id, name, subject, body) VALUES ($1, 'legacy', 'Hi {first_name}', 'Hello {{first_name') RETURNING id`,
				[a.id],
			);
			id = rows[0].id;
		});

		it('can still be read and listed', async () => {
			expect(await get(a, id)).toMatchObject({ name: 'legacy', usedVariables: [] });
			expect((await a.as((tx) => listTemplates(tx, { ...ALL, search: 'legacy' }))).map((t) => t.id)).toEqual([id]);
		});

		it('reports its syntax error on preview', async () => {
			await expect(
				a.as((tx) => previewTemplate(tx, { templateId: id }, { lead: { email: 'x@prospect.test' } })),
			).rejects.toThrow(/^Body must be a valid template \(a \{\{ tag is not closed/);
		});

		it('can be fixed, then deleted', async () => {
			expect(await a.as((tx) => updateTemplate(tx, id, { body: 'Hello {{first_name}}' }))).toMatchObject({
				usedVariables: ['first_name'],
			});
			expect(await a.as((tx) => deleteTemplate(tx, id))).toEqual({ id, deleted: true });
		});
	});

	describe('tenant safety', () => {
		let b: Tenant;
		let mine: Template[];
		let leadA: string;
		let leadB: string;
		let templateB: Template;

		beforeAll(async () => {
			b = await newTenant(db, 'intruder');
			mine = [
				await create(a, { ...INTRO, name: 'A secret', category: 'a-only' }),
				await create(a, { ...INTRO, name: 'A shared', isShared: true }),
			];
			leadA = await addLead(a.id, { firstName: 'Alice', company: 'A Corp' });
			leadB = await addLead(b.id, { firstName: 'Bob', company: 'B Corp' });
			// B has a template of its own, so its list is not empty by accident.
			templateB = await create(b, { ...INTRO, name: 'B’s own' });
		});

		const notFound = (id: string, kind = 'Template') => ({
			name: 'NotFoundError',
			message: `${kind} ${id} was not found in this organization`,
		});

		it('does not let B get, update, delete or preview A’s templates', async () => {
			for (const template of mine) {
				await expect(b.as((tx) => getTemplate(tx, template.id))).rejects.toMatchObject(notFound(template.id));
				await expect(b.as((tx) => updateTemplate(tx, template.id, { name: 'hijacked' }))).rejects.toMatchObject(
					notFound(template.id),
				);
				await expect(b.as((tx) => deleteTemplate(tx, template.id))).rejects.toMatchObject(notFound(template.id));
				await expect(
					b.as((tx) => previewTemplate(tx, { templateId: template.id }, { leadId: leadB })),
				).rejects.toMatchObject(notFound(template.id));
			}
		});

		it('does not let B preview with A’s lead', async () => {
			await expect(
				b.as((tx) => previewTemplate(tx, { templateId: templateB.id }, { leadId: leadA })),
			).rejects.toMatchObject(notFound(leadA, 'Lead'));
			await expect(
				b.as((tx) => previewTemplate(tx, { subject: 's', body: 'b' }, { leadId: leadA })),
			).rejects.toMatchObject(notFound(leadA, 'Lead'));
			expect(await b.as((tx) => previewTemplate(tx, { templateId: templateB.id }, { leadId: leadB }))).toMatchObject({
				subject: 'Hi Bob',
			});
		});

		it('never lists A’s templates to B, whatever the filter', async () => {
			for (const filter of [{}, { category: 'a-only' }, { search: 'A s' }, { search: 'Hi' }]) {
				const listed = await b.as((tx) => listTemplates(tx, { ...ALL, ...filter }));
				expect(listed.map((t) => t.id)).not.toEqual(expect.arrayContaining([mine[0].id]));
				expect(listed.map((t) => t.id)).not.toEqual(expect.arrayContaining([mine[1].id]));
			}
			expect((await b.as((tx) => listTemplates(tx, ALL))).map((t) => t.name)).toEqual(['B’s own']);
		});

		it('does not let B record A’s user as a template’s creator', async () => {
			const userA = await addUser(a.id);
			await expect(create(b, { ...INTRO, createdBy: userA })).rejects.toMatchObject(notFound(userA, 'User'));
		});

		it('does not block B’s delete because of A’s campaigns, nor A’s because of B’s', async () => {
			const accountB = await addAccount(b.id);
			const doomed = await create(b, { ...INTRO, name: 'B doomed' });
			// A campaign of A that names B's template (it could never activate: the template is not A's).
			await a.as((tx) =>
				createCampaign(tx, { name: 'A points at B', config: { sequence: [{ templateId: doomed.id }] } }),
			);
			await b.as((tx) =>
				createCampaign(tx, {
					name: 'B keeps',
					config: { sequence: [{ templateId: templateB.id }], accountIds: [accountB] },
				}),
			);
			expect(await b.as((tx) => deleteTemplate(tx, doomed.id))).toEqual({ id: doomed.id, deleted: true });
			await expect(b.as((tx) => deleteTemplate(tx, templateB.id))).rejects.toThrow(`is used by campaign "B keeps"`);
		});

		it('leaves A’s templates exactly as they were', async () => {
			for (const template of mine) expect(await get(a, template.id)).toEqual(template);
		});

		it('creates templates in the acting organization only', async () => {
			const created = await create(b, { ...INTRO, name: 'B new' });
			const { rows } = await db.pool.query('SELECT organization_id FROM templates WHERE id = $1', [created.id]);
			expect(rows).toEqual([{ organization_id: b.id }]);
			await expect(get(a, created.id)).rejects.toBeInstanceOf(NotFoundError);
		});
	});
});
