import { createHmac, timingSafeEqual } from 'node:crypto';

import { requireQueueId, requireTrackingSecret, uuidBytes, uuidFromBytes } from './trackingToken';

/**
 * Signed return paths (VERP): an email's envelope sender `local+c<token>@domain`, where the token names the
 * organization and the queue item and carries an HMAC made with the organization's tracking secret. A bounce
 * addressed to it proves which of our emails it is about; a report naming an address, or a plus address anyone
 * could type, proves nothing.
 *
 * Mail systems may lower-case local parts, so tokens are base32 (RFC 4648 alphabet, lower-case, no padding).
 *
 * Version 2 (`+c`, every new email), 28 bytes, 45 characters (the last one's spare bit must be zero):
 *   4 bytes organization hint (the first 4 bytes of its UUID) | 16 bytes queue item UUID |
 *   8 bytes HMAC-SHA256 ("ophir-return-path-v2", over the FULL 16-byte organization id and the queue id), truncated
 * Why these sizes: a local part may have 64 characters, and `+c` plus 45 leaves 17 for the mailbox's own name (a
 * longer one sends from the plain address). The MAC is the only thing a forger must guess, and the only way to try
 * a guess is to send a bounce by mail and see whether OPhir acts on it: 64 bits take ~2^63 such emails on average,
 * far beyond any mail volume. The hint is not a secret and proves nothing: among the organizations an operator's
 * catch-all mailbox serves it picks the candidates (32 bits: a clash between two of 10,000 organizations is rare,
 * and a clash only means both are tried), and the MAC over the full organization id proves which, in that
 * organization's own transaction with its own keys. The queue id stays whole, since it is what the bounce is about.
 *
 * Version 1 (`+b`, emails sent before version 2; still verified), 26 bytes, 42 characters:
 *   16 bytes queue item UUID | 10 bytes HMAC-SHA256 ("ophir-return-path-v1"), truncated
 * It names no organization: it proves an email only in the organization processing it.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const MAX_LOCAL_PART = 64;
const V1 = { separator: 'ophir-return-path-v1', macBytes: 10, length: 42 };
const V2 = { separator: 'ophir-return-path-v2', macBytes: 8, length: 45, hintBytes: 4 };

/**
 * Where a signed return path's token sits in an address: after `+b` (42 characters, version 1) or `+c` (45,
 * version 2), before the `@`. The first group is the token, whose length tells its version.
 */
export const RETURN_PATH_TOKEN = /\+(?:b(?=[a-z2-7]{42}@)|c(?=[a-z2-7]{45}@))([a-z2-7]{42,45})@/gi;

function base32(bytes: Buffer): string {
	let bits = 0;
	let value = 0;
	let text = '';
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			text += ALPHABET[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	return bits > 0 ? text + ALPHABET[(value << (5 - bits)) & 31] : text;
}

function fromBase32(text: string): Buffer {
	const bytes: number[] = [];
	let bits = 0;
	let value = 0;
	for (const char of text) {
		value = ((value << 5) | ALPHABET.indexOf(char)) & 0xffff;
		bits += 5;
		if (bits >= 8) {
			bytes.push((value >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(bytes);
}

function mac(version: typeof V1 | typeof V2, secret: string, ...ids: Buffer[]): Buffer {
	const hmac = createHmac('sha256', secret).update(version.separator);
	for (const id of ids) hmac.update(id);
	return hmac.digest().subarray(0, version.macBytes);
}

/** The token's bytes in its one lower-case spelling, or undefined when it is no token of that length. */
function decode(token: unknown, length: number): Buffer | undefined {
	if (typeof token !== 'string' || token.length !== length || !/^[a-z2-7]+$/i.test(token)) return undefined;
	const lower = token.toLowerCase();
	const bytes = fromBase32(lower);
	// The last character holds bits beyond the bytes; only their canonical zero spelling is ours.
	return base32(bytes) === lower ? bytes : undefined;
}

/** Tries every key (no early exit), so the time taken does not tell which one matched. */
function anyMatches(given: Buffer, keys: string[], expected: (key: string) => Buffer): boolean {
	let matched = false;
	for (const key of keys) matched = timingSafeEqual(given, expected(key)) || matched;
	return matched;
}

/** A version 2 token for an email of that organization (what signedReturnPath puts after `+c`). */
export function signReturnPathTokenV2(secret: string, organizationId: string, queueId: string): string {
	const key = requireTrackingSecret(secret);
	const organization = uuidBytes(requireQueueId(organizationId, 'Organization ID'));
	const id = uuidBytes(requireQueueId(queueId));
	return base32(Buffer.concat([organization.subarray(0, V2.hintBytes), id, mac(V2, key, organization, id)]));
}

/**
 * A version 1 token (what emails sent before version 2 carry after `+b`): still verified, no longer sent. Kept for
 * tests and for tools that must produce an old one.
 */
export function signReturnPathToken(secret: string, queueId: string): string {
	const id = uuidBytes(requireQueueId(queueId));
	return base32(Buffer.concat([id, mac(V1, requireTrackingSecret(secret), id)]));
}

/**
 * The organization hint of a version 2 token (8 hex characters: the first 4 bytes of the organization id), or
 * undefined for a version 1 token or anything else. Unverified: it only says which organizations to try.
 */
export function returnPathOrganizationHint(token: unknown): string | undefined {
	return decode(token, V2.length)?.subarray(0, V2.hintBytes).toString('hex');
}

/**
 * The queue item a token names (and for version 2, the organization), or undefined when none of the secrets signed
 * it. Version 2 is verified as a token of `organizationId` (the organization processing it; its full id is in the
 * MAC), so a token of another organization never verifies here. Never throws on the token.
 */
export function verifyReturnPathToken(
	secrets: string | readonly string[],
	organizationId: string,
	token: unknown,
): { queueId: string; organizationId?: string } | undefined {
	const keys = (Array.isArray(secrets) ? secrets : [secrets]).map(requireTrackingSecret);
	const v1 = decode(token, V1.length);
	if (v1) {
		const id = v1.subarray(0, 16);
		return anyMatches(v1.subarray(16), keys, (key) => mac(V1, key, id)) ? { queueId: uuidFromBytes(id) } : undefined;
	}
	const v2 = decode(token, V2.length);
	if (!v2) return undefined;
	const organization = uuidBytes(requireQueueId(organizationId, 'Organization ID'));
	if (!v2.subarray(0, V2.hintBytes).equals(organization.subarray(0, V2.hintBytes))) return undefined;
	const id = v2.subarray(V2.hintBytes, V2.hintBytes + 16);
	const given = v2.subarray(V2.hintBytes + 16);
	return anyMatches(given, keys, (key) => mac(V2, key, organization, id))
		? { queueId: uuidFromBytes(id), organizationId: uuidFromBytes(organization) }
		: undefined;
}

/**
 * The envelope sender for one email of an organization from `senderEmail` (its own tag, if any, replaced), or
 * undefined when the result would exceed the 64 characters a local part may have: that email then uses the plain
 * address.
 */
export function signedReturnPath(
	senderEmail: string,
	secret: string,
	organizationId: string,
	queueId: string,
): string | undefined {
	const at = senderEmail.lastIndexOf('@');
	const local = senderEmail.slice(0, at).split('+')[0];
	const tagged = `${local}+c${signReturnPathTokenV2(secret, organizationId, queueId)}`;
	return tagged.length > MAX_LOCAL_PART ? undefined : `${tagged}${senderEmail.slice(at)}`;
}
