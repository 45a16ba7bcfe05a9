import { randomInt } from 'node:crypto';

import { type CampaignConfig, parseCampaignConfig } from '../outreach/campaignConfig';
import { mailboxesForSending } from '../outreach/emailAccounts';
import type { MailboxSecret, SmtpSettings } from './mailTransport';
import { composeMessage, type ComposedMessage, messageIdFor } from './messageComposer';
import { wholeNumber } from '../validation/numbers';
import { type ClaimedEmail, claimDueEmails } from './queueClaims';
import { fairShares } from './fairShares';
import { KeyedLanes, lanes } from './workLanes';
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
	/** Organizations claiming or recording at the same time in a platform run, each on a pooled connection (8). */
	organizationConcurrency?: number;
	/** Where a mailbox's emails go: its pooled SMTP transport unless given (tests, benchmarks, other senders). */
	transportFor?: (mailbox: Mailbox) => MailSender;
}

export type SendStatus = 'sent' | 'retrying' | 'failed' | 'bounced' | 'mailbox paused' | 'superseded' | 'unrecorded';

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
	/** Handled, but their results could not be recorded (the database went away): they go out again after the lease. */
	unrecorded: number;
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
	config: CampaignConfig = parseCampaignConfig(email.campaign.config),
): ComposedMessage {
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
		const ids = [...new Set(emails.map((e) => e.account.id))];
		const mailboxes: Map<string, Mailbox> = ids.length === 0 ? new Map() : await mailboxesForSending(tx, box, ids);
		// The organization's own tracking secret signs its links when it has one; the credential's otherwise.
		const { signing } =
			emails.length === 0
				? { signing: options.tracking.secret }
				: await trackingKeys(tx, box, options.tracking.secret, { now: now() });
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
	/** What stopped this organization's claims or recording (its other emails of the run are still reported). */
	error?: Error;
};

/** Organizations claiming or recording at the same time by default: a pool of the specification's 10 keeps 2 free. */
export const ORGANIZATION_LANES = 8;

/**
 * Claim rounds of a platform run: the first gives each organization an equal share (an organization with fewer due
 * emails takes only those); each later one shares what is left among the organizations that took all of theirs and
 * those not asked yet (when there are more organizations than emails in a batch).
 */
const SHARE_ROUNDS = 3;

