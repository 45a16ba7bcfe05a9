import { createHmac } from 'node:crypto';

import { InvalidInputError } from '../../nodes/core/validation';
import { signTrackingToken, type TrackingKind, trackingUrl, verifyTrackingToken } from '../../nodes/core/tracking';
import { thrown } from '../support/thrown';

const SECRET = 's'.repeat(32);
const OTHER_SECRET = 't'.repeat(32);
const QUEUE_ID = '3f2b8c1e-9a4d-4e5f-8b6a-0c1d2e3f4a5b';
const BASE = 'https://n8n.example.com/webhook/ophir';
const TOKEN_LENGTH = 68; // base64url of 16 + 1 + 2 payload bytes and a 32-byte MAC

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

	describe('secret and input checks', () => {
		it.each<unknown>(['', 'short', 's'.repeat(31), undefined, null, 42])(
			'refuses a tracking secret %p shorter than 32 characters, without echoing it',
			(secret) => {
				for (const attempt of [
					() => signTrackingToken(secret as string, QUEUE_ID, 'open'),
					() => verifyTrackingToken(secret as string, signTrackingToken(SECRET, QUEUE_ID, 'open')),
					() => trackingUrl(BASE, secret as string, QUEUE_ID, 'open'),
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
		it('builds the open pixel, click and unsubscribe URLs under the base URL', () => {
			const open = trackingUrl(BASE, SECRET, QUEUE_ID, 'open');
			const click = trackingUrl(BASE, SECRET, QUEUE_ID, 'click', 3);
			const unsubscribe = trackingUrl(BASE, SECRET, QUEUE_ID, 'unsubscribe');
			expect(open).toBe(`${BASE}/o.gif?t=${signTrackingToken(SECRET, QUEUE_ID, 'open')}`);
			expect(click).toBe(`${BASE}/c?t=${signTrackingToken(SECRET, QUEUE_ID, 'click', 3)}`);
			expect(unsubscribe).toBe(`${BASE}/u?t=${signTrackingToken(SECRET, QUEUE_ID, 'unsubscribe')}`);
			const token = /\/c\?t=([^&]+)$/.exec(click)?.[1];
			expect(verifyTrackingToken(SECRET, token)).toEqual({ queueId: QUEUE_ID, kind: 'click', linkIndex: 3 });
		});

		it('drops trailing slashes of the base URL', () => {
			expect(trackingUrl(`${BASE}/`, SECRET, QUEUE_ID, 'unsubscribe')).toBe(
				trackingUrl(BASE, SECRET, QUEUE_ID, 'unsubscribe'),
			);
			expect(trackingUrl('http://localhost:5678//', SECRET, QUEUE_ID, 'open')).toMatch(
				/^http:\/\/localhost:5678\/o\.gif\?t=[\w-]{68}$/,
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
			const error = thrown(() => trackingUrl(baseUrl as string, SECRET, QUEUE_ID, 'open'));
			expect(error).toBeInstanceOf(InvalidInputError);
			expect(error).toMatchObject({
				message:
					'Tracking Base URL must be an http(s) URL without query or fragment, such as https://n8n.example.com/webhook/ophir',
			});
		});
	});
});
