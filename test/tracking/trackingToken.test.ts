import { createHmac } from 'node:crypto';

import { InvalidInputError } from '../../nodes/core/validation';
import {
	signTrackingToken,
	signTrackingTokenV2,
	type TrackingKind,
	trackingTokenClaim,
	trackingUrl,
	verifyTrackingToken,
} from '../../nodes/core/tracking';
import { thrown } from '../support/thrown';

const SECRET = 's'.repeat(32);
const OTHER_SECRET = 't'.repeat(32);
const QUEUE_ID = '3f2b8c1e-9a4d-4e5f-8b6a-0c1d2e3f4a5b';
const BASE = 'https://n8n.example.com/webhook/ophir';
const ORGANIZATION_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const TOKEN_LENGTH = 68; // version 1: base64url of 16 + 1 + 2 payload bytes and a 32-byte MAC
const V2_LENGTH = 90; // version 2: base64url of 16 + 16 + 1 + 2 payload bytes and a 32-byte MAC (4 spare bits)

/** A seeded generator: the fuzz loop is the same on every run. */
function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** A token for any payload bytes, signed exactly as OPhir signs: valid MAC, whatever the payload says. */
function signRaw(secret: string, payload: Buffer): string {
	const mac = createHmac('sha256', secret).update('ophir-track-v1').update(payload).digest();
	return Buffer.concat([payload, mac]).toString('base64url');
}

function payloadOf(token: string): Buffer {
	return Buffer.from(token, 'base64url').subarray(0, 19);
}

/** A version 2 token for any payload bytes, with a valid MAC. */
function signRawV2(secret: string, payload: Buffer): string {
	const mac = createHmac('sha256', secret).update('ophir-track-v2').update(payload).digest();
	return Buffer.concat([payload, mac]).toString('base64url');
}

