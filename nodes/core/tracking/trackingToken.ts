import { createHmac, timingSafeEqual } from 'node:crypto';

import { InvalidInputError } from '../validation/errors';
import { requireUuid } from '../validation/ids';

/**
 * Signed tokens for the tracking webhook's URLs (open pixel, click redirect, unsubscribe). A token names one
 * queue item, what happened and which link, and carries a full HMAC-SHA256 over them, so nobody can forge an
 * open, redirect a lead's click elsewhere or unsubscribe someone else. The payload is binary to keep URLs short.
 *
 * Version 2 (every new link) also names the organization, so one tracking workflow can answer for all of them:
 *   16 bytes organization UUID | 16 bytes queue item UUID | 1 byte kind | 2 bytes link index (big-endian) | 32 bytes MAC
 * with the MAC over the payload after the domain separator "ophir-track-v2". 67 bytes encode to 90 base64url
 * characters without padding; the last character carries 4 bits beyond them, which must be zero.
 *
 * Version 1 (links sent before version 2; still verified, see docs/tracking.md for how long):
 *   16 bytes queue item UUID | 1 byte kind | 2 bytes link index | 32 bytes MAC ("ophir-track-v1")
 * 51 bytes encode to exactly 68 base64url characters. It names no organization: the webhook checks it in the
 * credential's own.
 *
 * Each token text decodes to one byte string only and each byte string has one text, so a token has exactly one
 * spelling. The organization a version 2 token claims can be read before verification (trackingTokenClaim) to pick
 * that organization's keys; only the MAC, made with one of them, proves it.
 */
export type TrackingKind = 'open' | 'click' | 'unsubscribe';

/** What a verified token stands for; organizationId only for version 2 tokens (version 1 names none). */
export interface VerifiedTrackingToken {
	organizationId?: string;
	queueId: string;
	kind: TrackingKind;
	linkIndex: number;
}

/** What a token claims before verification: its version, and for version 2 the organization whose keys to try. */
export type TrackingTokenClaim = { version: 1 } | { version: 2; organizationId: string };

const V1 = { separator: 'ophir-track-v1', idBytes: 16, length: 68, pattern: /^[A-Za-z0-9_-]{68}$/ };
const V2 = { separator: 'ophir-track-v2', idBytes: 32, length: 90, pattern: /^[A-Za-z0-9_-]{90}$/ };
type Version = typeof V1;
const KIND_BYTES: Record<TrackingKind, number> = { open: 1, click: 2, unsubscribe: 3 };
const KINDS_BY_BYTE = new Map<number, TrackingKind>(
	Object.entries(KIND_BYTES).map(([kind, byte]) => [byte, kind as TrackingKind]),
);
const TAIL_BYTES = 1 + 2; // kind, link index
const MAC_BYTES = 32;
const MAX_LINK_INDEX = 0xffff;
export const MIN_TRACKING_SECRET_LENGTH = 32;

/** The keys of a list that could have signed anything (long enough); the rest cannot verify a token. */
export function usableTrackingKeys(keys: readonly unknown[]): string[] {
	return keys.filter((key): key is string => typeof key === 'string' && key.length >= MIN_TRACKING_SECRET_LENGTH);
}

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

