import { type AddressInfo, createServer, type Socket } from 'node:net';

import { adminQuery } from './database';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Terminates OPhir's connections (by their application_name) to `database`; resolves to how many. */
export async function terminateBackends(database: string): Promise<number> {
	const result = (await adminQuery(
		`SELECT count(*)::int AS n FROM (
		   SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'n8n-nodes-ophir') t`,
		[database],
	)) as { rows: Array<{ n: number }> };
	return result.rows[0].n;
}

/** Calls `act` every `everyMs`, `times` times; `done` resolves when it did, `stop()` ends it sooner. */
export function repeatedly(act: () => Promise<unknown>, everyMs: number, times: number): { done: Promise<number>; stop(): Promise<number> } {
	let running = true;
	const done = (async () => {
		let acted = 0;
		while (running && acted < times) {
			await sleep(everyMs);
			if (!running) break;
			await act();
			acted++;
		}
		running = false;
		return acted;
	})();
	return {
		done,
		stop() {
			running = false;
			return done;
		},
	};
}

/** A server on 127.0.0.1 that accepts TCP connections and never says a word: an SMTP server that hangs. */
export async function startSilentServer(): Promise<{ port: number; connections(): number; stop(): Promise<void> }> {
	const sockets = new Set<Socket>();
	let accepted = 0;
	const server = createServer((socket) => {
		accepted++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		connections: () => accepted,
		async stop() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
