import type { INodeParameters } from 'n8n-workflow';

import { closeAllPools } from '../../nodes/core/db';
import { createCampaign, importLeads } from '../../nodes/core/outreach';
import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { runNode } from '../support/n8nExecute';
import { newTenant } from '../support/tenants';

/**
 * Record pickers as n8n runs them: a version 2 node reads a resource locator (From List, By ID, By Name/Email),
 * a version 1 node (a workflow saved before the pickers) still reads its plain ID text.
 */
describe('record locators', () => {
	let db: TestDatabase;
	let orgA: Awaited<ReturnType<typeof newTenant>>;
	let orgB: Awaited<ReturnType<typeof newTenant>>;
	let campaignId: string;
	let otherOrgCampaignId: string;

	beforeAll(async () => {
		db = await createTestDatabase();
		orgA = await newTenant(db);
		orgB = await newTenant(db);
		campaignId = (await orgA.as((tx) => createCampaign(tx, { name: 'Spring launch' }))).id;
		await orgA.as((tx) => createCampaign(tx, { name: 'Twin' }));
		await orgA.as((tx) => createCampaign(tx, { name: 'twin' }));
		otherOrgCampaignId = (await orgB.as((tx) => createCampaign(tx, { name: 'Spring launch' }))).id;
		await orgA.as(async (tx) => {
			await importLeads(tx, [{ email: 'ada@example.com' }], { campaignId });
			const twin = await createCampaign(tx, { name: 'Other' });
			await importLeads(tx, [{ email: 'grace@example.com' }], { campaignId });
			await importLeads(tx, [{ email: 'grace@example.com' }], { campaignId: twin.id });
		});
	});

	afterAll(async () => {
		await closeAllPools();
		await db?.drop();
	});

	async function getCampaign(campaign: unknown, typeVersion?: number) {
		return get({ resource: 'campaign', operation: 'get', campaignId: campaign } as INodeParameters, typeVersion);
	}

	async function get(parameters: INodeParameters, typeVersion?: number) {
		const { output, error } = await runNode({
			nodeType: new OphirCampaign(),
			parameters,
			credentials: {
				ophirPostgresApi: {
					connection: 'connectionString',
					connectionString: db.url,
					organizationId: orgA.id,
					encryptionKey: 'k'.repeat(40),
				},
			},
			typeVersion,
		});
		if (error) throw error;
		return output[0][0].json;
	}

	const locator = (mode: string, value: string) => ({ __rl: true, mode, value });

	it('reads a plain ID saved by a version 1 workflow', async () => {
		expect(await getCampaign(campaignId, 1)).toMatchObject({ id: campaignId, name: 'Spring launch' });
	});

	it('reads From List, By ID and By Name', async () => {
		expect(await getCampaign(locator('list', campaignId))).toMatchObject({ id: campaignId });
		expect(await getCampaign(locator('id', campaignId))).toMatchObject({ id: campaignId });
		expect(await getCampaign(locator('name', 'spring LAUNCH'))).toMatchObject({ id: campaignId });
	});

	it('refuses a name two campaigns share, a name not found and an ID that is no UUID, naming the field', async () => {
		await expect(getCampaign(locator('name', 'Twin'))).rejects.toThrow(
			'Campaign: more than one campaign has the name "Twin"; pick it from the list or by ID',
		);
		await expect(getCampaign(locator('name', 'Nope'))).rejects.toThrow('Campaign name "Nope" was not found');
		// n8n itself checks By ID against the locator's pattern before the node runs.
		await expect(getCampaign(locator('id', 'not-a-uuid'))).rejects.toThrow('Not a UUID: an OPhir ID looks like');
		await expect(getCampaign('not-a-uuid', 1)).rejects.toThrow('Campaign ID must be a UUID');
		await expect(getCampaign(locator('list', ''))).rejects.toThrow('Parameter "Campaign" is required');
	});

	it('finds a lead By Email however it is written, and refuses an address two campaigns share', async () => {
		const getLead = (value: string) =>
			get({ resource: 'lead', operation: 'get', leadId: locator('email', value) } as INodeParameters);
		expect(await getLead(' Ada@EXAMPLE.com ')).toMatchObject({ email: 'ada@example.com', campaignId });
		await expect(getLead('grace@example.com')).rejects.toThrow(
			'Lead: more than one lead has the email "grace@example.com"; pick it from the list or by ID',
		);
		await expect(getLead('not an address')).rejects.toThrow('Lead must be a valid email address');
		await expect(getLead('nobody@example.com')).rejects.toThrow('Lead email "nobody@example.com" was not found');
	});

	it('reads locators inside Additional Fields: a suppression names its campaign By Name', async () => {
		const suppression = await get({
			resource: 'suppression',
			operation: 'add',
			target: 'no-thanks@example.com',
			additionalFields: { campaignId: locator('name', 'Spring Launch'), reason: 'asked by phone' },
		} as INodeParameters);
		expect(suppression).toMatchObject({ email: 'no-thanks@example.com', campaignId });
		const version1 = await get(
			{
				resource: 'suppression',
				operation: 'add',
				target: 'later@example.com',
				additionalFields: { campaignId },
			} as INodeParameters,
			1,
		);
		expect(version1).toMatchObject({ campaignId });
	});

	it("never finds another organization's record, by ID or by name", async () => {
		await expect(getCampaign(locator('id', otherOrgCampaignId))).rejects.toThrow('was not found');
		await expect(getCampaign(locator('name', 'Spring launch'))).resolves.toMatchObject({ id: campaignId });
	});
});
