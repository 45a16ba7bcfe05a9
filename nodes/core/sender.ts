import { setMaxListeners } from 'node:events';

import { parseCampaignConfig } from './campaignConfig';
import { getEmailAccount, mailboxSecret } from './emailAccounts';
import type { MailboxSecret, SmtpSettings } from './mailTransport';
import { composeMessage, type ComposedMessage, messageIdFor } from './messageComposer';
import { wholeNumber } from './numbers';
import {
	type ClaimedEmail,
	claimDueEmails,
	completeEmails,
	DEFAULT_RETRY_POLICY,
	type Delivery,
	type Failure,
	failEmails,
	type FailureKind,
	type RetryPolicy,
} from './queue';
import type { SecretBox } from './secretBox';
import { isConnectionLost, type TenantRunner } from './tenantTransaction';
import { requireTrackingBaseUrl, requireTrackingSecret } from './trackingToken';
import { type MailSender, pooledTransport } from './transportPool';


export interface Mailbox {
	id: string;
	email: string;
	smtp: SmtpSettings;
	secret: MailboxSecret;
}

export interface SendDueOptions {
	batchSize: number;
	leaseSeconds: number;
	/** Emails sent at the same time (each mailbox's pool opens at most three connections). */
	concurrency?: number;
	retry?: Partial<RetryPolicy>;
	tracking: { baseUrl: string; secret: string };
	executionId?: string | null;
	/** The time to act at (tests); now by default. */
	now?: () => Date;
	/** Where a mailbox's emails go: its pooled SMTP transport unless given (tests, benchmarks, other senders). */
	transportFor?: (mailbox: Mailbox) => MailSender;
}

export type SendStatus = 'sent' | 'retrying' | 'failed' | 'bounced' | 'mailbox paused' | 'superseded';

export interface SendResult {
	id: string;
	status: SendStatus;
	to: string;
	accountId: string;
	campaignId: string;
	step: number;
	attempt: number;
	messageId?: string;
	error?: string;
}

export interface SendSummary {
	claimed: number;
	sent: number;
	retrying: number;
	failed: number;
	bounced: number;
	mailboxPaused: number;
	/** Results refused because a newer attempt holds the email (this worker's lease had expired). */
	superseded: number;
	results: SendResult[];
}

/** How the sender treats an error from the SMTP server or the connection to it. */
export function classifySmtpError(error: unknown): { kind: FailureKind; smtpCode?: number; message: string } {
	const { code, responseCode, command, message } = error as { code?: string; responseCode?: number; command?: string; message?: string };
	const text = message ?? String(error);
	if (code === 'EAUTH' || responseCode === 535 || responseCode === 534 || responseCode === 530) {
		return { kind: 'mailbox', smtpCode: responseCode, message: `The SMTP server refused the mailbox's sign-in: ${text}` };
	}
	// 552 (mailbox over its storage allocation) is permanent on paper but clears in practice: a soft bounce, retried.
	if (typeof responseCode === 'number' && responseCode >= 500 && responseCode !== 552) {
		// A 5xx at RCPT TO (or for every recipient) refuses the address itself: a hard bounce. Elsewhere (MAIL FROM,
		// DATA) it refuses this message or sender, which a retry would not change either.
		const recipient = code === 'EENVELOPE' || /RCPT/i.test(command ?? '');
		return { kind: recipient ? 'bounce' : 'permanent', smtpCode: responseCode, message: text };
	}
	if (code === 'EMESSAGE' || code === 'ESTREAM') return { kind: 'permanent', message: text };
	// 4xx, timeouts, refused or dropped connections, DNS: temporary.
	return { kind: 'retry', smtpCode: responseCode, message: text };
}

/** The message for one claimed email; its Message-ID is derived from the queue id, so a re-send keeps it. */
export function composeClaimed(email: ClaimedEmail, tracking: { baseUrl: string; secret: string }): ComposedMessage {
	const config = parseCampaignConfig(email.campaign.config);
	return composeMessage({
		queueId: email.id,
		from: { email: email.account.email, name: config.fromName ?? email.account.fromName },
		to: email.to,
		subject: email.subject,
		html: email.body,
		messageId: messageIdFor(email.id, email.account.email),
		previousMessageIds: email.previousMessageIds,
		tracking: { ...config.tracking, ...tracking },
		unsubscribe: { text: config.unsubscribeText, mailto: email.account.email },
		postalAddress: config.postalAddress,
	});
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
		while (next < items.length) await work(items[next++]);
	});
	await Promise.all(lanes);
}

/**
 * Runs `work` again, on a fresh connection, while it fails because the connection to PostgreSQL was lost, until
 * `deadline`. Recording a sent batch is worth it: the leases and fencing tokens still hold, and giving up would send
 * the whole batch a second time once the leases end.
 */
