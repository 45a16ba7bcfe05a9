import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { eventually } from '../../scripts/lib/wait';
import { launchN8n, type N8nInstance } from '../../scripts/n8n/launch';
import type { Execution, N8nClient, WorkflowJson } from '../../scripts/n8n/rest';
import { ensureFreshBuild } from '../e2e/build';
import { adminQuery, adminUrl, createTestDatabase, type TestDatabase } from './database';
import { type ReceivedMail, SmtpSink } from './smtpSink';

// What the end-to-end tests in a real n8n share: the bundled workflows, running a workflow or one OPhir node through
// n8n's REST API, fetching a production webhook, and reading the tracking links of an email that arrived.

const ROOT = join(__dirname, '..', '..');

/** The bundled workflows (workflows/*.json) as shipped, by file name order. */
export function bundledWorkflows(): Array<WorkflowJson & { id: string }> {
	return readdirSync(join(ROOT, 'workflows'))
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => JSON.parse(readFileSync(join(ROOT, 'workflows', file), 'utf8')) as WorkflowJson & { id: string });
}

/** The bundled workflow of that name. */
export function bundledNamed(name: string): WorkflowJson & { id: string } {
	const found = bundledWorkflows().find((workflow) => workflow.name === name);
	if (!found) throw new Error(`No bundled workflow named ${name}`);
	return found;
}

/** Runs a saved workflow as the editor's "Execute workflow" does; fails with n8n's error if the run failed. */
export async function runSucceeded(client: N8nClient, workflowId: string, triggerName?: string): Promise<Execution> {
	const execution = await client.runWorkflow(workflowId, { triggerName });
	if (execution.status !== 'success') {
		throw new Error(
			`Workflow ${workflowId} ended ${execution.status}: ${execution.error?.message ?? JSON.stringify(execution.error)}`,
		);
	}
	return execution;
}

/**
 * A workflow a user would click together for one task: Manual Trigger → Code (the input items) → one OPhir node with
 * the named credential. Runs it and returns that node's output. The node is typeVersion 1 unless `node` says
 * otherwise (as saved before version 2: old workflows still run in a real n8n).
 */
export async function runOneNode(
	client: N8nClient,
	name: string,
	node: { type: string; typeVersion?: number; parameters: Record<string, unknown> },
	{ input = [{}], credential = 'OPhir' }: { input?: object[]; credential?: string } = {},
): Promise<Array<Record<string, unknown>>> {
	const workflow = await client.createWorkflow({
		name: `e2e: ${name}`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: randomUUID(),
				name: 'Input',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [220, 0],
				parameters: { jsCode: `return ${JSON.stringify(input.map((json) => ({ json })))};` },
			},
			{
				id: randomUUID(),
				name: 'OPhir',
				typeVersion: 1,
				position: [440, 0],
				...node,
				credentials: { ophirPostgresApi: { name: credential } },
			},
		],
		connections: {
			Start: { main: [[{ node: 'Input', type: 'main', index: 0 }]] },
			Input: { main: [[{ node: 'OPhir', type: 'main', index: 0 }]] },
		},
	});
	return (await runSucceeded(client, workflow.id, 'Start')).output('OPhir') ?? [];
}

/**
 * Fetches a production webhook URL of n8n. Activating a workflow publishes it through n8n's publication outbox,
 * which registers its webhooks a moment later (on the webhook process, in queue mode): until then n8n answers 404
 * "… is not registered".
 */
export async function fetchWebhook(url: string, init: RequestInit = {}, timeoutMs?: number): Promise<Response> {
	return eventually(
		`n8n to serve ${url}`,
		async () => {
			const response = await fetch(url, { redirect: 'manual', ...init });
			if (response.status === 404 && /not registered/i.test(await response.clone().text())) return undefined;
			return response;
		},
		timeoutMs,
	);
}

export const decodeHtml = (text: string) =>
	text
		.replace(/&amp;/g, '&')
		.replace(/&quot;/g, '"')
		.replace(/&#x27;|&#39;/g, "'");

/** A header as sent (unfolded), from the raw header lines: mailparser turns List-* headers into objects. */
export function header(mail: ReceivedMail, name: string): string | undefined {
	const line = mail.parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
	return line
		?.slice(line.indexOf(':') + 1)
		.replace(/\r?\n[ \t]+/g, ' ')
		.trim();
}

/** What the recipient's mail client offers: the https (here http) one-click unsubscribe URL. */
export function unsubscribeUrl(mail: ReceivedMail): string {
	const url = /<(https?:[^>]+)>/.exec(header(mail, 'List-Unsubscribe') ?? '')?.[1];
	if (!url) throw new Error(`No unsubscribe URL in ${header(mail, 'List-Unsubscribe')}`);
	return url;
}

/** The tracking URLs under `trackingBase` in an email's HTML: its open pixel, and its links but the unsubscribe one. */
export function trackingUrls(mail: ReceivedMail, trackingBase: string): { pixels: string[]; links: string[] } {
	const html = String(mail.parsed.html);
	const urls = (pattern: RegExp) =>
		[...html.matchAll(pattern)].map((m) => decodeHtml(m[1])).filter((url) => url.startsWith(`${trackingBase}/`));
	return {
		pixels: urls(/<img[^>]+src="([^"]+)"/g),
		links: urls(/<a[^>]+href="([^"]+)"/g).filter((url) => url !== unsubscribeUrl(mail)),
	};
}

/** What an end-to-end test in a real n8n runs against, once its describe block's beforeAll ran. */
export interface RealN8n {
	n8n: N8nInstance;
	/** OPhir's own database (n8n keeps its data in another one). */
	db: TestDatabase;
	sink: SmtpSink;
	/** The Tracking Base URL of the bundled Tracking workflow on this n8n. */
	trackingBase: string;
}

/**
 * For the describe block that calls it: a fresh build of the package, an OPhir test database, an SMTP sink and the
 * pinned n8n with OPhir installed (n8n's own data in a database of its own), started before the block's tests and
 * stopped and dropped after them. `current()` gives them once started.
 */
export function realN8nFixture(): { current(): RealN8n } {
	const n8nDatabase = `n8n_e2e_${randomBytes(6).toString('hex')}`;
	let started: Partial<RealN8n> = {};
	beforeAll(async () => {
		await ensureFreshBuild();
		started.db = await createTestDatabase();
		started.sink = await new SmtpSink().start();
		started.n8n = await launchN8n({
			adminUrl: adminUrl(),
			n8nDatabase,
			log: (line) => process.stderr.write(`${line}\n`),
		});
		started.trackingBase = `${started.n8n.url}/webhook/ophir-tracking`;
	});
	afterAll(async () => {
		await started.n8n?.stop();
		await started.sink?.stop();
		await adminQuery(`DROP DATABASE IF EXISTS ${n8nDatabase} WITH (FORCE)`);
		await started.db?.drop();
		started = {};
	});
	return {
		current() {
			if (!started.trackingBase) throw new Error('realN8nFixture: n8n runs only once the block’s beforeAll ran');
			return started as RealN8n;
		},
	};
}
