import { parseCampaignConfig } from '../outreach/campaignConfig';
import { getEmailAccount } from '../outreach/emailAccounts';
import { mailboxSecret } from '../outreach/mailboxSecrets';
import type { MailboxSecret, SmtpSettings } from './mailTransport';
import { composeMessage, type ComposedMessage, messageIdFor } from './messageComposer';
import { wholeNumber } from '../validation/numbers';
import { type ClaimedEmail, claimDueEmails } from './queueClaims';
import { dueEmailCount, fairShares } from './fairShares';
import { forEachOrganization } from '../outreach/platform';
import {
	completeEmails,
	DEFAULT_RETRY_POLICY,
	type Delivery,
	type Failure,
	failEmails,
	type FailureKind,
	type RetryPolicy,
} from './queueResults';
import type { SecretBox } from '../db/secretBox';
import { isConnectionLost, type TenantRunner } from '../db/tenantTransaction';
import { trackingKeys } from '../tracking/trackingSecrets';
import { requireTrackingBaseUrl, requireTrackingSecret } from '../tracking/trackingToken';
import { CONNECTIONS_PER_MAILBOX, type MailSender, pooledTransport } from './transportPool';

export interface Mailbox {
	id: string;
	email: string;
	smtp: SmtpSettings;
	secret: MailboxSecret;
}

