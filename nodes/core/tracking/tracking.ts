import { recordEvents } from './events';
import { machineTrafficReason } from './machineTraffic';
import { redirectableUrl, trackableLinks } from '../sending/emailHtml';
import type { TenantTx } from '../db/tenantTransaction';
import { type TrackingKind, verifyTrackingToken } from './trackingToken';

// What the tracking webhook does with a request, once its token is checked: a valid token records one event of
// the email it names; anything else (forged, truncated, re-targeted, another kind's token, an email of another
// organization or not sent) records nothing. Redirects only ever go to the link that was in that email.
// `secrets` are the keys that verify the organization's tokens (trackingKeys(...).verifying, or one secret); a
// version 2 token counts only in the transaction of the organization it names.

export interface TrackingRequest {
	method: string;
	ip?: string | null;
	userAgent?: string | null;
	executionId?: string | null;
	now?: Date;
}

/** One tracking secret, or an organization's verifying keys. */
export type TrackingSecrets = string | readonly string[];

interface SentEmail {
	id: string;
	lead_id: string;
	campaign_id: string;
	sent_at: Date | null;
	body: string | null;
	email: string;
}

async function sentEmail(
	tx: TenantTx,
	secrets: TrackingSecrets,
	token: unknown,
	kind: TrackingKind,
): Promise<{ email: SentEmail; linkIndex: number } | undefined> {
	const verified = verifyTrackingToken(secrets, token);
	if (!verified || verified.kind !== kind) return undefined;
	if (verified.organizationId !== undefined && verified.organizationId !== tx.organizationId.toLowerCase()) {
		return undefined;
	}
	const { rows } = await tx.query<SentEmail>(
		`SELECT q.id, q.lead_id, q.campaign_id, q.sent_at, q.body, l.email FROM email_queue q JOIN leads l ON l.id = q.lead_id
		 WHERE q.organization_id = $1 AND q.id = $2 AND q.status = 'sent'`,
		[tx.organizationId, verified.queueId],
	);
	return rows[0] ? { email: rows[0], linkIndex: verified.linkIndex } : undefined;
}

function secondsSince(sentAt: Date | null, now: Date): number | null {
	return sentAt ? (now.getTime() - sentAt.getTime()) / 1000 : null;
}

/** Which email an event was about. */
export interface TrackedEmail {
	queueId: string;
	leadId: string;
	campaignId: string;
}

const about = (email: SentEmail): TrackedEmail => ({
	queueId: email.id,
	leadId: email.lead_id,
	campaignId: email.campaign_id,
});

/** An open-pixel request: recorded when the token is good. The caller answers with the pixel either way. */
export async function trackOpen(
	tx: TenantTx,
	secrets: TrackingSecrets,
	token: unknown,
	request: TrackingRequest,
): Promise<{ recorded: false } | ({ recorded: true; machine?: string } & TrackedEmail)> {
	const found = await sentEmail(tx, secrets, token, 'open');
	if (!found) return { recorded: false };
	const now = request.now ?? new Date();
	const machine = machineTrafficReason({
		kind: 'open',
		method: request.method,
		userAgent: request.userAgent,
		secondsSinceSent: secondsSince(found.email.sent_at, now),
	});
	await recordEvents(
		tx,
		[{ type: 'opened', queueId: found.email.id, at: now, machine, ip: request.ip, userAgent: request.userAgent }],
		{ executionId: request.executionId, now },
	);
	return { recorded: true, ...about(found.email), ...(machine ? { machine } : {}) };
}

/** A click: the URL of that link of that email, recorded as a click; undefined (nothing recorded) for anything else. */
export async function trackClick(
	tx: TenantTx,
	secrets: TrackingSecrets,
	token: unknown,
	request: TrackingRequest,
): Promise<({ url: string; machine?: string } & TrackedEmail) | undefined> {
	const found = await sentEmail(tx, secrets, token, 'click');
	if (!found) return undefined;
	const url = redirectableUrl(trackableLinks(found.email.body ?? '')[found.linkIndex]);
	if (!url) return undefined;
	const now = request.now ?? new Date();
	const machine = machineTrafficReason({
		kind: 'click',
		method: request.method,
		userAgent: request.userAgent,
		secondsSinceSent: secondsSince(found.email.sent_at, now),
	});
	await recordEvents(
		tx,
		[
			{
				type: 'clicked',
				queueId: found.email.id,
				at: now,
				machine,
				ip: request.ip,
				userAgent: request.userAgent,
				metadata: { url, linkIndex: found.linkIndex },
			},
		],
		{ executionId: request.executionId, now },
	);
	return { url, ...about(found.email), ...(machine ? { machine } : {}) };
}

/** The address an unsubscribe link is for, masked for the confirmation page (j***@example.com); undefined if invalid. */
export async function unsubscribeTarget(
	tx: TenantTx,
	secrets: TrackingSecrets,
	token: unknown,
): Promise<string | undefined> {
	const found = await sentEmail(tx, secrets, token, 'unsubscribe');
	if (!found) return undefined;
	const [local, domain] = found.email.email.split('@');
	return `${local.charAt(0)}***@${domain}`;
}

/**
 * Unsubscribes the address of the email (a confirmed link click or an RFC 8058 one-click POST): every lead with
 * that address in the organization stops at once, the address is suppressed, and one `unsubscribed` event is
 * recorded (a repeated request changes nothing).
 */
export async function trackUnsubscribe(
	tx: TenantTx,
	secrets: TrackingSecrets,
	token: unknown,
	request: TrackingRequest & { source: 'link' | 'one-click' },
): Promise<{ unsubscribed: false } | ({ unsubscribed: true; already?: boolean } & TrackedEmail)> {
	const found = await sentEmail(tx, secrets, token, 'unsubscribe');
	if (!found) return { unsubscribed: false };
	const { rows } = await tx.query<{ suppressed: boolean }>(
		`SELECT EXISTS (SELECT 1 FROM unsubscribes WHERE organization_id = $1 AND scope = 'email' AND email = $2) AS suppressed`,
		[tx.organizationId, found.email.email],
	);
	if (rows[0].suppressed) return { unsubscribed: true, already: true, ...about(found.email) };
	const now = request.now ?? new Date();
	await recordEvents(
		tx,
		[
			{
				type: 'unsubscribed',
				queueId: found.email.id,
				at: now,
				ip: request.ip,
				userAgent: request.userAgent,
				metadata: { source: request.source },
			},
		],
		{ executionId: request.executionId, now },
	);
	return { unsubscribed: true, ...about(found.email) };
}
