import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
} from 'n8n-workflow';

import { closeAllPools, SYSTEM_ORGANIZATION_ID } from '../../nodes/core/db';
import { importLeads } from '../../nodes/core/outreach';
import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { organizationOptions } from '../../nodes/shared/methods/organizations';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { runNode } from '../support/n8nExecute';
import { newTenant } from '../support/tenants';

const KEY = 'k'.repeat(40);
const NO_LIMITS = {
	maxEmailAccounts: { limit: null, used: 0 },
	maxEmailsPerDay: { limit: null, used: 0 },
	maxActiveCampaigns: { limit: null, used: 0 },
	maxLeads: { limit: null, used: 0 },
};

/**
 * Organization → Get and Update, the organizations dropdown and Get Health's quotas, run by n8n's execution engine
 * against a real PostgreSQL: the operator sets an organization's quotas, an organization sees its own.
 */
describe('OPhir Campaign: organization quotas in n8n', () => {
	let db: TestDatabase;
	let acme: Awaited<ReturnType<typeof newTenant>>;
	let globex: Awaited<ReturnType<typeof newTenant>>;

	const credential = (organizationId: string): ICredentialDataDecryptedObject => ({
		connection: 'connectionString',
		connectionString: db.url,
		organizationId,
		encryptionKey: KEY,
	});

	/** Runs the node as `as` (the system organization by default) and returns its output items, or throws its error. */
	async function run(
		parameters: INodeParameters,
		{
			as = SYSTEM_ORGANIZATION_ID,
			input = [{}],
			continueOnFail = false,
		}: { as?: string; input?: IDataObject[]; continueOnFail?: boolean } = {},
	): Promise<INodeExecutionData[]> {
		const { output, error } = await runNode({
			nodeType: new OphirCampaign(),
			parameters,
			credentials: { ophirPostgresApi: credential(as) },
			input: input.map((json) => ({ json })),
			continueOnFail,
		});
		if (error) throw error;
		return output[0];
	}
	const one = async (parameters: INodeParameters, options?: Parameters<typeof run>[1]) =>
		(await run(parameters, options))[0].json;

	const update = (organizationId: string, fields: INodeParameters = {}) => ({
		resource: 'organization',
		operation: 'update',
		organizationId,
		...fields,
	});
	const get = (organizationId: string) => ({ resource: 'organization', operation: 'get', organizationId });

	beforeAll(async () => {
		db = await createTestDatabase();
		acme = await newTenant(db, 'Acme');
		globex = await newTenant(db, 'Globex');
		await acme.as((tx) => importLeads(tx, [{ email: 'ada@acme.test' }, { email: 'grace@acme.test' }]));
	});
	afterAll(async () => {
		await closeAllPools();
		await db.drop();
	});

	it('Update: the operator renames, changes the plan and sets quotas; outputs the organization with their usage', async () => {
		const updated = await one(
			update(acme.id, {
				updateFields: { name: 'Acme Corp', planType: 'pro' },
				quotas: { maxLeads: 3, maxEmailsPerDay: 500 },
			}),
		);
		expect(updated).toMatchObject({
			id: acme.id,
			name: 'Acme Corp',
			planType: 'pro',
			quotas: {
				...NO_LIMITS,
				maxLeads: { limit: 3, used: 2 },
				maxEmailsPerDay: { limit: 500, used: 0 },
			},
		});

		// Quotas not added keep their limit; Remove Limits lifts one; 0 is a limit that allows none.
		const changed = await one(
			update(acme.id, { quotas: { maxActiveCampaigns: 0 }, removeLimits: ['maxEmailsPerDay'] }),
		);
		expect(changed).toMatchObject({
			name: 'Acme Corp',
			quotas: { ...NO_LIMITS, maxLeads: { limit: 3, used: 2 }, maxActiveCampaigns: { limit: 0, used: 0 } },
		});
	});

	it('Update: refuses a quota both set and removed, and a limit below 0, naming the field; changes nothing', async () => {
		await expect(run(update(globex.id, { quotas: { maxLeads: 5 }, removeLimits: ['maxLeads'] }))).rejects.toThrow(
			'Remove Limits must be a quota not also set in Quotas (Max Leads is) [item 0]',
		);
		await expect(run(update(globex.id, { quotas: { maxLeads: -1 } }))).rejects.toThrow(
			'Max Leads must be a whole number from 0 to 2147483647 [item 0]',
		);
		expect((await one(get(globex.id))).quotas).toEqual(NO_LIMITS);
	});

	it('Update: only the operator; an organization cannot raise its own quota', async () => {
		await expect(run(update(acme.id, { quotas: { maxLeads: 1000 } }), { as: acme.id })).rejects.toThrow(
			'Only a credential acting for the system organization can update organizations [item 0]',
		);
		expect((await one(get(acme.id))).quotas).toMatchObject({ maxLeads: { limit: 3, used: 2 } });
	});

	it('Get: the operator reads any organization, by expression per item; an organization itself only', async () => {
		const items = await run(
			{ resource: 'organization', operation: 'get', organizationId: '={{ $json.id }}' },
			{ input: [{ id: acme.id }, { id: globex.id }] },
		);
		expect(items.map((item) => [item.json.name, item.pairedItem])).toEqual([
			['Acme Corp', { item: 0 }],
			['Globex', { item: 1 }],
		]);
		expect(await one(get(acme.id), { as: acme.id })).toMatchObject({
			id: acme.id,
			quotas: { maxLeads: { limit: 3, used: 2 } },
		});
		await expect(run(get(globex.id), { as: acme.id })).rejects.toThrow(
			`Organization ${globex.id} was not found in this organization [item 0]`,
		);
		await expect(run(get('acme'))).rejects.toThrow('Organization must be a UUID');
	});

	it('a quota refuses the work with its own error type, naming the limit and who can raise it', async () => {
		await run({ resource: 'lead', operation: 'create', email: 'linus@acme.test' }, { as: acme.id });
		const [refused] = await run(
			{ resource: 'lead', operation: 'create', email: 'ken@acme.test' },
			{ as: acme.id, continueOnFail: true },
		);
		expect(refused.json).toEqual({
			error: 'Quota "Max Leads" reached: the organization has 3 of 3 leads and this import adds 1 [item 0]',
			details: expect.stringContaining('The platform operator can raise it: OPhir Campaign → Organization → Update'),
			errorType: 'QuotaExceededError',
		});
	});

	it('Get Health outputs the credential’s organization with its quotas and their usage', async () => {
		const health = await one({ resource: 'database', operation: 'getHealth' }, { as: acme.id });
		expect(health.organization).toMatchObject({
			id: acme.id,
			name: 'Acme Corp',
			quotas: { ...NO_LIMITS, maxLeads: { limit: 3, used: 3 }, maxActiveCampaigns: { limit: 0, used: 0 } },
		});
	});

	describe('the organizations dropdown', () => {
		const NODE: INode = {
			id: 'node',
			name: 'OPhir Campaign',
			type: 'ophirCampaign',
			typeVersion: 2,
			position: [0, 0],
			parameters: {},
		};
		const editor = (fields: ICredentialDataDecryptedObject) =>
			({
				getCredentials: async () => fields,
				getNode: () => NODE,
			}) as unknown as ILoadOptionsFunctions;

		it('lists every organization to the operator, and only itself to an organization', async () => {
			const all = await new OphirCampaign().methods.loadOptions.getOrganizations.call(
				editor(credential(SYSTEM_ORGANIZATION_ID)),
			);
			expect(all).toEqual(
				expect.arrayContaining([
					{ name: 'Acme Corp', value: acme.id },
					{ name: 'Globex', value: globex.id },
				]),
			);
			expect(await organizationOptions.getOrganizations.call(editor(credential(globex.id)))).toEqual([
				{ name: 'Globex', value: globex.id },
			]);
		});

		it('says what it could not list', async () => {
			await expect(
				organizationOptions.getOrganizations.call(editor(credential('not-an-organization'))),
			).rejects.toThrow('Could not list organizations: Organization ID must be a UUID');
		});
	});
});
