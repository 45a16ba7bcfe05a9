/**
 * The end-to-end tests load the package the way n8n does: from its build (dist/). A build older than the sources
 * would test old code without a word, so it is rebuilt when missing or stale. The two e2e files run in parallel
 * workers; a lock keeps them from building (and `gulp clean`-ing) under each other's feet.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sleep } from '../../scripts/lib/wait';

export const ROOT = join(__dirname, '..', '..');
const SOURCES = [
	'nodes',
	'credentials',
	'icons',
	'database',
	'workflows',
	'package.json',
	'tsconfig.json',
	'gulpfile.js',
];
const LOCK_STALE_MS = 5 * 60_000;

function newestMtime(path: string): number {
	if (!existsSync(path)) return 0;
	const stat = statSync(path);
	if (!stat.isDirectory()) return stat.mtimeMs;
	return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/** When the build was made: the oldest of the files n8n loads (gulp cleans dist/, so all are written together). */
function builtAt(): number {
	const { n8n } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const files = [...n8n.nodes, ...n8n.credentials].map((file) => join(ROOT, file));
	if (!files.every((file) => existsSync(file))) return 0;
	return Math.min(...files.map((file) => statSync(file).mtimeMs));
}

function isStale(): boolean {
	return builtAt() < Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
}

/** mkdir is atomic: whoever creates the folder holds the lock. */
function takeLock(lock: string): boolean {
	let failure: NodeJS.ErrnoException | undefined;
	try {
		mkdirSync(lock);
	} catch (error) {
		failure = error as NodeJS.ErrnoException;
	}
	if (!failure) return true;
	if (failure.code === 'EEXIST') return false;
	throw new Error(`Cannot create the build lock ${lock}: ${failure.message}`);
}

export async function ensureFreshBuild(): Promise<void> {
	const lock = join(tmpdir(), `ophir-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
	while (!takeLock(lock)) {
		const held = statSync(lock, { throwIfNoEntry: false });
		if (!held) continue; // released just now
		// A lock left behind by a killed run must not block every later one.
		if (Date.now() - held.mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
		await sleep(250);
	}
	try {
		if (!isStale()) return;
		const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
		if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}
