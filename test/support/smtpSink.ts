import type { AddressInfo } from 'node:net';

import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export const SINK_PASSWORD = 'dummy-sink-password-0123456789';

export interface ReceivedMail {
	from: string;
	to: string[];
	/** The user the client signed in as. */
	user: string;
	raw: string;
	parsed: ParsedMail;
	headers: Map<string, unknown>;
}

/**
 * What the sink answers: accept; an SMTP error at RCPT TO or after DATA; drop the connection mid-DATA; `stall`:
 * take the message and never answer it (`onClose` once the client gives up on the connection); `hold`: answer RCPT TO
 * after `rcptDelayMs`, keep the message (it counts as received) and say 250 only once `until` resolves.
 */
export type SinkVerdict =
	| 'accept'
	| { code: number; message: string; at: 'rcpt' | 'data' }
	| 'drop'
	| { stall: true; onClose?: () => void }
	| { hold: true; until: Promise<unknown>; rcptDelayMs?: number };
export type SinkBehaviour = (mail: { to: string[]; attempt: number }) => SinkVerdict;

/** smtp-server's connection, as far as the sink uses it. */
interface SinkConnection {
	session: SMTPServerSession;
	_socket: { destroy(): void; once(event: 'close', listener: () => void): void };
}

/**
 * An in-process SMTP server on 127.0.0.1 (no TLS, AUTH PLAIN/LOGIN with SINK_PASSWORD) that keeps every message it
 * accepted, parsed. `behaviour` injects faults per recipient and attempt.
 */
export class SmtpSink {
	readonly received: ReceivedMail[] = [];
	private readonly attempts = new Map<string, number>();
	/** Each recipient's verdict from RCPT TO, for its DATA. */
	private readonly pending = new Map<string, SinkVerdict>();
	behaviour: SinkBehaviour = () => 'accept';
	private server!: SMTPServer;
	port = 0;

	async start(): Promise<this> {
		this.server = new SMTPServer({
			secure: false,
			disabledCommands: ['STARTTLS'],
			allowInsecureAuth: true,
			logger: false,
			size: 10 * 1024 * 1024,
			onAuth: (auth, _session, callback) => {
				if (auth.password === SINK_PASSWORD) callback(null, { user: auth.username });
				else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
			},
			onRcptTo: (address, _session, callback) => {
				const verdict = this.verdict(address.address, false);
				if (verdict && typeof verdict === 'object' && 'at' in verdict) {
					callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
					return;
				}
				if (verdict && typeof verdict === 'object' && 'hold' in verdict && verdict.rcptDelayMs) {
					setTimeout(() => callback(), verdict.rcptDelayMs);
					return;
				}
				callback();
			},
			onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
				const to = session.envelope.rcptTo.map((r) => r.address);
				const verdict = this.verdict(to[0], true);
				const chunks: Buffer[] = [];
				stream.on('data', (chunk: Buffer) => {
					chunks.push(chunk);
					if (verdict === 'drop') {
						// The connection goes away in the middle of the message.
						this.socketOf(session)?.destroy();
					}
				});
				if (verdict && typeof verdict === 'object' && 'stall' in verdict) {
					const onClose = verdict.onClose;
					if (onClose) this.connectionOf(session)?._socket.once('close', onClose);
				}
				stream.on('end', async () => {
					if (verdict === 'drop') return;
					if (verdict && typeof verdict === 'object' && 'stall' in verdict) return;
					if (verdict && typeof verdict === 'object' && 'at' in verdict) {
						callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
						return;
					}
					const raw = Buffer.concat(chunks).toString('utf8');
					const parsed = await simpleParser(raw);
					this.received.push({
						from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
						to,
						user: String(session.user ?? ''),
						raw,
						parsed,
						headers: parsed.headers as Map<string, unknown>,
					});
					if (verdict && typeof verdict === 'object' && 'hold' in verdict) await verdict.until;
					callback();
				});
			},
		});
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		this.port = (this.server.server.address() as AddressInfo).port;
		return this;
	}

	/**
	 * The behaviour for a recipient, counting each attempt once (at RCPT TO) and asked once per attempt (at RCPT TO,
	 * the verdict kept for its DATA): a stateful behaviour sees each attempt once.
	 */
	private verdict(to: string, atData: boolean) {
		let result: SinkVerdict;
		if (atData) {
			result = this.pending.get(to) ?? this.behaviour({ to: [to], attempt: this.attempts.get(to) ?? 1 });
			this.pending.delete(to);
		} else {
			this.attempts.set(to, (this.attempts.get(to) ?? 0) + 1);
			result = this.behaviour({ to: [to], attempt: this.attempts.get(to)! });
			this.pending.set(to, result);
		}
		if (result === 'accept') return undefined;
		if (result === 'drop') return atData ? 'drop' : undefined;
		if ('at' in result) return (result.at === 'rcpt') !== atData ? result : undefined;
		return result;
	}

	/** How many times a recipient was tried (RCPT TO), accepted or not. */
	attemptsFor(address: string): number {
		return this.attempts.get(address) ?? 0;
	}

	to(address: string): ReceivedMail[] {
		return this.received.filter((mail) => mail.to.includes(address));
	}

	/** smtp-server keeps its connections (and their sockets) to itself; faults and shutdown need them. */
	private connections(): SinkConnection[] {
		return [...(this.server as unknown as { connections: Set<SinkConnection> }).connections];
	}

	private connectionOf(session: SMTPServerSession) {
		return this.connections().find((connection) => connection.session === session);
	}

	private socketOf(session: SMTPServerSession): { destroy(): void } | undefined {
		return this.connectionOf(session)?._socket;
	}

	async stop(): Promise<void> {
		// Without this, close() waits 30 s for clients that keep pooled connections open.
		for (const connection of this.connections()) connection._socket.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}
