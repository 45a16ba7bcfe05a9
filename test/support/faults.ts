import { type AddressInfo, createServer, type Socket } from 'node:net';

import { sleep } from '../../scripts/lib/wait';
import { scheduleDueSteps, sendDueEmails } from '../../nodes/core/sending';
import type { SecretBox } from '../../nodes/core/db';
import { adminQuery, type TestDatabase } from './database';
import { organizationFactory, TRACKING } from './outreach';
import { SINK_PASSWORD, type SmtpSink } from './smtpSink';

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
export function repeatedly(
	act: () => Promise<unknown>,
	everyMs: number,
	times: number,
): { done: Promise<number>; stop(): Promise<number> } {
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

/** The lease the fault tests' runs take: a run that died leaves its emails leased this long. */
export const LEASE_SECONDS = 60;

/**
 * The fault tests' set-up: an organization with `leads` first steps due over `mailboxes` mailboxes on the sink, a
 * run of Send Due Emails at the time they are due (or later), and what arrived and what was recorded.
 */
export function dueEmailsFactory(defaults: () => { db: TestDatabase; sink: SmtpSink; box: SecretBox }) {
	const organization = organizationFactory(() => {
		const { db, sink, box } = defaults();
		return {
			db,
			box,
			name: 'Fault test',
			account: {
				smtp: { host: '127.0.0.1', port: sink.port, security: 'none' },
				password: SINK_PASSWORD,
				dailyLimit: 5000,
			},
		};
	});
	return async (leads: number, mailboxes: number) => {
		const { db, sink, box } = defaults();
		const { tenant, leadEmails } = await organization({
			leads,
			accounts: Array.from({ length: mailboxes }, () => ({})),
		});
		const now = new Date(Date.now() + 1000);
		await tenant.as((tx) => scheduleDueSteps(tx, { now }));
		const send = (at = now, batchSize = 250) =>
			sendDueEmails(tenant.as, box, {
				batchSize,
				leaseSeconds: LEASE_SECONDS,
				concurrency: 30,
				tracking: TRACKING,
				now: () => at,
			});
		/** Sends until nothing is due, once every lease has expired (a run that died left its emails leased). */
		const drain = async () => {
			const later = new Date(now.getTime() + (LEASE_SECONDS + 1) * 1000);
			while ((await send(later)).claimed > 0);
		};
		const delivered = () => {
			const counts = leadEmails.map((email) => sink.to(email).length);
			return {
				missing: counts.filter((n) => n === 0).length,
				duplicates: counts.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
			};
		};
		/** Emails sent, their `sent` activities and the mailboxes' counters: each email once. */
		const recorded = async () =>
			(
				await db.pool.query(
					`SELECT (SELECT count(*)::int FROM email_queue WHERE organization_id = $1 AND status = 'sent') AS sent,
					        (SELECT count(*)::int FROM email_activities WHERE organization_id = $1 AND event_type = 'sent') AS activities,
					        (SELECT sum(current_sent_today)::int FROM email_accounts WHERE organization_id = $1) AS counted`,
					[tenant.id],
				)
			).rows[0];
		return { tenant, send, drain, delivered, recorded };
	};
}

/** Resolves when the sink is handed its next email (the run's claim has committed by then); the sink accepts it. */
export function nextEmail(sink: SmtpSink): Promise<void> {
	return new Promise((resolve) => {
		sink.behaviour = () => {
			sink.behaviour = () => 'accept';
			resolve();
			return 'accept';
		};
	});
}
