import { ConflictError, NotFoundError } from '../validation/errors';
import type { MailboxSecret } from '../sending/mailTransport';
import type { SecretBox } from '../db/secretBox';
import type { TenantTx } from '../db/tenantTransaction';
import { accountId } from './emailAccountFields';

// A mailbox's password or OAuth2 tokens, sealed in email_accounts.credentials_encrypted with the credential's key.

export function openSecret(box: SecretBox, id: string, sealed: string | null): MailboxSecret {
	if (!sealed) throw new ConflictError(`Email account ${id} has no stored password or tokens`);
	return JSON.parse(box.open(sealed)) as MailboxSecret;
}

/** The decrypted secret, for sending and verifying only: never put it in an item or a log. */
export async function mailboxSecret(tx: TenantTx, box: SecretBox, id: string): Promise<MailboxSecret> {
	const { rows } = await tx.query<{ credentials_encrypted: string | null }>(
		'SELECT credentials_encrypted FROM email_accounts WHERE organization_id = $1 AND id = $2',
		[tx.organizationId, accountId(id)],
	);
	if (rows.length === 0) throw new NotFoundError('Email account', id);
	return openSecret(box, id, rows[0].credentials_encrypted);
}

/** Re-seals every secret not sealed with the credential's current key (after a key rotation). */
export async function reencryptSecrets(tx: TenantTx, box: SecretBox): Promise<{ reencrypted: number; keyId: string }> {
	const { rows } = await tx.query<{ id: string; credentials_encrypted: string }>(
		`SELECT id, credentials_encrypted FROM email_accounts
		 WHERE organization_id = $1 AND credentials_encrypted IS NOT NULL AND split_part(credentials_encrypted, '.', 2) <> $2
		 FOR UPDATE`,
		[tx.organizationId, box.keyId],
	);
	const resealed = rows.map((row) => box.seal(box.open(row.credentials_encrypted)));
	await tx.query(
		`UPDATE email_accounts e SET credentials_encrypted = u.sealed
		 FROM unnest($2::uuid[], $3::text[]) AS u(id, sealed) WHERE e.organization_id = $1 AND e.id = u.id`,
		[tx.organizationId, rows.map((r) => r.id), resealed],
	);
	return { reencrypted: rows.length, keyId: box.keyId };
}