/** The 16 bytes of a UUID, and back in canonical (lower-case) form. */
export function uuidBytes(uuid: string): Buffer {
	return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function uuidFromBytes(bytes: Buffer): string {
	const hex = bytes.toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function mac(version: Version, secret: string, payload: Buffer): Buffer {
	return createHmac('sha256', secret).update(version.separator).update(payload).digest();
}

function sign(version: Version, secret: string, ids: string[], kind: TrackingKind, linkIndex?: number): string {
	const key = requireTrackingSecret(secret);
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
	const payload = Buffer.alloc(version.idBytes + TAIL_BYTES);
	ids.forEach((id, i) => uuidBytes(id).copy(payload, i * 16));
	payload.writeUInt8(kindByte, version.idBytes);
	payload.writeUInt16BE(index, version.idBytes + 1);
	return Buffer.concat([payload, mac(version, key, payload)]).toString('base64url');
}

/** A version 2 token, the one every new link carries: it names the organization as well as the email. */
export function signTrackingTokenV2(
	secret: string,
	organizationId: string,
	queueId: string,
	kind: TrackingKind,
	linkIndex?: number,
): string {
	const organization = requireQueueId(organizationId, 'Organization ID');
	return sign(V2, secret, [organization, requireQueueId(queueId)], kind, linkIndex);
}

/**
 * A version 1 token (no organization), as links sent before version 2 carry: still verified, no longer put in new
 * emails. Kept for tests and for tools that must produce an old link.
 */
export function signTrackingToken(secret: string, queueId: string, kind: TrackingKind, linkIndex?: number): string {
	return sign(V1, secret, [requireQueueId(queueId)], kind, linkIndex);
}

function versionOf(token: unknown): Version | undefined {
	if (typeof token !== 'string') return undefined;
	if (token.length === V1.length && V1.pattern.test(token)) return V1;
	if (token.length === V2.length && V2.pattern.test(token)) return V2;
	return undefined;
}

/** The bytes of a token of a known version in its one spelling, or undefined (spare bits set, wrong length). */
function decode(version: Version, token: string): Buffer | undefined {
	const bytes = Buffer.from(token, 'base64url');
	if (bytes.length !== version.idBytes + TAIL_BYTES + MAC_BYTES) return undefined;
	// Base64url decoding ignores the spare low bits of the last character: only the spelling with them zero is ours.
	return bytes.toString('base64url') === token ? bytes : undefined;
}

/**
 * What a token claims, unverified: version 1 (no organization), version 2 with the organization it names, or
 * undefined when it is no token of either shape. Use it only to choose whose keys verify it. Never throws.
 */
export function trackingTokenClaim(token: unknown): TrackingTokenClaim | undefined {
	const version = versionOf(token);
	if (!version) return undefined;
	const bytes = decode(version, token as string);
	if (!bytes) return undefined;
	return version === V1 ? { version: 1 } : { version: 2, organizationId: uuidFromBytes(bytes.subarray(0, 16)) };
}

function verifiedWith(
	version: Version,
	keys: readonly string[],
	bytes: Buffer,
): Omit<VerifiedTrackingToken, 'organizationId'> | undefined {
	const payloadBytes = version.idBytes + TAIL_BYTES;
	const payload = bytes.subarray(0, payloadBytes);
	const given = bytes.subarray(payloadBytes);
	// Every key is tried (no early exit), so the time taken does not tell which one matched.
	let matched = false;
	for (const key of keys) matched = timingSafeEqual(given, mac(version, key, payload)) || matched;
	if (!matched) return undefined;
	// Signed by us, but only the signer's shapes are accepted (a future version's token is not this one).
	const kind = KINDS_BY_BYTE.get(payload.readUInt8(version.idBytes));
	const linkIndex = payload.readUInt16BE(version.idBytes + 1);
	if (!kind || (kind !== 'click' && linkIndex !== 0)) return undefined;
	return { queueId: uuidFromBytes(payload.subarray(version.idBytes - 16, version.idBytes)), kind, linkIndex };
}

/**
 * What a token stands for, or undefined when none of the secrets signed it exactly as given (forged, altered,
 * truncated, extended, not base64url, not a string). Accepts version 1 and version 2 tokens; a version 2 result
 * carries the organizationId the token names, which the caller must match against the organization it acts for.
 * `secrets` is one secret or a list (an organization's verifying keys, trackingSecrets.ts). Never throws because of
 * the token: it comes from the internet. A secret too short to have signed anything is a configuration error and
 * does throw.
 */
export function verifyTrackingToken(
	secrets: string | readonly string[],
	token: unknown,
): VerifiedTrackingToken | undefined {
	const keys = (Array.isArray(secrets) ? secrets : [secrets]).map(requireTrackingSecret);
	const version = versionOf(token);
	const bytes = version && decode(version, token as string);
	if (!version || !bytes) return undefined;
	const verified = verifiedWith(version, keys, bytes);
	if (!verified) return undefined;
	return version === V1 ? verified : { organizationId: uuidFromBytes(bytes.subarray(0, 16)), ...verified };
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

/** A tracking URL with a version 2 token of that organization's email. */
export function trackingUrl(
	baseUrl: string,
	secret: string,
	organizationId: string,
	queueId: string,
	kind: TrackingKind,
	linkIndex?: number,
): string {
	const base = requireTrackingBaseUrl(baseUrl);
	const token = signTrackingTokenV2(secret, organizationId, queueId, kind, linkIndex);
	return URL_SHAPES[kind](base, token);
}
