import { SYSTEM_ORGANIZATION_ID } from '../db/connectionSettings';
import type { SecretBox } from '../db/secretBox';
import type { TenantRunner, TenantTx } from '../db/tenantTransaction';
import { trackClick, trackOpen, trackUnsubscribe, unsubscribeTarget } from './tracking';
import { trackingKeys } from './trackingSecrets';
import { type TrackingKind, trackingTokenClaim } from './trackingToken';

// The tracking webhook's answers, independent of n8n: the trigger node maps its request in and writes the reply
// out. Open always answers the pixel (a mail client shows a broken image otherwise); a click redirects only to the
// link stored for it; unsubscribe shows a confirmation page (GET) and unsubscribes on POST, including RFC 8058
// one-click POSTs from mail clients (no cookies, no redirect). Anything invalid records nothing.
//
// One tracking workflow answers for every organization: a version 2 token names its organization, and the request
// runs in that organization's transaction, verified with that organization's keys (trackingSecrets.ts) — when the
// credential acts for the system organization (the platform operator), or the token names the credential's own
// organization. Any other organization's token is answered as an invalid one and records nothing. A version 1 token
// names no organization: it is verified in the credential's own, with its keys (as before version 2).

/** Where and with what the webhook verifies and records. */
export interface TrackingEndpoint {
	/** The credential's organization. */
	organizationId: string;
	/** Runs work in one transaction acting for the given organization. */
	runFor(organizationId: string): TenantRunner;
	/** Opens organizations' own tracking secrets (the credential's encryption key). */
	box: Pick<SecretBox, 'open'>;
	/** The credential's Tracking Secret: the platform default. */
	platformSecret: string;
}

/**
 * The organization a token's request runs in, or undefined when this endpoint may not answer it (not a token,
 * or another organization's token and the credential is not the platform's).
 */
export function trackingOrganization(
	endpoint: Pick<TrackingEndpoint, 'organizationId'>,
	token: unknown,
): string | undefined {
	const claim = trackingTokenClaim(token);
	if (!claim) return undefined;
	const own = endpoint.organizationId.toLowerCase();
	if (claim.version === 1) return own;
	return own === SYSTEM_ORGANIZATION_ID || claim.organizationId === own ? claim.organizationId : undefined;
}

export interface TrackingHttpRequest {
	kind: TrackingKind;
	method: string;
	/** The token from the URL's query (t=…). */
	token: string;
	ip?: string | null;
	userAgent?: string | null;
	executionId?: string | null;
}

export interface TrackingHttpReply {
	status: number;
	headers: Record<string, string>;
	body: Buffer | string;
	/** What was recorded, for "Emit Events". */
	event?: Record<string, unknown>;
}

/** A transparent 1×1 GIF. */
export const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const NO_STORE = {
	'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0',
	Pragma: 'no-cache',
	Expires: '0',
};
const HTML_HEADERS = {
	...NO_STORE,
	'Content-Type': 'text/html; charset=utf-8',
	'X-Content-Type-Options': 'nosniff',
	'Referrer-Policy': 'no-referrer',
	'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
};

const escapeHtml = (text: string) =>
	text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, content: string): string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.6rem 1.2rem;cursor:pointer}</style>
</head><body>${content}</body></html>`;
}

export const NOT_FOUND: TrackingHttpReply = {
	status: 404,
	headers: HTML_HEADERS,
	body: page('Link not found', '<h1>Link not found</h1><p>This link is not valid or has expired.</p>'),
};

/** The open pixel's answer, recorded or not (also what the trigger answers when recording failed). */
export const PIXEL_REPLY: TrackingHttpReply = {
	status: 200,
	headers: { ...NO_STORE, 'Content-Type': 'image/gif', 'Content-Length': String(PIXEL.length) },
	body: PIXEL,
};

export async function handleTrackingRequest(
	endpoint: TrackingEndpoint,
	request: TrackingHttpRequest,
): Promise<TrackingHttpReply> {
	const method = request.method.toUpperCase();
	const info = { method, ip: request.ip, userAgent: request.userAgent, executionId: request.executionId };
	const organizationId = trackingOrganization(endpoint, request.token);
	/** Runs `work` in the token's organization with its verifying keys; undefined when the token is not for here. */
	const run = async <T>(work: (tx: TenantTx, keys: string[]) => Promise<T>): Promise<T | undefined> =>
		organizationId === undefined
			? undefined
			: endpoint.runFor(organizationId)(async (tx) =>
					work(tx, (await trackingKeys(tx, endpoint.box, endpoint.platformSecret)).verifying),
				);
	if (request.kind === 'open') {
		const outcome = await run((tx, keys) => trackOpen(tx, keys, request.token, info));
		return {
			...PIXEL_REPLY,
			body: method === 'HEAD' ? '' : PIXEL,
			...(outcome?.recorded ? { event: { type: 'opened', organizationId, ...outcome } } : {}),
		};
	}
	if (request.kind === 'click') {
		const outcome = await run((tx, keys) => trackClick(tx, keys, request.token, info));
		if (!outcome) return NOT_FOUND;
		return {
			status: 302,
			headers: {
				...NO_STORE,
				Location: outcome.url,
				'Referrer-Policy': 'no-referrer',
				'Content-Type': 'text/plain; charset=utf-8',
			},
			body: method === 'HEAD' ? '' : `Redirecting to ${outcome.url}`,
			event: { type: 'clicked', organizationId, ...outcome },
		};
	}
	if (method === 'POST') {
		const outcome = await run((tx, keys) =>
			trackUnsubscribe(tx, keys, request.token, { ...info, source: 'one-click' }),
		);
		if (!outcome?.unsubscribed) return NOT_FOUND;
		return {
			status: 200,
			headers: HTML_HEADERS,
			body: page('Unsubscribed', '<h1>You are unsubscribed</h1><p>You will not receive further emails from us.</p>'),
			...(outcome.already
				? {}
				: {
						event: {
							type: 'unsubscribed',
							organizationId,
							queueId: outcome.queueId,
							leadId: outcome.leadId,
							campaignId: outcome.campaignId,
						},
					}),
		};
	}
	const address = await run((tx, keys) => unsubscribeTarget(tx, keys, request.token));
	if (!address) return NOT_FOUND;
	// A GET never unsubscribes: link scanners fetch every URL of an email. The person confirms with the button.
	return {
		status: 200,
		headers: HTML_HEADERS,
		body: page(
			'Unsubscribe',
			`<h1>Unsubscribe</h1><p>Stop emails to <strong>${escapeHtml(address)}</strong>?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
		),
	};
}