async function retryWhileConnectionLost<T>(deadline: number, work: () => Promise<T>): Promise<T> {
	for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
		try {
			return await work();
		} catch (error) {
			if (!isConnectionLost(error) || Date.now() + delay >= deadline) throw error;
			await new Promise((resolve) => setTimeout(resolve, delay));
		}
	}
}

/**
 * Send Due Emails: claims a batch (one short transaction), sends each email through its mailbox's transport, then
 * records every result (one transaction). Secrets are decrypted in memory for the send and never returned.
 */
export async function sendDueEmails(run: TenantRunner, box: SecretBox, options: SendDueOptions): Promise<SendSummary> {
	const concurrency = wholeNumber(options.concurrency ?? 20, 'Concurrency', 1, 200);
	const tracking = { baseUrl: requireTrackingBaseUrl(options.tracking.baseUrl), secret: requireTrackingSecret(options.tracking.secret) };
	const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
	const executionId = options.executionId ?? null;
	const now = options.now ?? (() => new Date());
	// Until then no other run takes this batch's emails back: recording their results may be retried that long.
	const leaseEnds = Date.now() + options.leaseSeconds * 1000;
	const { claimed, mailboxes } = await run(async (tx) => {
		const emails = await claimDueEmails(tx, { limit: options.batchSize, leaseSeconds: options.leaseSeconds, executionId, now: now() });
		const found = new Map<string, Mailbox>();
		for (const id of new Set(emails.map((e) => e.account.id))) {
			const account = await getEmailAccount(tx, id);
			found.set(id, { id, email: account.email, smtp: account.settings.smtp, secret: await mailboxSecret(tx, box, id) });
		}
		return { claimed: emails, mailboxes: found };
	});
	const transportFor = options.transportFor ?? ((m: Mailbox) => pooledTransport(m.id, m.smtp, m.secret));
	const deliveries: Delivery[] = [];
	const failures: Failure[] = [];
	const results = new Map<string, SendResult>();
	// One signal per mailbox, aborted when its server does not answer in time: its other emails, queued in the
	// transport or not handed to it yet, go back to the queue at once, so a hanging server costs the run one timeout.
	const hangs = new Map<string, AbortController>();
	await forEachLimited(claimed, concurrency, async (email) => {
		const base = {
			id: email.id,
			to: email.to.email,
			accountId: email.account.id,
			campaignId: email.campaignId,
			step: email.sequenceStep,
			attempt: email.attempts,
		};
		const fail = ({ kind, smtpCode, message: reason }: ReturnType<typeof classifySmtpError>) => {
			failures.push({ id: email.id, leaseToken: email.leaseToken, kind, error: reason, smtpCode });
			const status: SendStatus =
				kind === 'bounce' ? 'bounced' : kind === 'mailbox' ? 'mailbox paused' : kind === 'permanent' || email.attempts >= policy.maxAttempts ? 'failed' : 'retrying';
			results.set(email.id, { ...base, status, error: reason });
		};
		let message: ComposedMessage;
		try {
			message = composeClaimed(email, tracking);
		} catch (error) {
			return fail({ kind: 'permanent', message: (error as Error).message });
		}
		let hang = hangs.get(email.account.id);
		if (!hang) {
			hangs.set(email.account.id, (hang = new AbortController()));
			// Each email the transport holds listens to it: many at once are expected, not a leak.
			setMaxListeners(claimed.length, hang.signal);
		}
		const givenUp = () => fail({ kind: 'retry', message: String(hang.signal.reason) });
		if (hang.signal.aborted) return givenUp();
		try {
			await transportFor(mailboxes.get(email.account.id)!).sendMail({ ...message, signal: hang.signal });
			deliveries.push({ id: email.id, leaseToken: email.leaseToken, messageId: message.messageId });
			results.set(email.id, { ...base, status: 'sent', messageId: message.messageId });
		} catch (error) {
			if (hang.signal.aborted) return givenUp();
			const outcome = classifySmtpError(error);
			if ((error as { code?: string }).code === 'ETIMEDOUT') {
				hang.abort(`not sent: the mailbox's SMTP server did not answer in time in this run (${outcome.message})`);
			}
			fail(outcome);
		}
	});
	const [completed, failed] = await retryWhileConnectionLost(leaseEnds, () =>
		run(async (tx) => [
			await completeEmails(tx, deliveries, { executionId, now: now() }),
			await failEmails(tx, failures, { executionId, policy, now: now() }),
		]),
	);
	for (const id of [...completed.rejected, ...failed.rejected]) {
		results.set(id, { ...results.get(id)!, status: 'superseded' });
	}
	const ordered = claimed.map((email) => results.get(email.id)!);
	const count = (status: SendStatus) => ordered.filter((r) => r.status === status).length;
	return {
		claimed: claimed.length,
		sent: count('sent'),
		retrying: count('retrying'),
		failed: count('failed'),
		bounced: count('bounced'),
		mailboxPaused: count('mailbox paused'),
		superseded: count('superseded'),
		results: ordered,
	};
}