describe('tracking tokens', () => {
	describe('round trip', () => {
		it.each<[TrackingKind, number | undefined, number]>([
			['open', undefined, 0],
			['open', 0, 0],
			['unsubscribe', undefined, 0],
			['click', undefined, 0],
			['click', 0, 0],
			['click', 1, 1],
			['click', 258, 258],
			['click', 65535, 65535],
		])('verifies a %s token with link index %p as link index %p', (kind, linkIndex, expected) => {
			const token = signTrackingToken(SECRET, QUEUE_ID, kind, linkIndex);
			expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
			expect(token).toHaveLength(TOKEN_LENGTH);
			expect(verifyTrackingToken(SECRET, token)).toEqual({ queueId: QUEUE_ID, kind, linkIndex: expected });
		});

		it('encodes the payload as documented: UUID bytes, kind byte, big-endian link index, full MAC', () => {
			const token = signTrackingToken(SECRET, QUEUE_ID, 'click', 0x0102);
			const bytes = Buffer.from(token, 'base64url');
			expect(bytes).toHaveLength(51);
			expect(bytes.subarray(0, 16).toString('hex')).toBe(QUEUE_ID.replace(/-/g, ''));
			expect(bytes[16]).toBe(2);
			expect([bytes[17], bytes[18]]).toEqual([1, 2]);
			expect(token).toBe(signRaw(SECRET, bytes.subarray(0, 19)));
		});

		it('is deterministic and returns the queue id in lower case whatever case it was signed with', () => {
			const upper = signTrackingToken(SECRET, QUEUE_ID.toUpperCase(), 'open');
			expect(upper).toBe(signTrackingToken(SECRET, QUEUE_ID, 'open'));
			expect(verifyTrackingToken(SECRET, upper)?.queueId).toBe(QUEUE_ID);
		});

		it('gives different tokens to different kinds, links and queue items', () => {
			const tokens = new Set([
				signTrackingToken(SECRET, QUEUE_ID, 'open'),
				signTrackingToken(SECRET, QUEUE_ID, 'unsubscribe'),
				signTrackingToken(SECRET, QUEUE_ID, 'click', 0),
				signTrackingToken(SECRET, QUEUE_ID, 'click', 1),
				signTrackingToken(SECRET, '00000000-0000-4000-8000-000000000000', 'open'),
			]);
			expect(tokens.size).toBe(5);
		});
	});

	describe('rejects what was not signed with this secret exactly as given', () => {
		const token = signTrackingToken(SECRET, QUEUE_ID, 'click', 7);

		it('rejects a token with any single bit flipped, in the payload or in the MAC', () => {
			const bytes = Buffer.from(token, 'base64url');
			for (let bit = 0; bit < bytes.length * 8; bit++) {
				const forged = Buffer.from(bytes);
				forged[bit >> 3] ^= 1 << (bit & 7);
				expect(verifyTrackingToken(SECRET, forged.toString('base64url'))).toBeUndefined();
			}
		});

		it('rejects a token with any single character changed', () => {
			const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
			for (let i = 0; i < token.length; i++) {
				const replacement = alphabet[(alphabet.indexOf(token[i]) + 1) % alphabet.length];
				const forged = token.slice(0, i) + replacement + token.slice(i + 1);
				expect(verifyTrackingToken(SECRET, forged)).toBeUndefined();
			}
		});

		it('rejects every truncation of a valid token', () => {
			for (let length = 0; length < token.length; length++) {
				expect(verifyTrackingToken(SECRET, token.slice(0, length))).toBeUndefined();
			}
		});

		it('rejects a valid token with anything appended, prepended or padded', () => {
			for (const extended of [
				`${token}A`,
				`${token}AAAA`,
				`${token}=`,
				`A${token}`,
				`${token} `,
				` ${token}`,
				`${token}\n`,
			]) {
				expect(verifyTrackingToken(SECRET, extended)).toBeUndefined();
			}
			const longerPayload = Buffer.concat([Buffer.from(token, 'base64url'), Buffer.alloc(3)]);
			expect(verifyTrackingToken(SECRET, longerPayload.toString('base64url'))).toBeUndefined();
		});

		it('rejects a token signed with another secret', () => {
			expect(verifyTrackingToken(OTHER_SECRET, token)).toBeUndefined();
			expect(verifyTrackingToken(`${SECRET}x`, token)).toBeUndefined();
		});

		it('rejects a token re-targeted to another kind, link or queue item (payload changed, MAC kept)', () => {
			const bytes = Buffer.from(token, 'base64url');
			const retarget = (change: (payload: Buffer) => void) => {
				const copy = Buffer.from(bytes);
				change(copy);
				return verifyTrackingToken(SECRET, copy.toString('base64url'));
			};
			expect(retarget((b) => b.writeUInt8(1, 16))).toBeUndefined(); // click -> open
			expect(retarget((b) => b.writeUInt8(3, 16))).toBeUndefined(); // click -> unsubscribe
			expect(retarget((b) => b.writeUInt16BE(8, 17))).toBeUndefined(); // link 7 -> 8
			expect(retarget((b) => b.writeUInt16BE(0, 17))).toBeUndefined(); // link 7 -> 0
			expect(retarget((b) => Buffer.from('00000000000040008000000000000000', 'hex').copy(b, 0))).toBeUndefined();
			expect(retarget((b) => (b[15] ^= 0xff))).toBeUndefined(); // last byte of the queue id
		});

		it('rejects a correctly signed payload with an unknown kind byte or a link index on a non-click kind', () => {
			const payload = Buffer.from(payloadOf(token));
			for (const kindByte of [0, 4, 0x7f, 0xff]) {
				payload.writeUInt8(kindByte, 16);
				expect(verifyTrackingToken(SECRET, signRaw(SECRET, payload))).toBeUndefined();
			}
			payload.writeUInt8(1, 16); // open, with link index 7
			expect(verifyTrackingToken(SECRET, signRaw(SECRET, payload))).toBeUndefined();
			payload.writeUInt8(3, 16); // unsubscribe, with link index 7
			expect(verifyTrackingToken(SECRET, signRaw(SECRET, payload))).toBeUndefined();
			payload.writeUInt16BE(0, 17);
			expect(verifyTrackingToken(SECRET, signRaw(SECRET, payload))).toEqual({
				queueId: QUEUE_ID,
				kind: 'unsubscribe',
				linkIndex: 0,
			});
		});

		it('rejects standard base64 spellings of a token (+, / and padding are not base64url)', () => {
			const standard = Buffer.from(token, 'base64url').toString('base64');
			if (standard !== token) expect(verifyTrackingToken(SECRET, standard)).toBeUndefined();
			const withPlus = `${token.slice(0, -1)}+`;
			expect(verifyTrackingToken(SECRET, withPlus)).toBeUndefined();
		});

		it.each<unknown>([
			'',
			'a',
			'not a token',
			'%00',
			'../../etc/passwd',
			'x'.repeat(TOKEN_LENGTH),
			'A'.repeat(TOKEN_LENGTH),
			'_'.repeat(TOKEN_LENGTH),
			'!'.repeat(TOKEN_LENGTH),
			'é'.repeat(TOKEN_LENGTH),
			'A'.repeat(TOKEN_LENGTH - 1) + '\u0000',
			null,
			undefined,
			0,
			42,
			Number.NaN,
			true,
			{},
			[],
			{ toString: () => 'x' },
			Buffer.alloc(51),
			Symbol('token'),
			() => 'token',
		])('returns undefined for %p', (garbage) => {
			expect(verifyTrackingToken(SECRET, garbage)).toBeUndefined();
		});

		it('returns undefined for a very long string', () => {
			expect(verifyTrackingToken(SECRET, 'A'.repeat(100_000))).toBeUndefined();
		});

		it('never throws and accepts nothing for 20000 random strings (seeded fuzz)', () => {
			const random = seededRandom(0x0f1e2d3c);
			const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
			for (let i = 0; i < 20_000; i++) {
				const length = i % 2 === 0 ? TOKEN_LENGTH : Math.floor(random() * 140);
				let candidate = '';
				for (let c = 0; c < length; c++) {
					candidate +=
						i % 3 === 0
							? String.fromCharCode(Math.floor(random() * 0x10000))
							: base64url[Math.floor(random() * base64url.length)];
				}
				expect(verifyTrackingToken(SECRET, candidate)).toBeUndefined();
			}
		});
	});

	describe('version 2: tokens that name the organization', () => {
		const token = signTrackingTokenV2(SECRET, ORGANIZATION_ID, QUEUE_ID, 'click', 7);

		it.each<[TrackingKind, number | undefined, number]>([
			['open', undefined, 0],
			['unsubscribe', undefined, 0],
			['click', 0, 0],
			['click', 65535, 65535],
		])('round-trips a %s token with link index %p, naming the organization', (kind, linkIndex, expected) => {
			const signed = signTrackingTokenV2(SECRET, ORGANIZATION_ID.toUpperCase(), QUEUE_ID, kind, linkIndex);
			expect(signed).toMatch(/^[A-Za-z0-9_-]{90}$/);
			expect(signed).toHaveLength(V2_LENGTH);
			expect(verifyTrackingToken(SECRET, signed)).toEqual({
				organizationId: ORGANIZATION_ID,
				queueId: QUEUE_ID,
				kind,
				linkIndex: expected,
			});
		});

		it('encodes the payload as documented: organization UUID, queue UUID, kind, link index, full MAC over "ophir-track-v2"', () => {
			const bytes = Buffer.from(token, 'base64url');
			expect(bytes).toHaveLength(67);
			expect(bytes.subarray(0, 16).toString('hex')).toBe(ORGANIZATION_ID.replace(/-/g, ''));
			expect(bytes.subarray(16, 32).toString('hex')).toBe(QUEUE_ID.replace(/-/g, ''));
			expect([bytes[32], bytes[33], bytes[34]]).toEqual([2, 0, 7]);
			expect(token).toBe(signRawV2(SECRET, bytes.subarray(0, 35)));
		});

		it('tells the organization a token claims before verification, and only that', () => {
			expect(trackingTokenClaim(token)).toEqual({ version: 2, organizationId: ORGANIZATION_ID });
			expect(trackingTokenClaim(signTrackingToken(SECRET, QUEUE_ID, 'open'))).toEqual({ version: 1 });
			// A claim is unverified: a forged token claims as well, and verification refuses it.
			const forged = signRawV2(OTHER_SECRET, Buffer.from(token, 'base64url').subarray(0, 35));
			expect(trackingTokenClaim(forged)).toEqual({ version: 2, organizationId: ORGANIZATION_ID });
			expect(verifyTrackingToken(SECRET, forged)).toBeUndefined();
			for (const garbage of ['', 'x'.repeat(90), `${token}A`, token.slice(1), 42, null, undefined, {}]) {
				expect(trackingTokenClaim(garbage)).toBeUndefined();
			}
		});

		it('refuses a token whose organization bytes were changed, MAC kept (another organization cannot take it)', () => {
			const bytes = Buffer.from(token, 'base64url');
			for (let i = 0; i < 16; i++) {
				const forged = Buffer.from(bytes);
				forged[i] ^= 0x01;
				expect(verifyTrackingToken(SECRET, forged.toString('base64url'))).toBeUndefined();
			}
			const swapped = Buffer.from(bytes);
			Buffer.from('00000000000000000000000000000001', 'hex').copy(swapped, 0);
			expect(verifyTrackingToken(SECRET, swapped.toString('base64url'))).toBeUndefined();
		});

		it('rejects a token with any single bit flipped, any character changed or any truncation', () => {
			const bytes = Buffer.from(token, 'base64url');
			for (let bit = 0; bit < bytes.length * 8; bit++) {
				const forged = Buffer.from(bytes);
				forged[bit >> 3] ^= 1 << (bit & 7);
				expect(verifyTrackingToken(SECRET, forged.toString('base64url'))).toBeUndefined();
			}
			const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
			for (let i = 0; i < token.length; i++) {
				const forged =
					token.slice(0, i) + alphabet[(alphabet.indexOf(token[i]) + 1) % alphabet.length] + token.slice(i + 1);
				expect(verifyTrackingToken(SECRET, forged)).toBeUndefined();
			}
			for (let length = 0; length < token.length; length++) {
				expect(verifyTrackingToken(SECRET, token.slice(0, length))).toBeUndefined();
			}
		});

		it("has exactly one spelling: the last character's 4 spare bits must be zero", () => {
			const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
			const last = alphabet.indexOf(token[token.length - 1]);
			expect(last & 0x0f).toBe(0);
			for (let spare = 1; spare < 16; spare++) {
				const respelled = token.slice(0, -1) + alphabet[last | spare];
				// The same bytes...
				expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(token, 'base64url'));
				// ...but not our spelling of them.
				expect(verifyTrackingToken(SECRET, respelled)).toBeUndefined();
				expect(trackingTokenClaim(respelled)).toBeUndefined();
			}
		});

		it('is not a version 1 token, nor the other way round (separate domain separators and lengths)', () => {
			const v1 = signTrackingToken(SECRET, QUEUE_ID, 'click', 7);
			// A version 1 payload signed as version 2 (and the reverse) is no token of either.
			const v1Payload = Buffer.from(v1, 'base64url').subarray(0, 19);
			expect(verifyTrackingToken(SECRET, signRawV2(SECRET, v1Payload))).toBeUndefined();
			const v2Payload = Buffer.from(token, 'base64url').subarray(0, 35);
			expect(verifyTrackingToken(SECRET, signRaw(SECRET, v2Payload))).toBeUndefined();
		});

		it("verifies with any of a list of secrets (an organization's keys), and with none of the others", () => {
			expect(verifyTrackingToken([OTHER_SECRET, SECRET], token)?.organizationId).toBe(ORGANIZATION_ID);
			expect(verifyTrackingToken([SECRET, OTHER_SECRET], token)?.queueId).toBe(QUEUE_ID);
			expect(verifyTrackingToken([OTHER_SECRET], token)).toBeUndefined();
			expect(verifyTrackingToken([], token)).toBeUndefined();
			// Version 1 tokens verify with a list too, and name no organization.
			const v1 = signTrackingToken(SECRET, QUEUE_ID, 'open');
			expect(verifyTrackingToken([OTHER_SECRET, SECRET], v1)).toEqual({
				queueId: QUEUE_ID,
				kind: 'open',
				linkIndex: 0,
			});
			expect(verifyTrackingToken([OTHER_SECRET, SECRET], v1)).not.toHaveProperty('organizationId');
		});

		it('refuses a bad organization id when signing', () => {
			for (const bad of ['', 'acme', `${ORGANIZATION_ID}0`, 42, null]) {
				expect(() => signTrackingTokenV2(SECRET, bad as string, QUEUE_ID, 'open')).toThrow(
					'Organization ID must be a UUID',
				);
			}
		});

		it('never throws and accepts nothing for 20000 random 90-character strings (seeded fuzz)', () => {
			const random = seededRandom(0x5eed2);
			const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
			for (let i = 0; i < 20_000; i++) {
				let candidate = '';
				for (let c = 0; c < V2_LENGTH; c++) candidate += base64url[Math.floor(random() * base64url.length)];
				expect(verifyTrackingToken(SECRET, candidate)).toBeUndefined();
			}
		});
	});

	describe('secret and input checks', () => {
		it.each<unknown>(['', 'short', 's'.repeat(31), undefined, null, 42])(
			'refuses a tracking secret %p shorter than 32 characters, without echoing it',
			(secret) => {
				for (const attempt of [
					() => signTrackingToken(secret as string, QUEUE_ID, 'open'),
					() => verifyTrackingToken(secret as string, signTrackingToken(SECRET, QUEUE_ID, 'open')),
					() => trackingUrl(BASE, secret as string, ORGANIZATION_ID, QUEUE_ID, 'open'),
					() => signTrackingTokenV2(secret as string, ORGANIZATION_ID, QUEUE_ID, 'open'),
					() => verifyTrackingToken([SECRET, secret as string], signTrackingToken(SECRET, QUEUE_ID, 'open')),
				]) {
					const error = thrown(attempt);
					expect(error).toBeInstanceOf(InvalidInputError);
					expect(error).toMatchObject({
						field: 'Tracking Secret (credential)',
						message: expect.stringMatching(/^Tracking Secret \(credential\) must be at least 32 characters long/),
						description: undefined,
					});
				}
			},
		);

		it('accepts a secret of exactly 32 characters', () => {
			const secret = 'x'.repeat(32);
			expect(verifyTrackingToken(secret, signTrackingToken(secret, QUEUE_ID, 'open'))?.kind).toBe('open');
		});

		it.each<unknown>(['', 'not-a-uuid', `${QUEUE_ID}0`, QUEUE_ID.replace(/-/g, ''), `{${QUEUE_ID}}`, 42, null])(
			'refuses queue item id %p',
			(queueId) => {
				expect(() => signTrackingToken(SECRET, queueId as string, 'open')).toThrow(
					new InvalidInputError('Queue item id', 'a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7'),
				);
			},
		);

		it('refuses an unknown kind', () => {
			expect(() => signTrackingToken(SECRET, QUEUE_ID, 'reply' as TrackingKind)).toThrow(
				'Tracking kind must be open, click or unsubscribe',
			);
			expect(() => signTrackingToken(SECRET, QUEUE_ID, 'toString' as TrackingKind)).toThrow(
				'Tracking kind must be open, click or unsubscribe',
			);
		});

		it.each<unknown>([-1, 65536, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1'])(
			'refuses click link index %p',
			(index) => {
				expect(() => signTrackingToken(SECRET, QUEUE_ID, 'click', index as number)).toThrow(
					'Link index must be an integer from 0 to 65535',
				);
			},
		);

		it('refuses a link index on open and unsubscribe tokens', () => {
			expect(() => signTrackingToken(SECRET, QUEUE_ID, 'open', 1)).toThrow(
				'Link index must be 0 for open tracking (only clicks have links)',
			);
			expect(() => signTrackingToken(SECRET, QUEUE_ID, 'unsubscribe', 2)).toThrow(
				'Link index must be 0 for unsubscribe tracking (only clicks have links)',
			);
		});
	});

	describe('tracking URLs', () => {
		it('builds the open pixel, click and unsubscribe URLs under the base URL, always with version 2 tokens', () => {
			const open = trackingUrl(BASE, SECRET, ORGANIZATION_ID, QUEUE_ID, 'open');
			const click = trackingUrl(BASE, SECRET, ORGANIZATION_ID, QUEUE_ID, 'click', 3);
			const unsubscribe = trackingUrl(BASE, SECRET, ORGANIZATION_ID, QUEUE_ID, 'unsubscribe');
			expect(open).toBe(`${BASE}/o.gif?t=${signTrackingTokenV2(SECRET, ORGANIZATION_ID, QUEUE_ID, 'open')}`);
			expect(click).toBe(`${BASE}/c?t=${signTrackingTokenV2(SECRET, ORGANIZATION_ID, QUEUE_ID, 'click', 3)}`);
			expect(unsubscribe).toBe(`${BASE}/u?t=${signTrackingTokenV2(SECRET, ORGANIZATION_ID, QUEUE_ID, 'unsubscribe')}`);
			const token = /\/c\?t=([^&]+)$/.exec(click)?.[1];
			expect(verifyTrackingToken(SECRET, token)).toEqual({
				organizationId: ORGANIZATION_ID,
				queueId: QUEUE_ID,
				kind: 'click',
				linkIndex: 3,
			});
		});

		it('drops trailing slashes of the base URL', () => {
			expect(trackingUrl(`${BASE}/`, SECRET, ORGANIZATION_ID, QUEUE_ID, 'unsubscribe')).toBe(
				trackingUrl(BASE, SECRET, ORGANIZATION_ID, QUEUE_ID, 'unsubscribe'),
			);
			expect(trackingUrl('http://localhost:5678//', SECRET, ORGANIZATION_ID, QUEUE_ID, 'open')).toMatch(
				/^http:\/\/localhost:5678\/o\.gif\?t=[\w-]{90}$/,
			);
		});

		it.each<unknown>([
			'',
			'n8n.example.com/webhook/ophir',
			'ftp://n8n.example.com/webhook',
			'javascript:alert(1)',
			'https://',
			`${BASE}?token=1`,
			`${BASE}#x`,
			`${BASE} `,
			'https://n8n.example.com/web hook',
			'https://n8n.example.com/"><script>',
			'https://n8n.example.com/\r\nBcc: x@example.com',
			42,
			null,
		])('refuses base URL %p', (baseUrl) => {
			const error = thrown(() => trackingUrl(baseUrl as string, SECRET, ORGANIZATION_ID, QUEUE_ID, 'open'));
			expect(error).toBeInstanceOf(InvalidInputError);
			expect(error).toMatchObject({
				message:
					'Tracking Base URL must be an http(s) URL without query or fragment, such as https://n8n.example.com/webhook/ophir',
			});
		});
	});
});
