const fs = require('node:fs');

module.exports = async function globalTeardown() {
	const embedded = globalThis.__OPHIR_TEST_PG__;
	if (!embedded) return;
	await embedded.server.stop();
	fs.rmSync(embedded.root, { recursive: true, force: true });
};
