// Waiting helpers shared by the scripts, the benchmarks and the tests (one copy of each).
const net = require('node:net');

/**
 * @param {number} ms
 * @returns {Promise<void>}
 */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A TCP port free on 127.0.0.1 right now, as the OS picks one.
 * @returns {Promise<number>}
 */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = /** @type {net.AddressInfo} */ (server.address());
			server.close(() => resolve(port));
		});
	});
}

/**
 * Polls `probe` until it returns a value (not undefined/false), or fails after `timeoutMs` saying what it waited for.
 * @template T
 * @param {string} what
 * @param {() => Promise<T | undefined | false>} probe
 * @param {number} [timeoutMs]
 * @param {number} [everyMs]
 * @returns {Promise<T>}
 */
async function eventually(what, probe, timeoutMs = 30_000, everyMs = 250) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}`);
		await sleep(everyMs);
	}
}

module.exports = { sleep, freePort, eventually };
