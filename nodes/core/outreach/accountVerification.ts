import { ConflictError, NotFoundError } from '../validation/errors';
import { type MailboxSecret, type SmtpSettings, verifySmtp } from '../sending/mailTransport';
import type { SecretBox } from '../db/secretBox';
import type { TenantRunner, TenantTx } from '../db/tenantTransaction';
import { accountId, type AccountSettings } from './emailAccountFields';
import { getEmailAccount } from './emailAccounts';
import { openSecret } from './mailboxSecrets';

// Verify: a sign-in check of a mailbox's SMTP settings and secret, with its outcome recorded on the account.

/** What a sign-in check needs. Holds the decrypted secret: never put it in an item or a log. */
export interface PreparedVerification {
	id: string;
	email: string;
	smtp: SmtpSettings;
	secret: MailboxSecret;
	/** The secret as stored when read: the outcome is recorded only if neither it nor the SMTP settings changed. */
	sealed: string;
}

/** Reads the account's SMTP settings and opens its secret (the first short transaction of a check). */
async function prepareVerification(tx: TenantTx, box: SecretBox, id: string): Promise<PreparedVerification> {
	const { rows } = await tx.query<{ email: string; smtp: SmtpSettings; credentials_encrypted: string | null }>(
		`SELECT email, settings->'smtp' AS smtp, credentials_encrypted FROM email_accounts WHERE organization_id = $1 AND id = $2`,
		[tx.organizationId, accountId(id)],
	);
	if (rows.length === 0) throw new NotFoundError('Email account', id);
	const { email, smtp, credentials_encrypted: sealed } = rows[0];
	return { id, email, smtp, secret: openSecret(box, id, sealed), sealed: sealed! };
}

/**
 * Records a check's outcome in the account's settings (the second short transaction). An account whose SMTP
 * settings or secret changed meanwhile keeps no outcome: this one says nothing about the new ones.
 */
async function recordVerification(
	tx: TenantTx,
	checked: PreparedVerification,
	result: { ok: boolean; message: string },
): Promise<{ id: string; email: string; verified: boolean; message: string }> {
	const at = new Date().toISOString();
	const recorded: Partial<AccountSettings> = {
		lastVerification: { at, verified: result.ok, message: result.message },
		...(result.ok ? { lastVerifiedAt: at } : {}),
	};
	const { rowCount } = await tx.query(
		`UPDATE email_accounts SET settings = settings || $3::jsonb
		 WHERE organization_id = $1 AND id = $2 AND credentials_encrypted = $4 AND settings->'smtp' = $5::jsonb`,
		[tx.organizationId, checked.id, recorded, checked.sealed, checked.smtp],
	);
	if (!rowCount) {
		await getEmailAccount(tx, checked.id); // deleted meanwhile: not found
		throw new ConflictError(
			`Email account ${checked.id} changed while it was being checked, so the outcome was not recorded`,
			'Verify it again: the check used its previous SMTP settings or password.',
		);
	}
	return { id: checked.id, email: checked.email, verified: result.ok, message: result.message };
}

/**
 * Signs in to the mailbox's SMTP server (nothing is sent) and records the outcome in its settings. A failed check
 * leaves status and health alone: it may be a passing network problem, so pausing stays a separate decision.
 * The network check (up to ~10 s) runs between two short transactions, never inside one: an open transaction
 * would hold a pooled connection (and its snapshot) all that time.
 */
export async function verifyEmailAccount(
	tenant: TenantRunner,
	box: SecretBox,
	id: string,
): Promise<{ id: string; email: string; verified: boolean; message: string }> {
	const checked = await tenant((tx) => prepareVerification(tx, box, id));
	const result = await verifySmtp(checked.smtp, checked.secret);
	return tenant((tx) => recordVerification(tx, checked, result));
}
