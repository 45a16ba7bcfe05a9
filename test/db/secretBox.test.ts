import { SecretBox } from '../../nodes/core/db';

const KEY = 'k'.repeat(32);
const OLD_KEY = 'o'.repeat(40);

describe('secret box (AES-256-GCM with key ids)', () => {
	it('round-trips a secret and never stores it in clear', () => {
		const box = new SecretBox(KEY);
		const sealed = box.seal('smtp-password');
		expect(sealed).toMatch(/^v1\.[0-9a-f]{12}\.[\w-]+\.[\w-]+\.[\w-]+$/);
		expect(sealed).not.toContain('smtp-password');
		expect(box.seal('smtp-password')).not.toBe(sealed); // a fresh IV each time
		expect(box.open(sealed)).toBe('smtp-password');
	});

	it('decrypts with a previous key after rotation and marks the value stale', () => {
		const sealed = new SecretBox(OLD_KEY).seal('secret');
		const rotated = new SecretBox(KEY, [OLD_KEY]);
		expect(rotated.open(sealed)).toBe('secret');
		expect(rotated.isStale(sealed)).toBe(true);
		expect(rotated.isStale(rotated.seal('secret'))).toBe(false);
	});

	it('refuses a wrong key clearly and decrypts nothing', () => {
		const sealed = new SecretBox(OLD_KEY).seal('secret');
		expect(() => new SecretBox(KEY).open(sealed)).toThrow(
			/was encrypted with key [0-9a-f]{12}, but the credential's encryption key is [0-9a-f]{12}/,
		);
	});

	it('detects tampering', () => {
		const box = new SecretBox(KEY);
		const parts = box.seal('secret').split('.');
		parts[4] = Buffer.from('tampered').toString('base64url');
		expect(() => box.open(parts.join('.'))).toThrow(/failed its integrity check/);
	});

	it('refuses a tag cut short (a shorter GCM tag is far easier to forge)', () => {
		const box = new SecretBox(KEY);
		const parts = box.seal('secret').split('.');
		for (const length of [12, 8, 4]) {
			const cut = [...parts];
			cut[3] = Buffer.from(parts[3], 'base64url').subarray(0, length).toString('base64url');
			expect(() => box.open(cut.join('.'))).toThrow(/failed its integrity check/);
		}
	});

	it('refuses a stored value that is not in its format', () => {
		const box = new SecretBox(KEY);
		for (const value of [
			'',
			'plain-password',
			'v2.abc.def.ghi.jkl',
			box.seal('secret').split('.').slice(0, 4).join('.'),
		]) {
			expect(() => box.open(value)).toThrow('The stored secret is not in a format OPhir can read');
		}
	});

	it('names each key by an id that reveals nothing of the key', () => {
		const box = new SecretBox(KEY, [OLD_KEY]);
		expect(box.keyId).toMatch(/^[0-9a-f]{12}$/);
		expect(box.keyId).toBe(new SecretBox(KEY).keyId);
		expect(box.keyId).not.toBe(new SecretBox(OLD_KEY).keyId);
		expect(KEY).not.toContain(box.keyId);
	});

	it('requires a key of at least 32 characters', () => {
		expect(() => new SecretBox('short')).toThrow(
			'Encryption Key (credential) must be at least 32 characters, to store mailbox secrets',
		);
	});
});