export interface SendDueOptions {
	batchSize: number;
	leaseSeconds: number;
	/** Emails sent at the same time, at most three of them per mailbox (its pool's connections). */
	concurrency?: number;
	retry?: Partial<RetryPolicy>;
	tracking: { baseUrl: string; secret: string };
	executionId?: string | null;
	/** The time to act at (tests); now by default. */
	now?: () => Date;
	/** Organizations claiming or recording at the same time in a platform run (each holds a pooled connection). */
	organizationConcurrency?: number;
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
function classifySmtpError(error: unknown): { kind: FailureKind; smtpCode?: number; message: string } {
	const { code, responseCode, command, message } = error as {
		code?: string;
		responseCode?: number;
		command?: string;
		message?: string;
	};
	const text = message ?? String(error);
	if (code === 'EAUTH' || responseCode === 535 || responseCode === 534 || responseCode === 530) {
		return {
			kind: 'mailbox',
			smtpCode: responseCode,
			message: `The SMTP server refused the mailbox's sign-in: ${text}`,
		};
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
export function composeClaimed(
	email: ClaimedEmail,
	tracking: { baseUrl: string; secret: string; organizationId: string },
): ComposedMessage {
	const config = parseCampaignConfig(email.campaign.config);
	return composeMessage({
		queueId: email.id,
		from: { email: email.account.email, name: config.fromName ?? email.account.fromName },
		to: email.to,
		subject: email.subject,
		html: email.body,
		messageId: messageIdFor(email.id, email.account.email, tracking.organizationId),
		previousMessageIds: email.previousMessageIds,
		tracking: { ...config.tracking, ...tracking },
		unsubscribe: { text: config.unsubscribeText, mailto: email.account.email },
		postalAddress: config.postalAddress,
	});
}

/**
 * Runs `work` over `items`, at most `limit` at a time and at most `perKey` with the same key at a time, each key's
 * items in their order. Rejects with the first error `work` throws, once nothing runs any more.
 */
async function forEachLimited<T>(
	items: T[],
	limit: number,
	perKey: number,
	keyOf: (item: T) => string,
	work: (item: T) => Promise<void>,
): Promise<void> {
	const waiting = new Map<string, T[]>();
	for (const item of items) {
		const key = keyOf(item);
		const queue = waiting.get(key);
		if (queue) queue.push(item);
		else waiting.set(key, [item]);
	}
	const running = new Map<string, number>();
	let active = 0;
	let failure: { error: unknown } | undefined;
	await new Promise<void>((resolve, reject) => {
		const settle = () => {
			if (active > 0) return;
			if (failure) reject(failure.error);
			else if (waiting.size === 0) resolve();
		};
		const start = (key: string, item: T) => {
			active++;
			running.set(key, (running.get(key) ?? 0) + 1);
			void Promise.resolve()
				.then(() => work(item))
				.catch((error: unknown) => {
					failure ??= { error };
				})
				.finally(() => {
					active--;
					running.set(key, running.get(key)! - 1);
					pump();
				});
		};
		const pump = () => {
			if (!failure) {
				for (const [key, queue] of waiting) {
					while (active < limit && queue.length > 0 && running.get(key)! < perKey) start(key, queue.shift()!);
					if (queue.length === 0) waiting.delete(key);
				}
			}
			settle();
		};
		for (const key of waiting.keys()) running.set(key, 0);
		pump();
	});
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

/** One organization a Sender run serves: a runner of its tenant transactions, and its name for the report. */
export interface SendingOrganization {
	run: TenantRunner;
	id?: string;
	name?: string;
}

/** One organization's part of a batch: what it claimed, and how to send it. */
interface ClaimedBatch {
	emails: ClaimedEmail[];
	mailboxes: Map<string, Mailbox>;
	tracking: { baseUrl: string; secret: string; organizationId: string };
}

/** Claims up to `limit` emails in one short transaction of the organization, with their mailboxes' secrets. */
function claimBatch(
	organization: SendingOrganization,
	box: SecretBox,
	options: SendDueOptions & { tracking: { baseUrl: string; secret: string } },
	limit: number,
): Promise<ClaimedBatch> {
	const now = options.now ?? (() => new Date());
	return organization.run(async (tx) => {
		const emails = await claimDueEmails(tx, {
			limit,
			leaseSeconds: options.leaseSeconds,
			executionId: options.executionId ?? null,
			now: now(),
		});
		const mailboxes = new Map<string, Mailbox>();
		for (const id of new Set(emails.map((e) => e.account.id))) {
			const account = await getEmailAccount(tx, id);
			mailboxes.set(id, {
				id,
				email: account.email,
				smtp: account.settings.smtp,
				secret: await mailboxSecret(tx, box, id),
			});
		}
		// The organization's own tracking secret signs its links when it has one; the credential's otherwise.
		const { signing } = await trackingKeys(tx, box, options.tracking.secret, { now: now() });
		return {
			emails,
			mailboxes,
			tracking: { baseUrl: options.tracking.baseUrl, secret: signing, organizationId: tx.organizationId },
		};
	});
}

/** One organization's result of a platform Sender run: its counts and emails, or why it sent nothing more. */
export type OrganizationSendSummary = SendSummary & {
	organizationId?: string;
	organizationName?: string;
	error?: string;
};

/** Fewer emails than a share are due: what an organization could not use goes to those that used all of theirs. */
const SHARE_ROUNDS = 2;

/**
 * Send Due Emails for several organizations at once (platform mode), each organization's claims and results in its
 * own tenant transactions. The batch is shared max-min fairly by due work (fairShares), so an organization with
 * 100,000 due emails never holds back one with 10 for more than a batch; the emails of all of them are then sent
 * together, at most `concurrency` at a time. An organization whose claim or recording fails is reported with its
 * error; the others go on.
 */
export async function sendDueEmailsForOrganizations(
	organizations: SendingOrganization[],
	box: SecretBox,
	options: SendDueOptions,
): Promise<OrganizationSendSummary[]> {
	const { summaries, errors } = await sendShared(organizations, box, options);
	return summaries.map((summary, i) => {
		const organization = organizations[i];
		return {
			...(organization.id ? { organizationId: organization.id, organizationName: organization.name ?? '' } : {}),
			...summary,
			...(errors[i] ? { error: errors[i].message } : {}),
		};
	});
}

/**
 * Send Due Emails for one organization: claims a batch (one short transaction), sends each email through its
 * mailbox's transport, then records every result (one transaction). Secrets are decrypted in memory for the send and
 * never returned.
 */
export async function sendDueEmails(run: TenantRunner, box: SecretBox, options: SendDueOptions): Promise<SendSummary> {
	const { summaries, errors } = await sendShared([{ run }], box, options);
	if (errors[0]) throw errors[0];
	return summaries[0];
}

/** `work` for the organizations `which` admits, a few at a time; an organization whose work throws gets its error. */
async function eachOrganization<T>(
	organizations: SendingOrganization[],
	concurrency: number,
	errors: Array<Error | undefined>,
	which: (index: number) => boolean,
	work: (organization: SendingOrganization, index: number) => Promise<T>,
): Promise<Array<T | undefined>> {
	const values = new Array<T | undefined>(organizations.length);
	const chosen = organizations.map((organization, index) => ({ organization, index })).filter((o) => which(o.index));
	const outcomes = await forEachOrganization(chosen, ({ organization, index }) => work(organization, index), {
		concurrency,
	});
	for (const { organization, result, error } of outcomes) {
		if (error) errors[organization.index] ??= error;
		else values[organization.index] = result;
	}
	return values;
}

async function sendShared(
	organizations: SendingOrganization[],
	box: SecretBox,
	options: SendDueOptions,
): Promise<{ summaries: SendSummary[]; errors: Array<Error | undefined> }> {
	const concurrency = wholeNumber(options.concurrency ?? 20, 'Concurrency', 1, 200);
	const batchSize = wholeNumber(options.batchSize, 'Batch Size', 1, 10_000);
	const tracking = {
		baseUrl: requireTrackingBaseUrl(options.tracking.baseUrl),
		secret: requireTrackingSecret(options.tracking.secret),
	};
	const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
	const executionId = options.executionId ?? null;
	const now = options.now ?? (() => new Date());
	const lanes = options.organizationConcurrency ?? 4;
	// Until then no other run takes this batch's emails back: recording their results may be retried that long.
	const leaseEnds = Date.now() + options.leaseSeconds * 1000;
	const errors = organizations.map((): Error | undefined => undefined);
	const batches = organizations.map((): ClaimedBatch[] => []);
	const healthy = (i: number) => !errors[i];
	// A lone organization takes the whole batch; several share it by what each has due.
	let demands =
		organizations.length === 1
			? [batchSize]
			: await eachOrganization(organizations, lanes, errors, healthy, (o) =>
					o.run((tx) => dueEmailCount(tx, { cap: batchSize, now: now() })),
				);
	let left = batchSize;
	for (let round = 0; round < SHARE_ROUNDS && left > 0; round++) {
		const shares = fairShares(
			demands.map((demand, i) => (errors[i] ? 0 : (demand ?? 0))),
			left,
		);
		const claimed = await eachOrganization(
			organizations,
			lanes,
			errors,
			(i) => healthy(i) && shares[i] > 0,
			(o, i) => claimBatch(o, box, { ...options, tracking }, shares[i]),
		);
		claimed.forEach((batch, i) => batch && batches[i].push(batch));
		left -= claimed.reduce((sum, batch) => sum + (batch?.emails.length ?? 0), 0);
		// Only an organization that used its whole share may have more due.
		demands = demands.map((demand, i) =>
			shares[i] > 0 && claimed[i]?.emails.length === shares[i] ? (demand ?? 0) - shares[i] : 0,
		);
	}
	const claimed = batches.flatMap((parts, i) =>
		parts.flatMap((part) => part.emails.map((email) => ({ email, part, i }))),
	);
	const transportFor = options.transportFor ?? ((m: Mailbox) => pooledTransport(m.id, m.smtp, m.secret));
	const deliveries = organizations.map((): Delivery[] => []);
	const failures = organizations.map((): Failure[] => []);
	const results = new Map<string, SendResult>();
	// The mailboxes whose SMTP server did not answer in time in this run, and why. Their emails not yet handed to
	// the transport go back to the queue at once, so a hanging server costs the run about one timeout; those already
	// handed over (at most CONNECTIONS_PER_MAILBOX, each on its own connection) are never cut off: a healthy
	// connection of that mailbox may be delivering one, and ending it before the server's answer would send it twice.
	// Each ends by itself, sent or failed by its own timeout.
	const hung = new Map<string, string>();
	await forEachLimited(
		claimed,
		concurrency,
		CONNECTIONS_PER_MAILBOX,
		({ email }) => email.account.id,
		async ({ email, part, i }) => {
			const base = {
				id: email.id,
				to: email.to.email,
				accountId: email.account.id,
				campaignId: email.campaignId,
				step: email.sequenceStep,
				attempt: email.attempts,
			};
			const fail = ({ kind, smtpCode, message: reason }: ReturnType<typeof classifySmtpError>) => {
				failures[i].push({ id: email.id, leaseToken: email.leaseToken, kind, error: reason, smtpCode });
				const status: SendStatus =
					kind === 'bounce'
						? 'bounced'
						: kind === 'mailbox'
							? 'mailbox paused'
							: kind === 'permanent' || email.attempts >= policy.maxAttempts
								? 'failed'
								: 'retrying';
				results.set(email.id, { ...base, status, error: reason });
			};
			const givenUp = hung.get(email.account.id);
			if (givenUp !== undefined) return fail({ kind: 'retry', message: givenUp });
			let message: ComposedMessage;
			try {
				message = composeClaimed(email, part.tracking);
			} catch (error) {
				return fail({ kind: 'permanent', message: (error as Error).message });
			}
			try {
				await transportFor(part.mailboxes.get(email.account.id)!).sendMail(message);
				deliveries[i].push({ id: email.id, leaseToken: email.leaseToken, messageId: message.messageId });
				results.set(email.id, { ...base, status: 'sent', messageId: message.messageId });
			} catch (error) {
				const outcome = classifySmtpError(error);
				if ((error as { code?: string }).code === 'ETIMEDOUT' && !hung.has(email.account.id)) {
					hung.set(
						email.account.id,
						`not sent: the mailbox's SMTP server did not answer in time in this run (${outcome.message})`,
					);
				}
				fail(outcome);
			}
		},
	);
	// Every organization that claimed records its results, even one whose later claim failed.
	const recorded = await eachOrganization(
		organizations,
		lanes,
		errors,
		(i) => batches[i].length > 0,
		(o, i) =>
			retryWhileConnectionLost(leaseEnds, () =>
				o.run(async (tx) => [
					await completeEmails(tx, deliveries[i], { executionId, now: now() }),
					await failEmails(tx, failures[i], { executionId, policy, now: now() }),
				]),
			),
	);
	for (const [completed, failed] of recorded.filter((r) => r !== undefined)) {
		for (const id of [...completed.rejected, ...failed.rejected]) {
			results.set(id, { ...results.get(id)!, status: 'superseded' });
		}
	}
	const summaries = batches.map((parts) => {
		const ordered = parts.flatMap((part) => part.emails.map((email) => results.get(email.id)!));
		const count = (status: SendStatus) => ordered.filter((r) => r.status === status).length;
		return {
			claimed: ordered.length,
			sent: count('sent'),
			retrying: count('retrying'),
			failed: count('failed'),
			bounced: count('bounced'),
			mailboxPaused: count('mailbox paused'),
			superseded: count('superseded'),
			results: ordered,
		};
	});
	return { summaries, errors };
}
