// n8n's own scale-out ("queue mode"): one main process (editor, REST API, schedules; it enqueues executions in
// Redis), N worker processes (`n8n worker`: they run the executions) and M webhook processes (`n8n webhook`: they
// serve production webhooks), all on one PostgreSQL database for n8n's tables and one Redis, each with OPhir
// installed as a community package in its own user folder. OPhir adds nothing for distribution: n8n schedules,
// PostgreSQL coordinates (leases, SKIP LOCKED claims). Used by the scale-out test and benchmark.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { startEmbeddedPostgres } = require('../embeddedPostgres');
const { cacheDir, ensureN8nInstalled } = require('./install');
const { freePort, sleep } = require('../lib/wait');
const { databaseEnv, ensureDatabase, installCommunityPackage, waitUntilReady } = require('./launch');

const SUPERVISOR = path.join(__dirname, 'supervise.js');

/** @typedef {import('./launch').ExitStatus} ExitStatus */

/**
 * @typedef {object} N8nProcess
 * @property {string} name
 * @property {'main' | 'worker' | 'webhook'} kind
 * @property {string} [url] the HTTP address of a main or webhook process
 * @property {string} logFile
 * @property {() => string} logs
 * @property {() => ExitStatus | undefined} exited
 * @property {Promise<ExitStatus> | undefined} whenExited set once the process was started
 * @property {() => number | undefined} pid
 * @property {() => Promise<void>} start
 * @property {() => Promise<void>} stop
 * @property {(signal?: NodeJS.Signals) => Promise<void>} kill
 * @property {() => Promise<void>} restart
 */

/**
 * @typedef {object} RedisServer
 * @property {string} host
 * @property {number} port
 * @property {boolean} started whether this call started a private redis-server (stopped by stop())
 * @property {() => Promise<void>} stop
 */

/**
 * @typedef {object} QueueModeOptions
 * @property {number} [workers]
 * @property {number} [webhooks]
 * @property {number} [concurrency]
 * @property {string} [adminUrl]
 * @property {string} [n8nDatabase]
 * @property {{ host: string, port: number, stop?: () => Promise<void> }} [redis]
 * @property {string} [encryptionKey]
 * @property {Record<string, string>} [env]
 * @property {boolean} [mainOnlyEditor]
 * @property {(line: string) => void} [log]
 * @property {number} [timeoutMs]
 */

/**
 * @typedef {object} QueueModeCluster
 * @property {string} url
 * @property {string} webhookUrl
 * @property {N8nProcess} main
 * @property {N8nProcess[]} workers
 * @property {N8nProcess[]} webhooks
 * @property {N8nProcess[]} processes
 * @property {{ host: string, port: number }} redis
 * @property {string} prefix
 * @property {string} encryptionKey
 * @property {string} adminUrl
 * @property {string} n8nDatabase
 * @property {string} root
 * @property {() => Map<string, string>} executionWorkers execution id → the worker that ran it, from the workers' logs
 * @property {() => Promise<void>} stop
 */

class RedisUnavailableError extends Error {}

/**
 * Resolves true when a Redis server answers PING at host:port.
 * @param {string} host
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function pingRedis(host, port, timeoutMs = 1000) {
	return new Promise((resolve) => {
		const socket = net.connect({ host, port });
		let answer = '';
		const done = (/** @type {boolean} */ ok) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(timeoutMs, () => done(false));
		socket.on('error', () => done(false));
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString('latin1');
			if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
		});
	});
}

/**
 * A Redis for queue mode: the one at host:port (default 127.0.0.1:6379, or REDIS_HOST / REDIS_PORT) when it
 * answers; otherwise a private `redis-server` on a free port (no persistence), stopped by stop(). Throws a
 * RedisUnavailableError when there is neither.
 * @param {{ host?: string, port?: number, log?: (line: string) => void }} [options]
 * @returns {Promise<RedisServer>}
 */
