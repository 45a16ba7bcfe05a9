import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, sleep } from '../../scripts/lib/wait';

const ROOT = join(__dirname, '..', '..');

/**
 * `npm start`'s job, as a newcomer runs it (after the build, which `npm start` does first): it brings up n8n with
 * OPhir, the workflows and the demo campaign, whose emails arrive in the local inbox; Ctrl+C stops everything;
 * a second start reuses the data and does not duplicate the demo.
 */
describe('npm start', () => {
	const dataDir = mkdtempSync(join(tmpdir(), 'ophir-start-'));
	// Run as root, the embedded PostgreSQL runs as user postgres, which must reach its data folder below this one.
	chmodSync(dataDir, 0o755);

	beforeAll(() => {
		if (!existsSync(join(ROOT, 'dist', 'nodes', 'core', 'db', 'migrations.js'))) {
			const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
			if (build.status !== 0) throw new Error('npm run build failed');
		}
	});
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

	/** Starts scripts/start.js and resolves with its output once it says it is ready. */
	async function start(port: number): Promise<{ child: ChildProcess; output: () => string }> {
		// The test runner's own database settings must not leak into the newcomer's start.
		const env: NodeJS.ProcessEnv = {
			...process.env,
			OPHIR_DATA_DIR: dataDir,
			N8N_PORT: String(port),
			NODE_ENV: 'production',
		};
		for (const key of ['DATABASE_URL', 'DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD', 'TEST_DATABASE_URL'])
			delete env[key];
		const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.js')], {
			cwd: ROOT,
			env,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stdout!.on('data', (chunk) => (output += chunk));
		child.stderr!.on('data', (chunk) => (output += chunk));
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`npm start was not ready in 8 minutes:\n${output}`)), 8 * 60_000);
			const check = setInterval(() => {
				if (output.includes('Press Ctrl+C to stop.')) {
					clearInterval(check);
					clearTimeout(timer);
					resolve();
				}
			}, 200);
			child.once('exit', (code) => {
				clearInterval(check);
				clearTimeout(timer);
				reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`));
			});
		});
		return { child, output: () => output };
	}

	async function stop(child: ChildProcess): Promise<number | null> {
		const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
		child.kill('SIGINT');
		return exited;
	}

	const line = (output: string, label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(output)?.[1];

	it(
		'brings up the editor, the workflows and the demo in the local inbox; stops on Ctrl+C; restarts without duplicates',
		async () => {
			const first = await start(await freePort());
			let inboxUrl: string | undefined;
			try {
				const output = first.output();
				const editorUrl = line(output, 'n8n editor');
				inboxUrl = line(output, 'local inbox');
				expect(editorUrl).toBeDefined();
				expect(inboxUrl).toBeDefined();
				expect((await fetch(`${editorUrl}/healthz`)).status).toBe(200);
				expect((await fetch(inboxUrl!, { headers: { accept: 'text/html' } })).status).toBe(200);
				expect(output).toMatch(/OPhir Sender \(imported and activated\)/);
				expect(output).toMatch(/OPhir Tracking \(imported and activated\)/);
				expect(output).toMatch(
					/OPhir Replies and Bounces \(imported; activate it after setting your IMAP credential\)/,
				);
				expect(output).toMatch(/demo campaign:.*\(created\)/);
				// The demo's first step reaches the inbox (the start runs the Scheduler and the Sender once): the one set of
				// workflows sends for both demo organizations, each from its own mailbox.
				type Received = { subject: string; from: Array<{ address: string }> };
				let emails: Received[] = [];
				for (let waited = 0; emails.length < 5 && waited < 60_000; waited += 1000) {
					emails = (await (await fetch(`${inboxUrl}/api/email`)).json()) as Received[];
					if (emails.length < 5) await sleep(1000);
				}
				expect(emails.length).toBeGreaterThanOrEqual(5);
				expect([...new Set(emails.map((email) => email.from[0].address))].sort()).toEqual([
					'hello@northwind.ophir.local',
					'hi@contoso.ophir.local',
				]);
			} finally {
				expect(await stop(first.child)).toBe(0);
			}
			expect(first.output()).toMatch(/Stopped\. Your data is kept in/);

			const second = await start(await freePort());
			try {
				expect(second.output()).toMatch(/demo campaign:.*\(already there\)/);
				expect(second.output()).toMatch(/OPhir Sender \(already there\)/);
				expect(second.output()).not.toMatch(/Created the n8n owner account/);
			} finally {
				expect(await stop(second.child)).toBe(0);
			}
		},
		20 * 60_000,
	);
});
