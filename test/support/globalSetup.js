// One PostgreSQL server for the whole test run: TEST_DATABASE_URL when set (a role that may CREATE DATABASE),
// otherwise an embedded PostgreSQL 17 started here. Test files each create their own database on it.
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startEmbeddedPostgres } = require('../../scripts/embeddedPostgres');

module.exports = async function globalSetup() {
	if (process.env.TEST_DATABASE_URL) {
		process.env.OPHIR_TEST_ADMIN_URL = process.env.TEST_DATABASE_URL;
		return;
	}
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ophir-test-pg-'));
	const server = await startEmbeddedPostgres({
		dataDir: path.join(root, 'data'),
		password: randomBytes(12).toString('hex'),
	});
	globalThis.__OPHIR_TEST_PG__ = { server, root };
	process.env.OPHIR_TEST_ADMIN_URL = server.url;
};