async function ensureRedis({
	host = process.env.REDIS_HOST || '127.0.0.1',
	port = Number(process.env.REDIS_PORT || 6379),
	log = () => undefined,
} = {}) {
	if (await pingRedis(host, port)) return { host, port, started: false, stop: async () => undefined };
	const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
	if (found.error || found.status !== 0) {
		throw new RedisUnavailableError(
			`No Redis answers at ${host}:${port} and no redis-server binary is installed: n8n's queue mode needs Redis`,
		);
	}
	const ownPort = await freePort();
	log(`Starting redis-server on 127.0.0.1:${ownPort} (none answered at ${host}:${port})`);
	const child = spawn(
		process.execPath,
		[
			SUPERVISOR,
			'redis-server',
			'--port',
			String(ownPort),
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'no',
			'--daemonize',
			'no',
		],
		{ stdio: ['pipe', 'ignore', 'ignore'] },
	);
	const exit = new Promise((resolve) => child.on('exit', resolve));
	const stop = async () => {
		child.stdin?.end();
		await exit;
	};
	for (let waited = 0; !(await pingRedis('127.0.0.1', ownPort)); waited += 100) {
		if (waited > 10_000 || child.exitCode !== null) {
			await stop();
			throw new RedisUnavailableError(`redis-server did not answer on 127.0.0.1:${ownPort}`);
		}
		await sleep(100);
	}
	return { host: '127.0.0.1', port: ownPort, started: true, stop };
}

/**
 * Deletes every key of one queue-mode cluster (its Bull queue, pub/sub and cache keys share `prefix`).
 * @param {{ host: string, port: number }} redis
 * @param {string} prefix
 */
async function deleteRedisKeys({ host, port }, prefix) {
	const Redis = require(path.join(cacheDir(), 'node_modules', 'ioredis'));
	const redis = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
	try {
		await redis.connect();
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
			if (keys.length) await redis.del(...keys);
			cursor = next;
		} while (cursor !== '0');
	} finally {
		redis.disconnect();
	}
}

/**
 * The pids of `parent`'s children (the supervisor has one: the n8n process, leader of its own group).
 * @param {number | undefined} parent
 */
function childPids(parent) {
	const result = spawnSync('ps', ['-o', 'pid=', '--ppid', String(parent)], { encoding: 'utf8' });
	return result.stdout
		.split('\n')
		.map((s) => Number(s.trim()))
		.filter(Boolean);
}

/**
 * One n8n process under supervise.js (its whole process group ends with it). Logs are appended to `logFile`, so a
 * restarted process keeps its earlier lines.
 * @param {{ name: string, kind: N8nProcess['kind'], args: string[], env: NodeJS.ProcessEnv, logFile: string,
 *   readinessUrl: string, url?: string, paths: import('./install').N8nInstall, timeoutMs: number }} options
 * @returns {N8nProcess}
 */
function n8nProcess({ name, kind, args, env, logFile, readinessUrl, url, paths, timeoutMs }) {
	/** @type {import('node:child_process').ChildProcess | undefined} */
	let child;
	/** @type {ExitStatus | undefined} */
	let exited;
	/** @type {Promise<ExitStatus> | undefined} */
	let whenExited;
	const logs = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');

	async function start() {
		const out = fs.openSync(logFile, 'a');
		const spawned = spawn(process.execPath, [SUPERVISOR, paths.nodeBinary, paths.n8nBin, ...args], {
			env,
			stdio: ['pipe', out, out],
		});
		child = spawned;
		fs.closeSync(out);
		exited = undefined;
		whenExited = new Promise((resolve) => spawned.on('exit', (code, signal) => resolve((exited = { code, signal }))));
		handle.whenExited = whenExited;
		await waitUntilReady(readinessUrl, { name: `n8n ${name}`, timeoutMs, exited: () => handle.exited(), logs });
	}

	const handle = {
		name,
		kind,
		url,
		logFile,
		logs,
		exited: () => exited,
		whenExited,
		/** The pid of the n8n process itself (not its supervisor). */
		pid: () => (child && !exited ? childPids(child.pid)[0] : undefined),
		start,
		/** Stops gracefully: SIGTERM to n8n's process group, SIGKILL after the supervisor's grace period. */
		async stop() {
			if (child && !exited) {
				child.stdin?.end();
				await whenExited;
			}
		},
		/**
		 * Ends n8n at once, as a crash or an OOM kill would: no graceful shutdown, nothing reported back.
		 * @param {NodeJS.Signals} [signal]
		 */
		async kill(signal = 'SIGKILL') {
			const pid = handle.pid();
			if (pid) process.kill(-pid, signal);
			await whenExited;
		},
		/** Starts the process again with the same user folder, ports and environment; resolves once ready. */
		async restart() {
			await handle.stop();
			await start();
		},
	};
	return handle;
}

