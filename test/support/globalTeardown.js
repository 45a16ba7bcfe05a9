const fs = require('node:fs');

module.exports = async function globalTeardown() {
	/** @type {{ server: { stop(): Promise<void> }, root: string } | undefined} */
	const embedded = /** @type {any} */ (globalThis).__OPHIR_TEST_PG__;
	if (!embedded) return;
	await embedded.server.stop();
	fs.rmSync(embedded.root, { recursive: true, force: true });
};
