import type { IDataObject, ILoadOptionsFunctions, INodeParameters, ResourceMapperField } from 'n8n-workflow';

import { closeAllPools } from '../../nodes/core/db';
import { createCampaign, importLeads } from '../../nodes/core/outreach';
import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { resourceMapping } from '../../nodes/shared/methods/resourceMapping';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { runNode } from '../support/n8nExecute';
import { newTenant } from '../support/tenants';

/**
 * Lead → Import as n8n runs it: version 2 maps columns with n8n's resource mapper (automatically, or each column by
 * an expression, to the lead's fields and custom fields), version 1 workflows keep their "Map Fields" parameters.
 */
describe('Lead → Import column mapping', () => {
	let db: TestDatabase;
	let orgA: Awaited<ReturnType<typeof newTenant>>;
	let orgB: Awaited<ReturnType<typeof newTenant>>;
	let campaignId: string;

	const credential = (organizationId: string) => ({
		connection: 'connectionString',
		connectionString: db.url,
		organizationId,
		encryptionKey: 'k'.repeat(40),
	});

	beforeAll(async () => {
		db = await createTestDatabase();
		orgA = await newTenant(db);
		orgB = await newTenant(db);
		campaignId = (await orgA.as((tx) => createCampaign(tx, { name: 'Mapper launch' }))).id;
	});

	afterAll(async () => {
		await closeAllPools();
		await db?.drop();
	});

	/** Runs Import for organization A and returns one output per input item. */
	async function runImport(parameters: INodeParameters, input: IDataObject[], typeVersion?: number) {
		const { output, error } = await runNode({
			nodeType: new OphirCampaign(),
			parameters: { resource: 'lead', operation: 'import', ...parameters },
			credentials: { ophirPostgresApi: credential(orgA.id) },
			input: input.map((json) => ({ json })),
			typeVersion,
		});
		if (error) throw error;
		return output[0].map((item) => item.json);
	}

	/** The leads rows as stored, by email. */
	async function storedLeads(emails: string[]) {
		const { rows } = await db.pool.query(
			`SELECT organization_id, campaign_id, email, first_name, last_name, company, data, tags
			 FROM leads WHERE email = ANY($1::text[]) ORDER BY email`,
			[emails],
		);
		return rows;
	}

	const campaign = { __rl: true, mode: 'list', value: '' };
	const inCampaign = () => ({ campaignId: { ...campaign, value: campaignId } });

	/** A column as getLeadColumns lists it, as the editor saves it in the workflow's schema. */
	const column = (id: string, type: ResourceMapperField['type'] = 'string'): ResourceMapperField => ({
		id,
		displayName: id,
		type,
		required: id === 'email',
		display: true,
		defaultMatch: false,
		canBeUsedToMatch: false,
	});

	it('maps automatically by default: the usual names to the lead, every other field to a custom field', async () => {
		const outcomes = await runImport(inCampaign(), [
			{ email: 'Ada@Auto.test', first_name: 'Ada', lastName: 'Lovelace', company: 'Analytical', city: 'London' },
			{ email: 'grace@auto.test', firstName: 'Grace', tags: ['navy', 'cobol'], rank: 7 },
		]);
		expect(outcomes).toEqual([
			{ status: 'created', id: expect.any(String), email: 'ada@auto.test' },
			{ status: 'created', id: expect.any(String), email: 'grace@auto.test' },
		]);
		expect(await storedLeads(['ada@auto.test', 'grace@auto.test'])).toEqual([
			{
				organization_id: orgA.id,
				campaign_id: campaignId,
				email: 'ada@auto.test',
				first_name: 'Ada',
				last_name: 'Lovelace',
				company: 'Analytical',
				data: { city: 'London' },
				tags: [],
			},
			{
				organization_id: orgA.id,
				campaign_id: campaignId,
				email: 'grace@auto.test',
				first_name: 'Grace',
				last_name: null,
				company: null,
				data: { rank: 7 },
				tags: ['navy', 'cobol'],
			},
		]);
	});

	it('maps each column by an expression, converts to the column types, and reports a bad item while the others import', async () => {
		const outcomes = await runImport(
			{
				...inCampaign(),
				columns: {
					mappingMode: 'defineBelow',
					value: {
						email: "={{ $json['E-mail'] }}",
						firstName: '={{ $json.Vorname }}',
						company: '={{ $json.Firma }}',
						tags: '={{ $json.Labels }}',
						city: '={{ $json.Stadt }}',
						score: '={{ $json.Punkte }}',
						source: 'fair 2025',
					},
					matchingColumns: [],
					schema: [
						column('email'),
						column('firstName'),
						column('company'),
						column('tags'),
						column('city'),
						column('score', 'number'),
						column('source'),
					],
					attemptToConvertTypes: false,
					convertFieldsToString: false,
				},
			},
			[
				{ 'E-mail': 'Linus@Mapped.test', Vorname: 'Linus', Labels: 'vip, fair', Stadt: 'Helsinki', Punkte: '42' },
				{ Vorname: 'Nobody', Labels: 'vip' },
				{ 'E-mail': 'ken@mapped.test', Firma: 'Bell Labs', Labels: ['unix', 'c'], Stadt: '', Punkte: '' },
				{ 'E-mail': 'dennis@mapped.test', Punkte: 'many' },
				{ 'E-mail': 'LINUS@mapped.test', Vorname: 'Twice' },
			],
		);
		expect(outcomes).toEqual([
			{ status: 'created', id: expect.any(String), email: 'linus@mapped.test' },
			{
				status: 'invalid',
				reason: 'Email must be a valid email address such as jane@example.com',
				email: undefined,
			},
			{ status: 'created', id: expect.any(String), email: 'ken@mapped.test' },
			{ status: 'invalid', reason: "'score' expects a number but we got 'many'" },
			// Items are counted as n8n numbers them, the ones whose columns did not convert included.
			{ status: 'skipped', email: 'linus@mapped.test', reason: 'duplicate of item 0 in this import' },
		]);
		expect(await storedLeads(['dennis@mapped.test', 'ken@mapped.test', 'linus@mapped.test'])).toEqual([
			expect.objectContaining({
				campaign_id: campaignId,
				email: 'ken@mapped.test',
				first_name: null,
				company: 'Bell Labs',
				// Empty columns are left out, not stored as '' (nor as 0 in a number column).
				data: { source: 'fair 2025' },
				tags: ['unix', 'c'],
			}),
			expect.objectContaining({
				campaign_id: campaignId,
				email: 'linus@mapped.test',
				first_name: 'Linus',
				company: null,
				data: { city: 'Helsinki', score: 42, source: 'fair 2025' },
				tags: ['vip', 'fair'],
			}),
		]);
	});

	it('leaves a stored custom field as it is when its column is empty on update', async () => {
		const columns = (city: string) => ({
			mappingMode: 'defineBelow',
			value: { email: 'merge@mapped.test', city, vip: '={{ $json.vip }}' },
			matchingColumns: [],
			schema: [column('email'), column('city'), column('vip')],
			attemptToConvertTypes: false,
			convertFieldsToString: false,
		});
		await runImport({ columns: columns('Oslo') }, [{ vip: true }]);
		expect(await runImport({ columns: columns('') }, [{}])).toEqual([
			{ status: 'updated', id: expect.any(String), email: 'merge@mapped.test' },
		]);
		expect((await storedLeads(['merge@mapped.test']))[0].data).toEqual({ city: 'Oslo', vip: true });
	});

	it('finds the campaign by name in the tenant transaction', async () => {
		const outcomes = await runImport({ campaignId: { ...campaign, mode: 'name', value: 'mapper LAUNCH' } }, [
			{ email: 'by-name@mapped.test' },
		]);
		expect(outcomes[0]).toMatchObject({ status: 'created' });
		expect((await storedLeads(['by-name@mapped.test']))[0].campaign_id).toBe(campaignId);
		await expect(
			runImport({ campaignId: { ...campaign, mode: 'name', value: 'Nope' } }, [{ email: 'x@mapped.test' }]),
		).rejects.toThrow('Campaign name "Nope" was not found');
	});

	it('still runs version 1 parameters: Map Fields "Define Below" and the campaign ID as text', async () => {
		const outcomes = await runImport(
			{
				campaignId,
				mapping: 'defined',
				mapEmail: '={{ $json.contact.mail }}',
				mapFirstName: '={{ $json.contact.given }}',
				mapTags: 'legacy, v1',
				mapData: '={{ JSON.stringify({ source: $json.source }) }}',
			},
			[{ contact: { mail: 'old@version1.test', given: 'Olga' }, source: 'crm' }],
			1,
		);
		expect(outcomes).toEqual([{ status: 'created', id: expect.any(String), email: 'old@version1.test' }]);
		expect(await storedLeads(['old@version1.test'])).toEqual([
			expect.objectContaining({
				campaign_id: campaignId,
				first_name: 'Olga',
				data: { source: 'crm' },
				tags: ['legacy', 'v1'],
			}),
		]);
		const automatic = await runImport({ campaignId }, [{ email: 'auto@version1.test', city: 'Rome' }], 1);
		expect(automatic).toEqual([{ status: 'created', id: expect.any(String), email: 'auto@version1.test' }]);
		expect((await storedLeads(['auto@version1.test']))[0].data).toEqual({ city: 'Rome' });
	});

	describe('getLeadColumns', () => {
		const loadOptions = (organizationId: string) =>
			({
				getCredentials: async () => credential(organizationId),
				getNode: () => ({ name: 'OPhir Campaign' }),
			}) as unknown as ILoadOptionsFunctions;

		beforeAll(async () => {
			await orgB.as((tx) =>
				importLeads(tx, [{ email: 'b@other.test', data: { secretCode: 'x', city: 'Paris', score: 'high' } }]),
			);
			await orgA.as((tx) =>
				importLeads(tx, [
					{ email: 'c1@columns.test', data: { interests: ['ai'], profile: { size: 10 }, optIn: true } },
					{ email: 'c2@columns.test', data: { email: 'written by hand', optIn: false } },
				]),
			);
		});

		it("lists the lead's fields, then this organization's custom fields with their types, never another's", async () => {
			const { fields } = await resourceMapping.getLeadColumns.call(loadOptions(orgA.id));
			expect(fields.map(({ id, displayName, type, required }) => [id, displayName, type, required])).toEqual([
				['email', 'Email', 'string', true],
				['firstName', 'First Name', 'string', false],
				['lastName', 'Last Name', 'string', false],
				['company', 'Company', 'string', false],
				['tags', 'Tags (Comma-Separated)', 'string', false],
				// Written by the tests above; "email" in data is no second Email column.
				['city', 'city', 'string', false],
				['interests', 'interests', 'array', false],
				// Booleans stay text: n8n would fill an unset boolean column with false.
				['optIn', 'optIn', 'string', false],
				['profile', 'profile', 'object', false],
				['rank', 'rank', 'number', false],
				['score', 'score', 'number', false],
				['source', 'source', 'string', false],
				['vip', 'vip', 'string', false],
			]);
			expect(fields.every((field) => field.display && !field.defaultMatch && !field.canBeUsedToMatch)).toBe(true);

			const theirs = await resourceMapping.getLeadColumns.call(loadOptions(orgB.id));
			expect(theirs.fields.slice(5).map(({ id, type }) => [id, type])).toEqual([
				['city', 'string'],
				['score', 'string'],
				['secretCode', 'string'],
			]);
		});

		it('says why it could not list the columns, as the editor shows it', async () => {
			await expect(resourceMapping.getLeadColumns.call(loadOptions('not-an-organization'))).rejects.toThrow(
				'Could not list the custom fields: Organization ID must be a UUID',
			);
		});
	});
});