/**
 * Send Due Emails for several organizations at once (platform mode), each organization's claims and results in its
 * own tenant transactions. The batch is shared max-min fairly (fairShares, over SHARE_ROUNDS claim rounds), so an
 * organization with 100,000 due emails never holds back one with 10 for more than a batch; all organizations' emails
 * share one `concurrency` limit. An organization whose claim or recording fails is reported with its error; the
 * others go on.
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
			...(errors[i] ? { error: errors[i] } : {}),
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

/**
 * A Sender run as a pipeline: each organization claims its share (one short transaction, at most
 * `organizationConcurrency` organizations at a time, each on a pooled connection), its emails go to the shared sending lanes as soon as they
 * are claimed, and its results are recorded (one transaction) as soon as its emails are done. So one organization's
 * database work overlaps the others' SMTP work, and a platform run costs little more than one organization's.
 */
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
	const inLane = lanes(options.organizationConcurrency ?? ORGANIZATION_LANES);
	const sending = new KeyedLanes(concurrency, CONNECTIONS_PER_MAILBOX);
	// Until then no other run takes this batch's emails back: recording their results may be retried that long.
	const leaseEnds = Date.now() + options.leaseSeconds * 1000;
	const errors = organizations.map((): Error | undefined => undefined);
	const batches = organizations.map((): ClaimedBatch[] => []);
	const results = new Map<string, SendResult>();
	const transportFor = options.transportFor ?? ((m: Mailbox) => pooledTransport(m.id, m.smtp, m.secret));
	// Each campaign's config is parsed once per run, not once per email (a config lists up to hundreds of mailboxes).
	const configs = new Map<string, CampaignConfig>();
	const configOf = (email: ClaimedEmail) => {
		let config = configs.get(email.campaignId);
		if (!config) configs.set(email.campaignId, (config = parseCampaignConfig(email.campaign.config)));
		return config;
	};
	// The mailboxes whose SMTP server did not answer in time in this run, and why. Their emails not yet handed to
	// the transport go back to the queue at once, so a hanging server costs the run about one timeout; those already
	// handed over (at most CONNECTIONS_PER_MAILBOX, each on its own connection) are never cut off: a healthy
	// connection of that mailbox may be delivering one, and ending it before the server's answer would send it twice.
	// Each ends by itself, sent or failed by its own timeout.
	const hung = new Map<string, string>();

	/** Sends one claimed email and notes its outcome in the batch's deliveries or failures. Never throws. */
	async function sendOne(email: ClaimedEmail, batch: ClaimedBatch, deliveries: Delivery[], failures: Failure[]) {
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
			message = composeClaimed(email, batch.tracking, configOf(email));
		} catch (error) {
			return fail({ kind: 'permanent', message: (error as Error).message });
		}
		try {
			await transportFor(batch.mailboxes.get(email.account.id)!).sendMail(message);
			deliveries.push({ id: email.id, leaseToken: email.leaseToken, messageId: message.messageId });
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
	}

	/** Sends a claimed batch, then records its results in one transaction of its organization. */
	async function sendAndRecord(i: number, batch: ClaimedBatch): Promise<void> {
		const deliveries: Delivery[] = [];
		const failures: Failure[] = [];
		await Promise.all(
			batch.emails.map((email) => sending.run(email.account.id, () => sendOne(email, batch, deliveries, failures))),
		);
		try {
			const [completed, failed] = await inLane(() =>
				retryWhileConnectionLost(leaseEnds, () =>
					organizations[i].run(async (tx) => [
						await completeEmails(tx, deliveries, { executionId, now: now() }),
						await failEmails(tx, failures, { executionId, policy, now: now() }),
					]),
				),
			);
			for (const id of [...completed.rejected, ...failed.rejected]) {
				results.set(id, { ...results.get(id)!, status: 'superseded' });
			}
		} catch (error) {
			errors[i] ??= error as Error;
			// Still leased in the database: once the lease ends they are claimed, and sent, again.
			for (const email of batch.emails) {
				const result = results.get(email.id)!;
				results.set(email.id, {
					...result,
					status: 'unrecorded',
					error: `${result.status}, but not recorded (${(error as Error).message}): it goes out again once its lease ends`,
				});
			}
		}
	}

	const recording: Array<Promise<void>> = [];
	// How much each organization may still want: unknown (the whole batch) until a claim took less than its share.
	let demands = organizations.map(() => batchSize);
	// Which organization gets a share's remainder (or, with more organizations than emails, a turn) is drawn at random:
	// a schedule fires at the same second every time, so anything derived from the clock would favour the same ones.
	const start = randomInt(Math.max(1, organizations.length));
	let left = batchSize;
	for (let round = 0; round < SHARE_ROUNDS && left > 0; round++) {
		const shares = fairShares(
			demands.map((demand, i) => (errors[i] ? 0 : demand)),
			left,
			{ start },
		);
		const taken = await Promise.all(
			organizations.map(async (organization, i) => {
				if (shares[i] === 0) return 0;
				try {
					const batch = await inLane(() => claimBatch(organization, box, { ...options, tracking }, shares[i]));
					batches[i].push(batch);
					if (batch.emails.length > 0) recording.push(sendAndRecord(i, batch));
					return batch.emails.length;
				} catch (error) {
					errors[i] ??= error as Error;
					return 0;
				}
			}),
		);
		left -= taken.reduce((sum, count) => sum + count, 0);
		// An organization that took less than its share has nothing more due; one that took all of it may have.
		// One not asked this round (more organizations than emails) still may.
		demands = demands.map((demand, i) => (shares[i] === 0 ? demand : taken[i] === shares[i] ? demand - shares[i] : 0));
	}
	await Promise.all(recording);
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
			unrecorded: count('unrecorded'),
			results: ordered,
		};
	});
	return { summaries, errors };
}
