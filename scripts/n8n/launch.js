// Starts a real n8n (the pinned version, on the Node 24 binary from install.js) with this package installed the
// way n8n installs a community package, and PostgreSQL as n8n's own database. Used by `npm start` and the
// end-to-end tests.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startEmbeddedPostgres } = require('../embeddedPostgres');
const { eventually, freePort } = require('../lib/wait');
const { ensureN8nInstalled } = require('./install');

const PACKAGE_DIR = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = require(path.join(PACKAGE_DIR, 'package.json')).name;

/**
 * @param {string[]} args
 * @param {string} cwd
 */
function npm(args, cwd) {
	const command = process.platform === 'win32' ? 'npm.cmd' : 'npm';
	const result = spawnSync(command, args, {
		cwd,
		encoding: 'utf8',
		env: { ...process.env, npm_config_loglevel: 'error' },
	});
	if (result.status !== 0) {
		throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
	}
	return result.stdout;
}

/**
 * What a user gets from Settings → Community Nodes → Install: the packed package (only its `files`, i.e. dist/)
 * installed with its runtime dependencies into `<user folder>/.n8n/nodes`. A symlink there is not loaded by n8n.
 */
function installCommunityPackage(/** @type {string} */ userFolder, packageDir = PACKAGE_DIR) {
	for (const built of require(path.join(packageDir, 'package.json')).n8n.nodes) {
		if (!fs.existsSync(path.join(packageDir, built))) {
			throw new Error(`${built} is missing: run \`npm run build\` first`);
		}
	}
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	const manifest = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(manifest)) {
		fs.writeFileSync(
			manifest,
			`${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2)}\n`,
		);
	}
	// The tarball stays in the nodes folder: package.json refers to it, so later installs there keep working.
	const [{ filename }] = JSON.parse(
		npm(['pack', '--json', '--ignore-scripts', '--pack-destination', nodesDir, packageDir], nodesDir),
	);
	const tarball = path.join(nodesDir, `${PACKAGE_NAME}.tgz`);
	fs.renameSync(path.join(nodesDir, filename), tarball);
	// A rebuilt package has the same version: remove the old copy so npm unpacks the new one.
	fs.rmSync(path.join(nodesDir, 'node_modules', PACKAGE_NAME), { recursive: true, force: true });
	// n8n-workflow is a peer dependency that n8n itself provides; npm must not install a second copy.
	npm(
		[
			'install',
			`./${PACKAGE_NAME}.tgz`,
			'--omit=dev',
			'--omit=peer',
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			'--legacy-peer-deps',
		],
		nodesDir,
	);
}

/**
 * Creates `database` on the server of `adminUrl` when it does not exist yet.
 * @param {string} adminUrl
 * @param {string} database
 */
async function ensureDatabase(adminUrl, database) {
	const { Client } = require('pg');
	const client = new Client({ connectionString: adminUrl });
	await client.connect();
	try {
		const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
		if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
	} finally {
		await client.end();
	}
}

/**
 * n8n's DB_* environment variables for a PostgreSQL URL.
 * @param {string} url
 */
function databaseEnv(url) {
	const parsed = new URL(url);
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: parsed.hostname,
		DB_POSTGRESDB_PORT: parsed.port || '5432',
		DB_POSTGRESDB_DATABASE: decodeURIComponent(parsed.pathname.slice(1)),
		DB_POSTGRESDB_USER: decodeURIComponent(parsed.username),
		DB_POSTGRESDB_PASSWORD: decodeURIComponent(parsed.password),
	};
}

/** @typedef {{ code: number | null, signal: NodeJS.Signals | null }} ExitStatus */

/**
 * @typedef {object} LaunchOptions
 * @property {string} [userFolder]
 * @property {string} [adminUrl]
 * @property {string} [n8nDatabase]
 * @property {number} [port]
 * @property {Record<string, string>} [env]
 * @property {boolean} [installPackage]
 * @property {(line: string) => void} [log]
 * @property {number} [timeoutMs]
 */

/**
 * @typedef {object} N8nInstance
 * @property {string} url
 * @property {number} port
 * @property {string} userFolder
 * @property {string} logFile
 * @property {string} adminUrl
 * @property {() => string} logs
 * @property {() => ExitStatus | undefined} exited
 * @property {Promise<ExitStatus>} whenExited
 * @property {() => Promise<void>} stop
 */

/**
 * Starts n8n and resolves once it answers `GET /healthz/readiness` (its database is migrated and it serves
 * requests), to { url, port, userFolder, logFile, adminUrl, logs(), exited(), whenExited, stop() }.
 * Options:
 *   userFolder       N8N_USER_FOLDER (default: a new temporary folder, removed by stop())
 *   adminUrl         a PostgreSQL connection string whose role may create databases; n8n's database is created
 *                    on that server (default: an embedded PostgreSQL in the user folder, stopped by stop())
 *   n8nDatabase      the database name for n8n's own tables (default 'n8n')
 *   port             (default: a free port)
 *   env              more environment variables for n8n
 *   installPackage   install this package into the user folder first (default true)
 *   log              progress lines (default: stderr)
 *   timeoutMs        how long to wait for n8n to answer (default 240 s)
 * @param {LaunchOptions} [options]
 * @returns {Promise<N8nInstance>}
 */
