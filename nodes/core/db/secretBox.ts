import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

import { InvalidInputError, OphirError } from '../validation/errors';

const VERSION = 'v1';
// GCM accepts tags cut down to 4 bytes unless told otherwise, and a short tag is far easier to forge.
const TAG_LENGTH = 16;
export const MIN_KEY_LENGTH = 32;

interface DerivedKey {
	id: string;
	key: Buffer;
}

function derive(secret: string): DerivedKey {
	// HKDF turns any long passphrase into a uniform 256-bit key; the id is a hash of that key, never the key.
	const key = Buffer.from(hkdfSync('sha256', secret, 'ophir/secret-box', 'mailbox-secrets/v1', 32));
	const id = createHash('sha256').update('ophir/key-id').update(key).digest('hex').slice(0, 12);
	return { id, key };
}

/**
 * Encrypts mailbox secrets at rest with AES-256-GCM. A stored value reads
 * `v1.<key id>.<iv>.<auth tag>.<ciphertext>` (base64url parts); the key id names which key sealed it, so keys can
 * rotate: encrypt with the current key, decrypt with whichever key the id names.
 */
export class SecretBox {
	private readonly current: DerivedKey;
	private readonly byId: Map<string, DerivedKey>;

	constructor(currentKey: string, previousKeys: string[] = []) {
		if (typeof currentKey !== 'string' || currentKey.length < MIN_KEY_LENGTH) {
			throw new InvalidInputError(
				'Encryption Key (credential)',
				`at least ${MIN_KEY_LENGTH} characters, to store mailbox secrets`,
			);
		}
		this.current = derive(currentKey);
		this.byId = new Map([this.current, ...previousKeys.filter(Boolean).map(derive)].map((k) => [k.id, k]));
	}

	get keyId(): string {
		return this.current.id;
	}

	seal(plaintext: string): string {
		const iv = randomBytes(12);
		const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
		const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
		return [VERSION, this.current.id, iv, cipher.getAuthTag(), ciphertext]
			.map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
			.join('.');
	}

	open(sealed: string): string {
		const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
		if (version !== VERSION || !keyId || !iv || !tag || ciphertext === undefined) {
			throw new OphirError('The stored secret is not in a format OPhir can read');
		}
		const key = this.byId.get(keyId);
		if (!key) {
			throw new OphirError(
				`The stored secret was encrypted with key ${keyId}, but the credential's encryption key is ${this.current.id}`,
				'Use the key the secret was stored with, or add it to the credential as a previous key; nothing was decrypted.',
			);
		}
		try {
			// With authTagLength set, setAuthTag refuses a tag of any other length.
			const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'), {
				authTagLength: TAG_LENGTH,
			});
			decipher.setAuthTag(Buffer.from(tag, 'base64url'));
			return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
		} catch {
			throw new OphirError('The stored secret failed its integrity check (it was altered or is corrupt)');
		}
	}

	/** Whether a sealed value needs re-encrypting with the current key. */
	isStale(sealed: string): boolean {
		return sealed.split('.')[1] !== this.current.id;
	}
}
