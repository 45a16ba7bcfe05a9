import { createHmac, timingSafeEqual } from 'node:crypto';

import { requireQueueId, requireTrackingSecret } from './trackingToken';

/**
 * Signed return paths (VERP): an email's envelope sender `local+b<token>@domain`, where the token names the queue
 * item and carries an HMAC made with the tracking secret. A bounce addressed to it proves which of our emails it
 * is about; a report naming an address, or a plus address anyone could type, proves nothing.
 *
 * Mail systems may lower-case local parts, so the token is base32 (RFC 4648 alphabet, lower-case, no padding):
 *   16 bytes queue item UUID | 10 bytes HMAC-SHA256 truncated (80 bits: forging one needs ~2^79 tries by mail)
 * 26 bytes make exactly 42 characters, and `+b` plus the token keeps most local parts under the 64 allowed.
 */
const DOMAIN_SEPARATOR = 'ophir-return-path-v1';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const MAC_BYTES = 10;
const TOKEN_LENGTH = 42;
const MAX_LOCAL_PART = 64;

/** Where a signed return path's token sits in an address: after `+b`, before the `@`. */
export const RETURN_PATH_TOKEN = /\+b([a-z2-7]{42})@/gi;

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

function mac(secret: string, id: Buffer): Buffer {
	return createHmac('sha256', secret).update(DOMAIN_SEPARATOR).update(id).digest().subarray(0, MAC_BYTES);
}

export function signReturnPathToken(secret: string, queueId: string): string {
	const id = Buffer.from(requireQueueId(queueId).replace(/-/g, ''), 'hex');
	return base32(Buffer.concat([id, mac(requireTrackingSecret(secret), id)]));
}

/** The queue item a token names, or undefined when this secret did not sign it. Never throws on the token. */
export function verifyReturnPathToken(secret: string, token: unknown): string | undefined {
	const key = requireTrackingSecret(secret);
	if (typeof token !== 'string' || token.length !== TOKEN_LENGTH || !/^[a-z2-7]+$/i.test(token)) return undefined;
	const bytes = fromBase32(token.toLowerCase());
	const id = bytes.subarray(0, 16);
	// The last character holds 2 bits beyond the 26 bytes; only their canonical zero spelling is ours.
	if (base32(bytes) !== token.toLowerCase() || !timingSafeEqual(bytes.subarray(16), mac(key, id))) return undefined;
	const hex = id.toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The envelope sender for one email from `senderEmail` (its own tag, if any, replaced), or undefined when the
 * result would exceed the 64 characters a local part may have: that email then uses the plain address.
 */
export function signedReturnPath(senderEmail: string, secret: string, queueId: string): string | undefined {
	const at = senderEmail.lastIndexOf('@');
	const local = senderEmail.slice(0, at).split('+')[0];
	const tagged = `${local}+b${signReturnPathToken(secret, queueId)}`;
	return tagged.length > MAX_LOCAL_PART ? undefined : `${tagged}${senderEmail.slice(at)}`;
}
