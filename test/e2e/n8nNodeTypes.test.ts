/**
 * OPhir inside a real n8n (the pinned version on Node 24, installed once into the user cache by
 * scripts/n8n/install.js): the package is packed and installed as a community package, n8n keeps its own tables
 * in a database of the test server, and everything is driven through n8n's REST API as the editor does.
 * The first run on a machine installs n8n (~3 GB, a few minutes); later runs start it in ~15 s.
 */
import { randomBytes } from 'node:crypto';

import { launchN8n, type N8nInstance } from '../../scripts/n8n/launch';
import { N8nClient } from '../../scripts/n8n/rest';
import { adminQuery, adminUrl, createTestDatabase, type TestDatabase } from '../support/database';
import { ensureFreshBuild } from './build';

jest.setTimeout(15 * 60_000);

const SYSTEM_ORGANIZATION = '00000000-0000-0000-0000-000000000001';

describe('OPhir in a real n8n', () => {
	const n8nDatabase = `n8n_e2e_${randomBytes(6).toString('hex')}`;
	let ophirDb: TestDatabase;
	let n8n: N8nInstance | undefined;
	let client: N8nClient;

	beforeAll(async () => {
		await ensureFreshBuild();
		ophirDb = await createTestDatabase();
		n8n = await launchN8n({
			adminUrl: adminUrl(),
			n8nDatabase,
			log: (line) => process.stderr.write(`${line}\n`),
		});
		client = new N8nClient(n8n.url);
		expect(await client.needsOwnerSetup()).toBe(true);
		await client.setupOwner({ email: 'owner@e2e.ophir.test', password: `E2e-${randomBytes(9).toString('hex')}-7` });
	});

	afterAll(async () => {
		await n8n?.stop();
		await adminQuery(`DROP DATABASE IF EXISTS ${n8nDatabase} WITH (FORCE)`);
		await ophirDb?.drop();
	});

	describe("the editor's node panel", () => {
		it.each([
			'n8n-nodes-ophir.ophirCampaign',
			'n8n-nodes-ophir.ophirQueue',
			'n8n-nodes-ophir.ophirTrack',
			'n8n-nodes-ophir.ophirTrackTrigger',
		])('lists %s with a light and a dark icon that n8n serves', async (name) => {
			const nodeType = (await client.nodeTypes()).find((type) => type.name === name);

			expect(nodeType).toBeDefined();
			expect(nodeType?.iconUrl).toEqual({
				light: 'icons/n8n-nodes-ophir/dist/icons/ophir.svg',
				dark: 'icons/n8n-nodes-ophir/dist/icons/ophir.dark.svg',
			});
			for (const icon of Object.values(nodeType?.iconUrl as Record<string, string>)) {
				const response = await client.fetchRaw(`/${icon}`);
				expect(response.status).toBe(200);
				expect(await response.text()).toContain('<svg');
			}
		});

		it('lists the four OPhir nodes (and the three action nodes as AI agent tools), the tracking trigger among the triggers with its GET, HEAD and POST webhooks', async () => {
			const nodeTypes = await client.nodeTypes();
			const ophir = nodeTypes.filter((type) => String(type.name).startsWith('n8n-nodes-ophir.'));
			const trigger = ophir.find((type) => type.name === 'n8n-nodes-ophir.ophirTrackTrigger');

			expect(ophir.map((type) => type.name).sort()).toEqual([
				'n8n-nodes-ophir.ophirCampaign',
				'n8n-nodes-ophir.ophirCampaignTool',
				'n8n-nodes-ophir.ophirQueue',
				'n8n-nodes-ophir.ophirQueueTool',
				'n8n-nodes-ophir.ophirTrack',
				'n8n-nodes-ophir.ophirTrackTool',
				'n8n-nodes-ophir.ophirTrackTrigger',
			]);
			expect(trigger?.group).toEqual(['trigger']);
			expect(new Set((trigger?.webhooks as Array<{ httpMethod: string }>).map((w) => w.httpMethod))).toEqual(
				new Set(['GET', 'HEAD', 'POST']),
			);
		});

		it('offers the OPhir PostgreSQL credential type with its fields and icon', async () => {
			const credentialType = (await client.credentialTypes()).find((type) => type.name === 'ophirPostgresApi');

			expect(credentialType).toMatchObject({
				displayName: 'OPhir PostgreSQL',
				iconUrl: { light: 'icons/n8n-nodes-ophir/dist/icons/ophir.svg' },
			});
			const fields = (credentialType?.properties as Array<{ name: string }>).map((p) => p.name);
			expect(fields).toEqual(
				expect.arrayContaining([
					'connection',
					'connectionString',
					'organizationId',
					'encryptionKey',
					'trackingSecret',
					'trackingBaseUrl',
				]),
			);
		});
	});

	describe('a workflow run from the editor', () => {
		it('runs Manual Trigger → OPhir Campaign (Database → Get Schema Status) and reports the schema up to date', async () => {
			const credential = await client.createOphirCredential({
				name: 'OPhir e2e',
				connectionString: ophirDb.url,
				organizationId: SYSTEM_ORGANIZATION,
				encryptionKey: randomBytes(32).toString('hex'),
				trackingSecret: randomBytes(32).toString('hex'),
				trackingBaseUrl: `${n8n?.url}/webhook/ophir`,
			});
			const workflow = await client.createWorkflow({
				name: 'OPhir e2e: schema status',
				nodes: [
					{
						id: 'b3c0f7e2-0d6b-4a57-9d7e-5b9b7c1a0001',
						name: 'When clicking Execute workflow',
						type: 'n8n-nodes-base.manualTrigger',
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
					{
						id: 'b3c0f7e2-0d6b-4a57-9d7e-5b9b7c1a0002',
						name: 'Get Schema Status',
						type: 'n8n-nodes-ophir.ophirCampaign',
						typeVersion: 1,
						position: [220, 0],
						parameters: { resource: 'database', operation: 'getSchemaStatus' },
						credentials: { ophirPostgresApi: { name: 'OPhir e2e' } },
					},
				],
				connections: {
					'When clicking Execute workflow': {
						main: [[{ node: 'Get Schema Status', type: 'main', index: 0 }]],
					},
				},
			});
			expect(workflow.nodes[1].credentials).toEqual({ ophirPostgresApi: { id: credential.id, name: 'OPhir e2e' } });

			const execution = await client.runWorkflow(workflow.id, { triggerName: 'When clicking Execute workflow' });

			expect(execution.error).toBeUndefined();
			expect(execution.status).toBe('success');
			const [status] = execution.output('Get Schema Status') ?? [];
			expect(status).toMatchObject({ upToDate: true, pending: [] });
			const saved = await client.listExecutions({ workflowId: workflow.id });
			expect(saved.map((e) => [e.id, e.mode, e.status])).toEqual([[execution.id, 'manual', 'success']]);
		});
	});
});
