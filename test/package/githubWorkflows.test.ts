/**
 * The GitHub Actions workflows cannot run here, so their shape is checked: CI runs .ci/run on every push and pull
 * request with the Node of .nvmrc; a v* tag builds, tests and publishes with provenance.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');

interface Step {
	uses?: string;
	run?: string;
	with?: Record<string, string>;
	env?: Record<string, string>;
}

interface Workflow {
	on: Record<string, { tags?: string[] } | null>;
	permissions?: Record<string, string>;
	jobs: Record<string, { 'runs-on': string; steps: Step[] }>;
}

function workflow(name: string): { workflow: Workflow; steps: Step[] } {
	const parsed = parse(readFileSync(join(ROOT, '.github', 'workflows', name), 'utf8')) as Workflow;
	const jobs = Object.values(parsed.jobs);
	expect(jobs).toHaveLength(1);
	return { workflow: parsed, steps: jobs[0].steps };
}

/** Index of the first step that uses the action (any version) or runs exactly the command. */
function stepIndex(steps: Step[], match: { uses?: string; run?: string }): number {
	return steps.findIndex((step) =>
		match.uses ? step.uses?.split('@')[0] === match.uses : step.run?.trim() === match.run,
	);
}

function expectNodeFromNvmrc(steps: Step[]): void {
	const setupNode = steps[stepIndex(steps, { uses: 'actions/setup-node' })];
	expect(setupNode.with?.['node-version-file']).toBe('.nvmrc');
}

describe('GitHub workflows', () => {
	it('ci.yml runs .ci/run on every push and pull request, after checkout and Node from .nvmrc', () => {
		const { workflow: ci, steps } = workflow('ci.yml');
		expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
		expect(ci.on.push).toBeNull(); // every branch and tag
		const checkout = stepIndex(steps, { uses: 'actions/checkout' });
		const setupNode = stepIndex(steps, { uses: 'actions/setup-node' });
		const run = stepIndex(steps, { run: 'bash .ci/run' });
		expect([checkout, setupNode, run].every((index) => index >= 0)).toBe(true);
		expect(checkout).toBeLessThan(setupNode);
		expect(setupNode).toBeLessThan(run);
		expectNodeFromNvmrc(steps);
	});

	it('publish.yml builds, tests and publishes a v* tag with provenance', () => {
		const { workflow: publish, steps } = workflow('publish.yml');
		expect(publish.on).toEqual({ push: { tags: ['v*'] } });
		expect(publish.permissions?.['id-token']).toBe('write');
		expectNodeFromNvmrc(steps);
		const setupNode = steps[stepIndex(steps, { uses: 'actions/setup-node' })];
		expect(setupNode.with?.['registry-url']).toBe('https://registry.npmjs.org');

		const order = [
			stepIndex(steps, { uses: 'actions/checkout' }),
			stepIndex(steps, { uses: 'actions/setup-node' }),
			stepIndex(steps, { run: 'npm ci --no-audit --no-fund' }),
			stepIndex(steps, { run: 'npm run build' }),
			stepIndex(steps, { run: 'npm test' }),
			stepIndex(steps, { run: 'npm publish --provenance --access public' }),
		];
		expect(order.every((index) => index >= 0)).toBe(true);
		expect([...order].sort((a, b) => a - b)).toEqual(order);
		const publishStep = steps[order[order.length - 1]];
		expect(publishStep.env?.NODE_AUTH_TOKEN).toMatch(/^\$\{\{ *secrets\.\w+ *\}\}$/);
	});
});