/**
 * Starts n8n in queue mode and resolves once every process is ready, to
 * { url (main), webhookUrl (first webhook process), main, workers[], webhooks[], processes[], redis, prefix,
 *   encryptionKey, adminUrl, n8nDatabase, root, executionWorkers(), stop() }.
 * Options:
 *   workers          number of `n8n worker` processes (default 2)
 *   webhooks         number of `n8n webhook` processes (default 1)
 *   concurrency      executions each worker runs at once (`--concurrency`, default 5: n8n warns below 5)
 *   adminUrl         a PostgreSQL server URL whose role may create databases (default: an embedded PostgreSQL)
 *   n8nDatabase      n8n's own database, shared by every process (default 'n8n')
 *   redis            { host, port } of a Redis the caller manages (default: ensureRedis(), stopped by stop())
 *   env              more environment variables for every process
 *   mainOnlyEditor   main serves no production webhooks: N8N_DISABLE_PRODUCTION_MAIN_PROCESS (default true)
 *   log, timeoutMs   progress lines (default stderr); how long each process may take to be ready (default 240 s)
 * @param {QueueModeOptions} [options]
 * @returns {Promise<QueueModeCluster>}
 */
async function launchQueueMode(options = {}) {
	const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
	const timeoutMs = options.timeoutMs ?? 240_000;
	const paths = await ensureN8nInstalled({ log });
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ophir-n8n-queue-'));
	if (process.getuid?.() === 0) fs.chmodSync(root, 0o711);
	/** @type {Array<() => Promise<unknown>>} */
	const cleanups = [];
	const cleanup = async () => {
		for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
	};
	try {
		// A Redis passed in belongs to the caller; one found or started here is stopped with the cluster.
		const redis = options.redis ?? (await ensureRedis({ log }));
		if (!options.redis) cleanups.push(() => /** @type {RedisServer} */ (redis).stop());
		// One cluster's Bull queue, pub/sub channels and cache keys, apart from any other n8n on the same Redis.
		const prefix = `ophir-${randomBytes(5).toString('hex')}`;
		cleanups.push(() => deleteRedisKeys(redis, prefix));

		let adminUrl = options.adminUrl;
		if (!adminUrl) {
			const pg = await startEmbeddedPostgres({
				dataDir: path.join(root, 'postgres', 'data'),
				password: randomBytes(16).toString('hex'),
			});
			cleanups.push(() => pg.stop());
			adminUrl = pg.url;
		}
		const n8nDatabase = options.n8nDatabase ?? 'n8n';
		await ensureDatabase(adminUrl, n8nDatabase);
		const dbUrl = new URL(adminUrl);
		dbUrl.pathname = `/${n8nDatabase}`;

		const workerCount = options.workers ?? 2;
		const webhookCount = options.webhooks ?? 1;
		const concurrency = options.concurrency ?? 5;
		const encryptionKey = options.encryptionKey ?? randomBytes(24).toString('hex');
		const mainPort = await freePort();
		const webhookPorts = [];
		for (let i = 0; i < webhookCount; i++) webhookPorts.push(await freePort());
		const mainUrl = `http://localhost:${mainPort}`;
		const webhookUrl = webhookCount ? `http://localhost:${webhookPorts[0]}` : mainUrl;

		// The package is installed once, the way n8n installs a community package, and copied into every process's
		// user folder (each process reads its own ~/.n8n/nodes, as each container of a real deployment does).
		/** @type {string[]} */
		const folders = [];
		const folder = (/** @type {string} */ name) => {
			const dir = path.join(root, name);
			if (folders.length)
				fs.cpSync(path.join(folders[0], '.n8n', 'nodes'), path.join(dir, '.n8n', 'nodes'), { recursive: true });
			else installCommunityPackage(dir);
			folders.push(dir);
			return dir;
		};

		/** @type {NodeJS.ProcessEnv} */
		const base = {
			...process.env,
			...databaseEnv(dbUrl.toString()),
			NODE_ENV: 'production', // under NODE_ENV=test (jest's) n8n exits at once without a word
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: redis.host,
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			QUEUE_BULL_PREFIX: prefix,
			N8N_REDIS_KEY_PREFIX: prefix,
			N8N_CACHE_REDIS_KEY_PREFIX: prefix,
			// Every process decrypts the same credentials (the OPhir credential) from the shared database.
			N8N_ENCRYPTION_KEY: encryptionKey,
			// Manual runs (the editor's Execute button, POST /rest/workflows/:id/run) go to the workers too.
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			N8N_DISABLE_PRODUCTION_MAIN_PROCESS: String(options.mainOnlyEditor ?? true),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: 'localhost',
			N8N_PROTOCOL: 'http',
			N8N_WEBHOOK_URL: `${webhookUrl}/`,
			N8N_EDITOR_BASE_URL: `${mainUrl}/`,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_LOG_LEVEL: 'warn',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
			N8N_SECURE_COOKIE: 'false',
			...options.env,
		};
		for (const key of Object.keys(base)) if (key.startsWith('npm_') || key === 'NODE_OPTIONS') delete base[key];
		const envFor = async (/** @type {string} */ userFolder, /** @type {Record<string, string>} */ extra) => ({
			...base,
			N8N_USER_FOLDER: userFolder,
			// Each process has a task broker (it runs Code nodes); the default port 5679 would clash.
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			...extra,
		});

		/** @type {N8nProcess[]} */
		const processes = [];
		const stopAll = async () => {
			// Workers and webhook processes first: they would otherwise log the main process's disappearance.
			await Promise.all(processes.filter((p) => p.kind !== 'main').map((p) => p.stop()));
			await processes.find((p) => p.kind === 'main')?.stop();
		};
		cleanups.push(stopAll);

		const mainFolder = folder('main');
		const main = n8nProcess({
			name: 'main',
			kind: 'main',
			args: ['start'],
			env: await envFor(mainFolder, { N8N_PORT: String(mainPort) }),
			logFile: path.join(mainFolder, 'n8n.log'),
			readinessUrl: `${mainUrl}/healthz/readiness`,
			url: mainUrl,
			paths,
			timeoutMs,
		});
		processes.push(main);
		// The main process migrates n8n's database and seeds the instance identity: the others start after it.
		log('Starting the n8n main process (queue mode)');
		await main.start();

		const others = [];
		for (let i = 1; i <= workerCount; i++) {
			const dir = folder(`worker${i}`);
			const healthPort = await freePort();
			others.push(
				n8nProcess({
					name: `worker${i}`,
					kind: 'worker',
					args: ['worker', `--concurrency=${concurrency}`],
					// Log level info: a worker logs "Worker started execution <id>", which tells which worker ran what.
					env: await envFor(dir, {
						N8N_LOG_LEVEL: 'info',
						QUEUE_HEALTH_CHECK_ACTIVE: 'true',
						QUEUE_HEALTH_CHECK_PORT: String(healthPort),
						N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
					}),
					logFile: path.join(dir, 'n8n.log'),
					readinessUrl: `http://127.0.0.1:${healthPort}/healthz/readiness`,
					paths,
					timeoutMs,
				}),
			);
		}
		for (let i = 1; i <= webhookCount; i++) {
			const dir = folder(`webhook${i}`);
			const url = `http://localhost:${webhookPorts[i - 1]}`;
			others.push(
				n8nProcess({
					name: `webhook${i}`,
					kind: 'webhook',
					args: ['webhook'],
					env: await envFor(dir, { N8N_PORT: String(webhookPorts[i - 1]) }),
					logFile: path.join(dir, 'n8n.log'),
					readinessUrl: `${url}/healthz/readiness`,
					url,
					paths,
					timeoutMs,
				}),
			);
		}
		processes.push(...others);
		log(`Starting ${workerCount} n8n worker(s) and ${webhookCount} webhook process(es)`);
		await Promise.all(others.map((p) => p.start()));

		const workers = others.filter((p) => p.kind === 'worker');
		return {
			url: mainUrl,
			webhookUrl,
			main,
			workers,
			webhooks: others.filter((p) => p.kind === 'webhook'),
			processes,
			redis: { host: redis.host, port: redis.port },
			prefix,
			encryptionKey,
			adminUrl,
			n8nDatabase,
			root,
			/**
			 * Which worker ran each execution, from the workers' own logs ("Worker started execution <id> (job <n>)"):
			 * n8n does not store the worker in its execution table. A Map execution id → worker name.
			 */
			executionWorkers() {
				const byExecution = new Map();
				for (const worker of workers) {
					const text = worker.logs().replace(/\x1b\[[0-9;]*m/g, '');
					for (const match of text.matchAll(/Worker started execution (\d+) \(job/g))
						byExecution.set(match[1], worker.name);
				}
				return byExecution;
			},
			async stop() {
				await cleanup();
				if (!process.env.OPHIR_KEEP_N8N_FOLDER) fs.rmSync(root, { recursive: true, force: true });
			},
		};
	} catch (error) {
		await cleanup();
		if (!process.env.OPHIR_KEEP_N8N_FOLDER) fs.rmSync(root, { recursive: true, force: true });
		throw error;
	}
}

module.exports = { launchQueueMode, ensureRedis, pingRedis, RedisUnavailableError };
