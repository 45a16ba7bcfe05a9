import { createHmac, timingSafeEqual } from 'node:crypto';

import { InvalidInputError } from '../validation/errors';
import { requireUuid } from '../validation/ids';

/**
 * Signed tokens for the tracking webhook's URLs (open pixel, click redirect, unsubscribe). A token names one
 * queue item, what happened and which link, and carries a full HMAC-SHA256 over them, so nobody can forge an
 * open, redirect a lead's click elsewhere or unsubscribe someone else. The payload is binary to keep URLs short:
 *   16 bytes queue item UUID | 1 byte kind | 2 bytes link index (big-endian) | 32 bytes MAC
 * 51 bytes encode to exactly 68 base64url characters without padding, and each such text decodes to one byte
 * string only, so a token has exactly one spelling.
 */
export type TrackingKind = 'open' | 'click' | 'unsubscribe';

const DOMAIN_SEPARATOR = 'ophir-track-v1';
const KIND_BYTES: Record<TrackingKind, number> = { open: 1, click: 2, unsubscribe: 3 };
const KINDS_BY_BYTE = new Map<number, TrackingKind>(
	Object.entries(KIND_BYTES).map(([kind, byte]) => [byte, kind as TrackingKind]),
);
const PAYLOAD_BYTES = 16 + 1 + 2;
const MAC_BYTES = 32;
const TOKEN = /^[A-Za-z0-9_-]{68}$/;
const MAX_LINK_INDEX = 0xffff;
export const MIN_TRACKING_SECRET_LENGTH = 32;

export function requireTrackingSecret(secret: unknown): string {
	// The secret itself is never echoed into the error.
	if (typeof secret !== 'string' || secret.length < MIN_TRACKING_SECRET_LENGTH) {
		throw new InvalidInputError(
			'Tracking Secret (credential)',
			`at least ${MIN_TRACKING_SECRET_LENGTH} characters long (a random string, e.g. from openssl rand -hex 32)`,
		);
	}
	return secret;
}

/** A queue item id in canonical form (lower-case UUID). */
export function requireQueueId(queueId: unknown, field = 'Queue item id'): string {
	return requireUuid(queueId, field).toLowerCase();
}

function mac(secret: string, payload: Buffer): Buffer {
	return createHmac('sha256', secret).update(DOMAIN_SEPARATOR).update(payload).digest();
}

export function signTrackingToken(secret: string, queueId: string, kind: TrackingKind, linkIndex?: number): string {
	const key = requireTrackingSecret(secret);
	const id = requireQueueId(queueId);
	const kindByte = Object.hasOwn(KIND_BYTES, kind) ? KIND_BYTES[kind] : undefined;
	if (kindByte === undefined) throw new InvalidInputError('Tracking kind', 'open, click or unsubscribe', kind);
	const index = linkIndex ?? 0;
	if (kind === 'click') {
		if (!Number.isInteger(index) || index < 0 || index > MAX_LINK_INDEX) {
			throw new InvalidInputError('Link index', `an integer from 0 to ${MAX_LINK_INDEX}`, linkIndex);
		}
	} else if (index !== 0) {
		throw new InvalidInputError('Link index', `0 for ${kind} tracking (only clicks have links)`, linkIndex);
	}
	const payload = Buffer.alloc(PAYLOAD_BYTES);
	Buffer.from(id.replace(/-/g, ''), 'hex').copy(payload, 0);
	payload.writeUInt8(kindByte, 16);
	payload.writeUInt16BE(index, 17);
	return Buffer.concat([payload, mac(key, payload)]).toString('base64url');
}

/**
 * What a token stands for, or undefined when it was not signed with this secret exactly as given (forged,
 * altered, truncated, extended, not base64url, not a string). Never throws because of the token: it comes from
 * the internet. A secret too short to have signed anything is a configuration error and does throw.
 */
export function verifyTrackingToken(
	secret: string,
	token: unknown,
): { queueId: string; kind: TrackingKind; linkIndex: number } | undefined {
	const key = requireTrackingSecret(secret);
	if (typeof token !== 'string' || !TOKEN.test(token)) return undefined;
	const bytes = Buffer.from(token, 'base64url');
	if (bytes.length !== PAYLOAD_BYTES + MAC_BYTES) return undefined;
	const payload = bytes.subarray(0, PAYLOAD_BYTES);
	if (!timingSafeEqual(bytes.subarray(PAYLOAD_BYTES), mac(key, payload))) return undefined;
	// Signed by us, but only signTrackingToken's shapes are accepted (a future version's token is not this one).
	const kind = KINDS_BY_BYTE.get(payload.readUInt8(16));
	const linkIndex = payload.readUInt16BE(17);
	if (!kind || (kind !== 'click' && linkIndex !== 0)) return undefined;
	const hex = payload.subarray(0, 16).toString('hex');
	const queueId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
	return { queueId, kind, linkIndex };
}

const URL_UNSAFE = /[\s<>"'`\\]/;

/** The tracking base URL without trailing slashes; it goes into href attributes and List-Unsubscribe as is. */
export function requireTrackingBaseUrl(baseUrl: unknown): string {
	const expected = 'an http(s) URL without query or fragment, such as https://n8n.example.com/webhook/ophir';
	if (typeof baseUrl !== 'string' || URL_UNSAFE.test(baseUrl)) {
		throw new InvalidInputError('Tracking Base URL', expected, baseUrl);
	}
	const base = baseUrl.replace(/\/+$/, '');
	let url: URL;
	try {
		url = new URL(base);
	} catch {
		throw new InvalidInputError('Tracking Base URL', expected, baseUrl);
	}
	if (!['http:', 'https:'].includes(url.protocol) || !url.hostname || base.includes('?') || base.includes('#')) {
		throw new InvalidInputError('Tracking Base URL', expected, baseUrl);
	}
	return base;
}

const URL_SHAPES: Record<TrackingKind, (base: string, token: string) => string> = {
	open: (base, token) => `${base}/o.gif?t=${token}`,
	click: (base, token) => `${base}/c?t=${token}`,
	unsubscribe: (base, token) => `${base}/u?t=${token}`,
};

export function trackingUrl(
	baseUrl: string,
	secret: string,
	queueId: string,
	kind: TrackingKind,
	linkIndex?: number,
): string {
	const base = requireTrackingBaseUrl(baseUrl);
	const token = signTrackingToken(secret, queueId, kind, linkIndex);
	return URL_SHAPES[kind](base, token);
}
