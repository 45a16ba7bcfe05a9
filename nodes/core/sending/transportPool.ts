import { createHash } from 'node:crypto';

import nodemailer, { type Transporter } from 'nodemailer';

import { type MailboxSecret, type SmtpSettings, smtpTransportOptions } from './mailTransport';

/** What the sender needs of a transport: nodemailer's sendMail. Tests and benchmarks may pass their own. */
export interface MailSender {
	sendMail(message: object): Promise<{ messageId?: string; response?: string }>;
}

/**
 * One pooled SMTP transport per mailbox and process, reused by every execution (a new SMTP connection and sign-in
 * per email would cost more than the email), replaced when the mailbox's settings or secret change, and closed
 * when nobody used it for a while. Several processes (n8n workers) each keep their own: nothing is shared.
 */
const IDLE_CLOSE_MS = Number(process.env.OPHIR_TRANSPORT_IDLE_CLOSE_MS) || 60_000;
/**
 * How many connections a mailbox's pool opens, and how many of its emails the sender hands over at once: none waits
 * inside nodemailer's queue, so the sender alone decides which emails a hanging server still gets.
 */
export const CONNECTIONS_PER_MAILBOX = 3;

interface Entry {
	transport: Transporter;
	fingerprint: string;
	lastUsed: number;
}

const transports = new Map<string, Entry>();
let sweeper: NodeJS.Timeout | undefined;

export function pooledTransport(accountId: string, smtp: SmtpSettings, secret: MailboxSecret): MailSender {
	const fingerprint = createHash('sha256')
		.update(JSON.stringify([smtp, secret]))
		.digest('base64url');
	let entry = transports.get(accountId);
	if (entry && entry.fingerprint !== fingerprint) {
		entry.transport.close();
		entry = undefined;
	}
	if (!entry) {
		const transport = nodemailer.createTransport({
			...smtpTransportOptions(smtp, secret),
			pool: true,
			maxConnections: CONNECTIONS_PER_MAILBOX,
			maxMessages: 1000,
		});
		entry = { transport, fingerprint, lastUsed: Date.now() };
		transports.set(accountId, entry);
		sweeper ??= setInterval(() => closeIdleTransports(), Math.max(1000, IDLE_CLOSE_MS / 2)).unref();
	}
	entry.lastUsed = Date.now();
	return entry.transport;
}

/** Closes the transports unused for `idleMs`; returns how many. */
function closeIdleTransports(idleMs = IDLE_CLOSE_MS, now = Date.now()): number {
	let closed = 0;
	for (const [accountId, entry] of transports) {
		if (now - entry.lastUsed >= idleMs) {
			entry.transport.close();
			transports.delete(accountId);
			closed++;
		}
	}
	if (transports.size === 0 && sweeper) {
		clearInterval(sweeper);
		sweeper = undefined;
	}
	return closed;
}

export function closeAllTransports(): void {
	closeIdleTransports(0, Number.POSITIVE_INFINITY);
}
