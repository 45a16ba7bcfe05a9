import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeProperties, INodeType } from 'n8n-workflow';

import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { OphirQueue } from '../../nodes/OphirQueue/OphirQueue.node';
import { OphirTrack } from '../../nodes/OphirTrack/OphirTrack.node';
import { OphirTrackTrigger } from '../../nodes/OphirTrackTrigger/OphirTrackTrigger.node';

interface WorkflowNode {
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { name: string }>;
	webhookId?: string;
}
interface Workflow {
	id: string;
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, { main: Array<Array<{ node: string }>> }>;
	settings: Record<string, unknown>;
}

const DIR = join(__dirname, '..', '..', 'workflows');
const workflows: Array<[string, Workflow]> = readdirSync(DIR)
	.filter((file) => file.endsWith('.json'))
	.map((file) => [file, JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Workflow]);
const OPHIR: Record<string, INodeType> = Object.fromEntries(
	[new OphirCampaign(), new OphirQueue(), new OphirTrack(), new OphirTrackTrigger()].map((node) => [
		`n8n-nodes-ophir.${node.description.name}`,
		node,
	]),
);

/** Whether a version condition of displayOptions holds: a version listed, or { _cnd: { gte } }. */
const versionMatches = (condition: unknown, version: number) =>
	typeof condition === 'object' && condition !== null
		? version >= (condition as { _cnd: { gte: number } })._cnd.gte
		: condition === version;

/** Whether a property is shown for these parameters (n8n's displayOptions.show, one level, and @version). */
function shown(property: INodeProperties, parameters: Record<string, unknown>, version: number): boolean {
	return Object.entries(property.displayOptions?.show ?? {}).every(([name, values]) =>
		name === '@version'
			? (values as unknown[]).some((condition) => versionMatches(condition, version))
			: (values as unknown[]).includes(parameters[name] ?? undefined),
	);
}

/** Static checks of the bundled workflows; the end-to-end suite imports and runs them in a real n8n. */
describe('bundled workflows', () => {
	it('are the six the product needs', () => {
		expect(workflows.map(([, w]) => w.name).sort()).toEqual([
			'OPhir Daily Maintenance',
			'OPhir Error Log',
			'OPhir Replies and Bounces',
			'OPhir Scheduler',
			'OPhir Sender',
			'OPhir Tracking',
		]);
	});

	describe.each(workflows)('%s', (_file, workflow) => {
		it('has unique node names, connections between existing nodes, and a sticky note telling what to configure', () => {
			const names = workflow.nodes.map((node) => node.name);
			expect(new Set(names).size).toBe(names.length);
			for (const [from, outputs] of Object.entries(workflow.connections)) {
				expect(names).toContain(from);
				for (const target of outputs.main.flat()) expect(names).toContain(target.node);
			}
			const notes = workflow.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
			expect(notes.length).toBeGreaterThan(0);
			expect(String(notes[0].parameters.content)).toMatch(/Configure/);
		});

		it('uses OPhir nodes with parameters they have, and the OPhir credential by name', () => {
			for (const node of workflow.nodes.filter((n) => n.type.startsWith('n8n-nodes-ophir.'))) {
				const type = OPHIR[node.type];
				expect(type).toBeDefined();
				// Bundled workflows use each node's newest version, the one a user drags in.
				expect(node.typeVersion).toBe(type.description.defaultVersion ?? type.description.version);
				expect(node.credentials).toEqual({ ophirPostgresApi: { name: 'OPhir' } });
				const visible = type.description.properties.filter((property) =>
					shown(property, node.parameters, node.typeVersion),
				);
				for (const name of Object.keys(node.parameters)) {
					expect([node.name, name, visible.some((property) => property.name === name)]).toEqual([
						node.name,
						name,
						true,
					]);
				}
			}
		});

		const VERSION_2_ONLY = new Set(['organizations', 'organizationIds']);

		it('keeps every parameter a version 1 node of it had (workflows saved before the pickers still load)', () => {
			for (const node of workflow.nodes.filter((n) => n.type.startsWith('n8n-nodes-ophir.'))) {
				const { properties } = OPHIR[node.type].description;
				// The Organizations option (platform mode) came with version 2; a version 1 node runs for its own.
				for (const name of Object.keys(node.parameters).filter((n) => !VERSION_2_ONLY.has(n))) {
					const visible = properties.some((property) => property.name === name && shown(property, node.parameters, 1));
					expect([node.name, name, visible]).toEqual([node.name, name, true]);
				}
			}
		});

		it('names the error log as its error workflow (the error log itself excepted)', () => {
			if (workflow.name === 'OPhir Error Log') expect(workflow.id).toBe('OphirErrorLog001');
			else expect(workflow.settings.errorWorkflow).toBe('OphirErrorLog001');
		});
	});

	it('serves tracking under a fixed webhook id, so the Tracking Base URL is known in advance', () => {
		const tracking = workflows.find(([, w]) => w.name === 'OPhir Tracking')![1];
		expect(tracking.nodes.find((node) => node.type === 'n8n-nodes-ophir.ophirTrackTrigger')?.webhookId).toBe(
			'ophir-tracking',
		);
	});
});
