import type { AddressInfo } from 'node:net';

import { simpleParser, type ParsedMail } from 'mailparser';
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

/** What the sink answers: accept, or an SMTP error at RCPT TO or after DATA, or drop the connection mid-DATA. */
export type SinkBehaviour = (mail: { to: string[]; attempt: number }) => 'accept' | { code: number; message: string; at: 'rcpt' | 'data' } | 'drop';

/**
 * An in-process SMTP server on 127.0.0.1 (no TLS, AUTH PLAIN/LOGIN with SINK_PASSWORD) that keeps every message it
 * accepted, parsed. `behaviour` injects faults per recipient and attempt.
 */
export class SmtpSink {
	readonly received: ReceivedMail[] = [];
	private readonly attempts = new Map<string, number>();
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
			onRcptTo: (address, session, callback) => {
				const verdict = this.verdict(address.address, session, false);
				if (verdict && typeof verdict === 'object' && verdict.at === 'rcpt') {
					callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
					return;
				}
				callback();
			},
			onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
				const to = session.envelope.rcptTo.map((r) => r.address);
				const verdict = this.verdict(to[0], session, true);
				const chunks: Buffer[] = [];
				stream.on('data', (chunk: Buffer) => {
					chunks.push(chunk);
					if (verdict === 'drop') {
						// The connection goes away in the middle of the message.
						(session as unknown as { _socket?: { destroy(): void } })._socket?.destroy();
					}
				});
				stream.on('end', async () => {
					if (verdict === 'drop') return;
					if (verdict && typeof verdict === 'object') {
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
					callback();
				});
			},
		});
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		this.port = (this.server.server.address() as AddressInfo).port;
		return this;
	}

	/** The behaviour for a recipient, counting each attempt once (at RCPT TO). */
	private verdict(to: string, session: SMTPServerSession, atData: boolean) {
		const key = `${session.id}:${to}`;
		if (!atData) this.attempts.set(to, (this.attempts.get(to) ?? 0) + 1);
		void key;
		const result = this.behaviour({ to: [to], attempt: this.attempts.get(to) ?? 1 });
		if (result === 'accept') return undefined;
		if (result === 'drop') return atData ? 'drop' : undefined;
		return (result.at === 'rcpt') !== atData ? result : undefined;
	}

	to(address: string): ReceivedMail[] {
		return this.received.filter((mail) => mail.to.includes(address));
	}

	async stop(): Promise<void> {
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}
