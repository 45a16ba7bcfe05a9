import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, sleep } from '../../scripts/lib/wait';

/** Whether Debian's `pgbouncer` is installed (`apt-get install pgbouncer`). */
export const hasPgBouncer = spawnSync('pgbouncer', ['--version']).status === 0;

export interface PgBouncer {
	/** `url` (a database on the server PgBouncer fronts) as reached through PgBouncer. */
	through(url: string): string;
	stop(): Promise<void>;
}

/**
 * PgBouncer in transaction-pooling mode on a loopback port, in front of the server of `serverUrl` (an admin URL):
 * every database of that server, one server connection per database and user (so a session setting that leaked
 * would reach the next transaction). Clients sign in with SCRAM; PgBouncer looks their secret up through the
 * admin user (auth_query), so roles a test creates work too. As root it runs as `postgres` (it refuses root).
 */
export async function startPgBouncer(serverUrl: string): Promise<PgBouncer> {
	const server = new URL(serverUrl);
	const dir = mkdtempSync(join(tmpdir(), 'ophir-pgbouncer-'));
	const port = await freePort();
	const admin = decodeURIComponent(server.username);
	writeFileSync(join(dir, 'userlist.txt'), `"${admin}" "${decodeURIComponent(server.password)}"\n`);
	writeFileSync(
		join(dir, 'pgbouncer.ini'),
		[
			'[databases]',
			// OPhir asks for TimeZone=UTC in the startup packet's `options`, which PgBouncer 1.18 cannot pass on: the
			// server connections get it from here instead.
			`* = host=${server.hostname} port=${server.port || 5432} timezone=UTC`,
			'[pgbouncer]',
			'listen_addr = 127.0.0.1',
			`listen_port = ${port}`,
			'unix_socket_dir =',
			'pool_mode = transaction',
			'default_pool_size = 1',
			'max_client_conn = 200',
			'auth_type = scram-sha-256',
			`auth_file = ${join(dir, 'userlist.txt')}`,
			`auth_user = ${admin}`,
			'ignore_startup_parameters = options',
			`logfile = ${join(dir, 'pgbouncer.log')}`,
			'',
		].join('\n'),
	);
	const asRoot = process.getuid?.() === 0;
	if (asRoot) {
		const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout);
		for (const file of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, file), uid, uid);
	}
	const command = asRoot ? ['runuser', '-u', 'postgres', '--', 'pgbouncer'] : ['pgbouncer'];
	const child: ChildProcess = spawn(command[0], [...command.slice(1), join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
	const log = () => {
		try {
			return readFileSync(join(dir, 'pgbouncer.log'), 'utf8');
		} catch {
			return '';
		}
	};
	for (let i = 0; !(await listening(port)); i++) {
		if (child.exitCode !== null || i > 100) throw new Error(`PgBouncer did not start: ${log()}`);
		await sleep(50);
	}
	return {
		through(url) {
			const via = new URL(url);
			via.hostname = '127.0.0.1';
			via.port = String(port);
			return via.toString();
		},
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise((resolve) => child.once('exit', resolve));
				child.kill('SIGTERM');
				await exited;
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

function listening(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = createConnection({ host: '127.0.0.1', port }, () => {
			socket.destroy();
			resolve(true);
		});
		socket.on('error', () => resolve(false));
	});
}
