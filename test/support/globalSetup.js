// One PostgreSQL server for the whole test run. Test files each create their own database on it (so the role must be
// allowed to CREATE DATABASE). Which server, first found wins:
//  1. TEST_DATABASE_URL: a connection URL to the server;
//  2. DATABASE_URL, or DB_HOST / DB_PORT / DB_NAME / DB_USER / DB_PASSWORD (the variables `npm start` and
//     `ophir-migrate` read): the same server; without DB_NAME the admin connection uses the `postgres` database;
//  3. otherwise an embedded PostgreSQL 17 started here.
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startEmbeddedPostgres } = require('../../scripts/embeddedPostgres');

/**
 * The server the environment names, as a connection URL; undefined when it names none.
 * @param {NodeJS.ProcessEnv} env
 */
function serverUrlFromEnv(env) {
	if (env.TEST_DATABASE_URL) return env.TEST_DATABASE_URL;
	if (env.DATABASE_URL) return env.DATABASE_URL;
	if (!['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD'].some((key) => env[key])) return undefined;
	const url = new URL('postgresql://localhost');
	url.hostname = env.DB_HOST || 'localhost';
	url.port = env.DB_PORT || '5432';
	url.pathname = `/${env.DB_NAME || 'postgres'}`;
	url.username = env.DB_USER || 'postgres';
	url.password = env.DB_PASSWORD || '';
	return url.toString();
}

module.exports = async function globalSetup() {
	const fromEnv = serverUrlFromEnv(process.env);
	if (fromEnv) {
		process.env.OPHIR_TEST_ADMIN_URL = fromEnv;
		return;
	}
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ophir-test-pg-'));
	const server = await startEmbeddedPostgres({
		dataDir: path.join(root, 'data'),
		password: randomBytes(12).toString('hex'),
	});
	/** @type {any} */ (globalThis).__OPHIR_TEST_PG__ = { server, root }; // for globalTeardown.js
	process.env.OPHIR_TEST_ADMIN_URL = server.url;
};

module.exports.serverUrlFromEnv = serverUrlFromEnv;