async function launchN8n(options = {}) {
	const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
	const paths = await ensureN8nInstalled({ log });
	const temporary = !options.userFolder;
	const userFolder = path.resolve(options.userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ophir-n8n-')));
	fs.mkdirSync(userFolder, { recursive: true });
	// Run as root, the embedded PostgreSQL server runs as user postgres and must reach its data folder inside.
	if (process.getuid?.() === 0) fs.chmodSync(userFolder, 0o711);
	/** @type {Array<() => Promise<unknown>>} */
	const cleanups = [];
	const cleanup = async () => {
		for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
	};
	try {
		if (options.installPackage !== false) installCommunityPackage(userFolder);

		let adminUrl = options.adminUrl;
		if (!adminUrl) {
			// A password of its own, kept beside the data so a persistent user folder restarts with it.
			const secretFile = path.join(userFolder, 'postgres.secret');
			if (!fs.existsSync(secretFile)) fs.writeFileSync(secretFile, randomBytes(16).toString('hex'), { mode: 0o600 });
			const pg = await startEmbeddedPostgres({
				dataDir: path.join(userFolder, 'postgres', 'data'),
				password: fs.readFileSync(secretFile, 'utf8').trim(),
				persistent: true,
			});
			cleanups.push(() => pg.stop());
			adminUrl = pg.url;
		}
		const n8nDatabase = options.n8nDatabase ?? 'n8n';
		await ensureDatabase(adminUrl, n8nDatabase);
		const dbUrl = new URL(adminUrl);
		dbUrl.pathname = `/${n8nDatabase}`;

		const port = options.port ?? (await freePort());
		const logFile = path.join(userFolder, 'n8n.log');
		/** @type {NodeJS.ProcessEnv} */
		const env = {
			...process.env,
			...databaseEnv(dbUrl.toString()),
			N8N_USER_FOLDER: userFolder,
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: 'localhost',
			N8N_PROTOCOL: 'http',
			N8N_WEBHOOK_URL: `http://localhost:${port}/`,
			N8N_EDITOR_BASE_URL: `http://localhost:${port}/`,
			// Under NODE_ENV=test (jest sets it) n8n exits at once without a word; n8n's own images use production.
			NODE_ENV: 'production',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_LOG_LEVEL: 'warn',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
			// Plain http on localhost: the session cookie must not require https.
			N8N_SECURE_COOKIE: 'false',
			// The task broker (it runs Code nodes) listens on 5679 by default; when another n8n on this machine holds
			// that port (a parallel test file, another checkout's `npm start`), n8n exits at start with code 1 and no
			// message at log level warn.
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			...options.env,
		};
		// Settings meant for this process (jest's, npm's) must not leak into n8n's.
		for (const key of Object.keys(env)) if (key.startsWith('npm_') || key === 'NODE_OPTIONS') delete env[key];

		const out = fs.openSync(logFile, 'a');
		const child = spawn(
			process.execPath,
			[path.join(__dirname, 'supervise.js'), paths.nodeBinary, paths.n8nBin, 'start'],
			{ env, stdio: ['pipe', out, out] },
		);
		fs.closeSync(out);
		/** @type {ExitStatus | undefined} */
		let exited;
		/** @type {Promise<ExitStatus>} */
		const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
		cleanups.push(async () => {
			if (!exited) {
				child.stdin?.end(); // the supervisor stops n8n's whole process group
				await exit;
			}
		});
		const logs = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
		const url = `http://localhost:${port}`;
		await waitUntilReady(`${url}/healthz/readiness`, {
			timeoutMs: options.timeoutMs ?? 240_000,
			exited: () => exited,
			logs,
		});
		return {
			url,
			port,
			userFolder,
			logFile,
			adminUrl,
			logs,
			exited: () => exited,
			/** Resolves with { code, signal } when n8n has ended, whether stopped or crashed. */
			whenExited: exit,
			async stop() {
				await cleanup();
				if (temporary) fs.rmSync(userFolder, { recursive: true, force: true });
			},
		};
	} catch (error) {
		await cleanup();
		if (temporary && !process.env.OPHIR_KEEP_N8N_FOLDER) fs.rmSync(userFolder, { recursive: true, force: true });
		throw error;
	}
}

/**
 * Waits until an n8n process answers its readiness URL; fails at once, with the end of its log, if it exits first.
 * @param {string} readinessUrl
 * @param {{ name?: string, timeoutMs: number, exited: () => ExitStatus | undefined, logs: () => string }} options
 */
async function waitUntilReady(readinessUrl, { name = 'n8n', timeoutMs, exited, logs }) {
	/** @param {string} message */
	const withLog = (message) => new Error(`${message}. Its log:\n${logs().split('\n').slice(-80).join('\n')}`);
	const ready = () =>
		fetch(readinessUrl).then(
			(response) => response.ok,
			() => false, // not listening yet
		);
	const outcome = await eventually(
		`${name} at ${readinessUrl}`,
		async () => exited() ?? (await ready()),
		timeoutMs,
		500,
	).catch((error) => {
		throw withLog(error.message);
	});
	if (outcome !== true)
		throw withLog(`${name} exited (${outcome.signal ?? `code ${outcome.code}`}) before it was ready`);
}

module.exports = { launchN8n, installCommunityPackage, ensureDatabase, databaseEnv, waitUntilReady };
