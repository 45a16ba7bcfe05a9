import { type ICredentialDataDecryptedObject, NodeOperationError } from 'n8n-workflow';

import { closeAllPools, loadMigrations, SYSTEM_ORGANIZATION_ID } from '../../nodes/core/db';
import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { createTestDatabase, type TestDatabase, urlForDatabase } from '../support/database';
import { executeNode, runNode } from '../support/n8nExecute';

/** The OPhir Campaign node run by n8n's execution engine against a real, initially empty PostgreSQL database. */
describe('OPhir Campaign node in n8n', () => {
	let db: TestDatabase;
	const migrations = loadMigrations().map((m) => `${m.version}_${m.name}`);

	/** The credential's fields as n8n stores them (credentials/OphirPostgresApi.credentials.ts). */
	const credential = (fields: ICredentialDataDecryptedObject = {}) => ({
		ophirPostgresApi: {
			connection: 'connectionString',
			connectionString: db.url,
			organizationId: SYSTEM_ORGANIZATION_ID,
			...fields,
		},
	});
	const database = (operation: string) => ({ resource: 'database', operation });

	beforeAll(async () => {
		db = await createTestDatabase({ migrate: false });
	});
	afterAll(async () => {
		// The node opened its own pool for the credential; close it before the database goes away.
		await closeAllPools();
		await db.drop();
	});

	it('reports an empty database as not installed, with every migration pending', async () => {
		const [items] = await executeNode({
			nodeType: new OphirCampaign(),
			parameters: database('getSchemaStatus'),
			credentials: credential(),
		});
		expect(items).toEqual([
			{
				json: {
					installed: false,
					schemaVersion: null,
					packageVersion: loadMigrations().at(-1)?.version,
					pending: migrations,
					upToDate: false,
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(migrations[0]).toBe('000_init');
	});

	it('applies every migration, then nothing on a second run', async () => {
		const [first] = await executeNode({
			nodeType: new OphirCampaign(),
			parameters: database('applyMigrations'),
			credentials: credential(),
		});
		expect(first).toHaveLength(1);
		expect(first[0].json.applied).toEqual(migrations);
		expect(first[0].json.applied).toEqual(expect.arrayContaining(['000_init', expect.stringMatching(/^001_/)]));
		expect(first[0].json.appliedCount).toBe(migrations.length);

		const [second] = await executeNode({
			nodeType: new OphirCampaign(),
			parameters: database('applyMigrations'),
			credentials: credential(),
		});
		expect(second[0].json).toEqual({
			applied: [],
			appliedCount: 0,
			schemaVersion: loadMigrations().at(-1)?.version,
		});
	});

	it('then reports the schema up to date (Get Schema Status is the default operation of Database)', async () => {
		// Only the resource: n8n applies the defaults of the node's description to the rest.
		const [items] = await executeNode({
			nodeType: new OphirCampaign(),
			parameters: { resource: 'database' },
			credentials: credential(),
		});
		expect(items[0].json).toMatchObject({ installed: true, pending: [], upToDate: true });
	});

	it('pairs every output item with its input item', async () => {
		const [items] = await executeNode({
			nodeType: new OphirCampaign(),
			parameters: database('getSchemaStatus'),
			credentials: credential(),
			input: [{ json: { n: 0 } }, { json: { n: 1 } }, { json: { n: 2 } }],
		});
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items.every((item) => item.json.upToDate === true)).toBe(true);
	});

	it('rejects an operation it does not have with a NodeOperationError', async () => {
		const run = executeNode({
			nodeType: new OphirCampaign(),
			parameters: database('dropEverything'),
			credentials: credential(),
		});
		await expect(run).rejects.toThrow(NodeOperationError);
		await expect(run).rejects.toThrow('The operation "dropEverything" of "database" is not supported');
	});

	describe('when an item fails (a database that does not exist)', () => {
		const missingDatabase = () => credential({ connectionString: urlForDatabase(`${db.name}_missing`) });
		const input = [{ json: { n: 0 } }, { json: { n: 1 } }, { json: { n: 2 } }];

		it('stops at the first item with a NodeOperationError naming it', async () => {
			const { error, run } = await runNode({
				nodeType: new OphirCampaign(),
				parameters: database('getSchemaStatus'),
				credentials: missingDatabase(),
				input,
			});
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error?.message).toBe(`Database error: database "${db.name}_missing" does not exist [item 0]`);
			expect((error as NodeOperationError).context.itemIndex).toBe(0);
			expect(run.status).toBe('error');
			expect(run.data.resultData.lastNodeExecuted).toBe('Node Under Test');
		});

		it('with continueOnFail outputs an error item per input item instead', async () => {
			const [items] = await executeNode({
				nodeType: new OphirCampaign(),
				parameters: database('getSchemaStatus'),
				credentials: missingDatabase(),
				input,
				continueOnFail: true,
			});
			expect(items).toEqual(
				[0, 1, 2].map((item) => ({
					json: { error: `Database error: database "${db.name}_missing" does not exist [item ${item}]` },
					pairedItem: { item },
				})),
			);
		});
	});

	describe('with an invalid Organization ID in the credential', () => {
		const badCredential = () => credential({ organizationId: 'not-a-uuid' });

		it('fails, naming the Organization ID', async () => {
			await expect(
				executeNode({
					nodeType: new OphirCampaign(),
					parameters: database('getSchemaStatus'),
					credentials: badCredential(),
				}),
			).rejects.toThrow('Organization ID must be a UUID');
		});

		it('fails with a NodeOperationError', async () => {
			await expect(
				executeNode({
					nodeType: new OphirCampaign(),
					parameters: database('getSchemaStatus'),
					credentials: badCredential(),
				}),
			).rejects.toThrow(NodeOperationError);
		});

		it('with continueOnFail outputs an error item per input item', async () => {
			const {
				output: [items],
			} = await runNode({
				nodeType: new OphirCampaign(),
				parameters: database('getSchemaStatus'),
				credentials: badCredential(),
				input: [{ json: { n: 0 } }, { json: { n: 1 } }],
				continueOnFail: true,
			});
			expect(items).toEqual(
				[0, 1].map((item) => ({
					json: expect.objectContaining({ error: expect.stringContaining('Organization ID') }),
					pairedItem: { item },
				})),
			);
		});
	});

	describe('when the current state refuses an item (a user whose address exists)', () => {
		it('with continueOnFail outputs its error item with errorType ConflictError, and goes on', async () => {
			const [items] = await executeNode({
				nodeType: new OphirCampaign(),
				parameters: { resource: 'user', operation: 'create', email: '={{ $json.email }}' },
				credentials: credential(),
				input: [
					{ json: { email: 'twice@conflict.test' } },
					{ json: { email: 'twice@conflict.test' } },
					{ json: { email: 'once@conflict.test' } },
				],
				continueOnFail: true,
			});
			expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			expect(items[0].json).toMatchObject({ email: 'twice@conflict.test' });
			expect(items[1].json).toEqual({
				error: 'A user with email twice@conflict.test already exists [item 1]',
				errorType: 'ConflictError',
			});
			expect(items[2].json).toMatchObject({ email: 'once@conflict.test' });
		});
	});
});
