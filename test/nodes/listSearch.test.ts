import type { ICredentialDataDecryptedObject, ILoadOptionsFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { closeAllPools, SecretBox } from '../../nodes/core/db';
import { createCampaign, createEmailAccount, createTemplate, createUser, importLeads } from '../../nodes/core/outreach';
import { SEARCH_METHODS } from '../../nodes/shared/locators';
import { listSearch } from '../../nodes/shared/methods/listSearch';
import { loadOptions } from '../../nodes/shared/methods/loadOptions';
import { createTestDatabase, type TestDatabase, urlForDatabase } from '../support/database';
import { newTenant } from '../support/tenants';

type Tenant = Awaited<ReturnType<typeof newTenant>>;

const ENCRYPTION_KEY = 'k'.repeat(40);

const NODE: INode = {
	id: 'a1b2c3d4-0000-4000-8000-000000000001',
	name: 'OPhir Campaign',
	type: 'n8n-nodes-ophir.ophirCampaign',
	typeVersion: 2,
	position: [0, 0],
	parameters: {},
};

/**
 * The editor's record pickers as n8n calls them: listSearch (a "From List" picker, searched and paged) and
 * loadOptions (a multi-select), for the organization of the node's credential. n8n's side is a small fake of the
 * functions the methods call; the database is real.
 */
describe('listSearch and loadOptions', () => {
	let db: TestDatabase;
	let a: Tenant;
	let b: Tenant;
	let campaignsOfA: string[];
	let campaignsOfB: string[];

	/** What n8n hands a method loading options for a node whose credential has these fields. */
	function editor(fields: ICredentialDataDecryptedObject): ILoadOptionsFunctions {
		const fake: Pick<ILoadOptionsFunctions, 'getCredentials' | 'getNode'> = {
			async getCredentials<T>(type: string) {
				if (type !== 'ophirPostgresApi') throw new Error(`no credential of type ${type}`);
				return fields as T;
			},
			getNode: () => NODE,
		};
		return fake as ILoadOptionsFunctions;
	}

	const credentialOf = (tenant: Tenant, url = db.url) => ({
		connection: 'connectionString',
		connectionString: url,
		organizationId: tenant.id,
		encryptionKey: ENCRYPTION_KEY,
	});
	const editorOf = (tenant: Tenant) => editor(credentialOf(tenant));

	beforeAll(async () => {
		db = await createTestDatabase();
		a = await newTenant(db);
		b = await newTenant(db);
		const box = new SecretBox(ENCRYPTION_KEY);
		// More than a page of campaigns in A; B's records carry the same names.
		campaignsOfA = await a.as(async (tx) => {
			const made: string[] = [];
			for (let i = 1; i <= 60; i++) {
				made.push((await createCampaign(tx, { name: `Launch ${String(i).padStart(2, '0')}` })).id);
			}
			await importLeads(tx, [{ email: 'jane@a.test', firstName: 'Jane', lastName: 'Doe' }], { campaignId: made[0] });
			await createTemplate(tx, { name: 'Intro', category: 'Onboarding', subject: 'Hi', body: 'Hello' });
			await createEmailAccount(tx, box, { email: 'sales@a.test', provider: 'gmail', password: 'dummy-password-1a2b' });
			await createUser(tx, { email: 'ann@a.test', firstName: 'Ann', lastName: 'Lee', role: 'admin' });
			return made;
		});
		campaignsOfB = await b.as(async (tx) => {
			const made = [(await createCampaign(tx, { name: 'Launch 01' })).id];
			await createTemplate(tx, { name: 'Intro', subject: 'Hi', body: 'Hello' });
			await createEmailAccount(tx, box, { email: 'sales@b.test', provider: 'gmail', password: 'dummy-password-1a2b' });
			return made;
		});
	});

	afterAll(async () => {
		await closeAllPools();
		await db?.drop();
	});

	it('offers one search for each name the pickers ask for', () => {
		expect(Object.keys(listSearch).sort()).toEqual(Object.values(SEARCH_METHODS).sort());
	});

	it('pages by the token it returns: 50, then the rest, then no token', async () => {
		const first = await listSearch.searchCampaigns.call(editorOf(a));
		expect(first.results).toHaveLength(50);
		expect(first.results[0]).toEqual({ name: 'Launch 01 (draft)', value: campaignsOfA[0] });
		expect(first.paginationToken).toBe('50');
		const second = await listSearch.searchCampaigns.call(editorOf(a), undefined, first.paginationToken);
		expect(second.results).toHaveLength(10);
		expect(second.paginationToken).toBeUndefined();
		expect([...first.results, ...second.results].map((result) => result.value)).toEqual(campaignsOfA);
	});

	it('searches by the filter typed', async () => {
		const found = await listSearch.searchCampaigns.call(editorOf(a), 'launch 0');
		expect(found.results.map((result) => result.name)).toEqual(
			Array.from({ length: 9 }, (_, i) => `Launch 0${i + 1} (draft)`),
		);
		expect(found.paginationToken).toBeUndefined();
	});

	it('lists each kind, labelled', async () => {
		const names = async (method: string, filter?: string) =>
			(await listSearch[method].call(editorOf(a), filter)).results.map((result) => result.name);
		expect(await names('searchLeads', 'doe')).toEqual(['jane@a.test — Jane Doe · Launch 01']);
		expect(await names('searchTemplates')).toEqual(['Intro · Onboarding']);
		expect(await names('searchEmailAccounts')).toEqual(['sales@a.test · active · health 100']);
		expect(await names('searchUsers', 'ANN')).toEqual(['ann@a.test — Ann Lee (admin)']);
	});

	it("lists only the credential's organization", async () => {
		const ofB = await listSearch.searchCampaigns.call(editorOf(b), 'Launch');
		expect(ofB).toEqual({ results: [{ name: 'Launch 01 (draft)', value: campaignsOfB[0] }] });
		const ofA = await listSearch.searchCampaigns.call(editorOf(a), 'Launch 01');
		expect(ofA.results.map((result) => result.value)).toEqual([campaignsOfA[0]]);
		expect((await listSearch.searchEmailAccounts.call(editorOf(a), 'b.test')).results).toEqual([]);
		expect((await listSearch.searchUsers.call(editorOf(b))).results).toEqual([]);
	});

	it('returns an empty list, without a token, when nothing matches', async () => {
		expect(await listSearch.searchCampaigns.call(editorOf(a), 'no such campaign')).toEqual({ results: [] });
		expect(await listSearch.searchLeads.call(editorOf(b))).toEqual({ results: [] });
	});

	it('reports what went wrong as a NodeOperationError naming what it lists', async () => {
		const failure = (promise: Promise<unknown>) =>
			promise.then(
				() => 'no error',
				(error: unknown) => error,
			);
		const badToken = await failure(listSearch.searchCampaigns.call(editorOf(a), undefined, 'next'));
		expect(badToken).toBeInstanceOf(NodeOperationError);
		expect(badToken).toMatchObject({
			message: 'Could not list campaigns: Offset must be a whole number from 0 to 9007199254740991',
			description: 'Received: NaN',
		});
		const badOrganization = editor({ ...credentialOf(a), organizationId: 'acme' });
		await expect(listSearch.searchEmailAccounts.call(badOrganization)).rejects.toThrow(
			'Could not list email accounts: Organization ID must be a UUID',
		);
		const noDatabase = editor(credentialOf(a, urlForDatabase(`${db.name}_missing`, db.url)));
		await expect(loadOptions.getTemplates.call(noDatabase)).rejects.toThrow(
			`Could not list templates: database "${db.name}_missing" does not exist`,
		);
	});

	it('loadOptions lists every record of the organization at once, in the order the pickers use', async () => {
		const campaigns = await loadOptions.getCampaigns.call(editorOf(a));
		expect(campaigns.map((option) => option.value)).toEqual(campaignsOfA);
		expect(campaigns[59]).toEqual({ name: 'Launch 60 (draft)', value: campaignsOfA[59] });
		expect(await loadOptions.getCampaigns.call(editorOf(b))).toEqual([
			{ name: 'Launch 01 (draft)', value: campaignsOfB[0] },
		]);
		expect((await loadOptions.getEmailAccounts.call(editorOf(a))).map((option) => option.name)).toEqual([
			'sales@a.test · active · health 100',
		]);
		expect((await loadOptions.getTemplates.call(editorOf(b))).map((option) => option.name)).toEqual(['Intro']);
		expect(Object.keys(loadOptions).sort()).toEqual([
			'getCampaigns',
			'getEmailAccounts',
			'getOrganizations',
			'getTemplates',
		]);
		expect(await loadOptions.getEmailAccounts.call(editor(credentialOf(await newTenant(db))))).toEqual([]);
	});
});
