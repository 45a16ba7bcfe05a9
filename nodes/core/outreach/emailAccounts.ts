import { requireEmail } from '../validation/emailAddress';
import { ConflictError, InvalidInputError, NotFoundError } from '../validation/errors';
import { wholeNumber } from '../validation/numbers';
import { anyOf, camelCaseRow, checkedPage, type Page } from '../validation/rows';
import type { SecretBox } from '../db/secretBox';
import type { TenantTx } from '../db/tenantTransaction';
import { optionalText } from '../validation/text';
import { requireQuota } from './quotas';
import { organizationUserId } from './users';
import { openSecret } from './mailboxSecrets';
import type { MailboxSecret, SmtpSettings } from '../sending/mailTransport';
import {
	type AccountInput,
	type AccountSettings,
	type AccountStatus,
	ACCOUNT_STATUSES,
	accountId,
	checkedProvider,
	checkedSmtpSettings,
	checkedTimeZone,
	checkedWarmupStatus,
	MAX_DAILY_VOLUME,
	mailboxSecretFrom,
	mailboxSendingWindow,
	type Provider,
} from './emailAccountFields';

/** A mailbox as OPhir shows it: never its secret, only which key sealed it. */
export interface EmailAccount {
	id: string;
	userId: string | null;
	email: string;
	provider: Provider;
	status: AccountStatus;
	pausedReason: string | null;
	settings: AccountSettings;
	healthScore: number;
	warmupStatus: string;
	dailyLimit: number;
	currentSentToday: number;
	lastSentAt: string | null;
	hasSecret: boolean;
	secretKeyId: string | null;
	createdAt: string;
	updatedAt: string;
}

const COLUMNS = `id, user_id, email, provider, status, paused_reason, settings, health_score, warmup_status, daily_limit,
	current_sent_today, last_sent_at, created_at, updated_at, credentials_encrypted`;

/** An email_accounts row as COLUMNS selects it. */
interface AccountRow {
	id: string;
	user_id: string | null;
	email: string;
	provider: Provider;
	status: AccountStatus;
	paused_reason: string | null;
	settings: AccountSettings;
	health_score: number;
	warmup_status: string;
	daily_limit: number;
	current_sent_today: number;
	last_sent_at: Date | null;
	created_at: Date;
	updated_at: Date;
	credentials_encrypted: string | null;
}

function toAccount(row: AccountRow): EmailAccount {
	const { credentialsEncrypted, ...account } = camelCaseRow<EmailAccount & { credentialsEncrypted: string | null }>(
		row,
	);
	return { ...account, hasSecret: !!credentialsEncrypted, secretKeyId: credentialsEncrypted?.split('.')[1] ?? null };
}

export async function createEmailAccount(tx: TenantTx, box: SecretBox, input: AccountInput): Promise<EmailAccount> {
	const email = requireEmail(input.email);
	const kind = checkedProvider(input.provider ?? 'smtp');
	const secret = mailboxSecretFrom(input);
	if (!secret) throw new InvalidInputError('Password', 'a password (or app password), or OAuth2 tokens');
	const fromName = optionalText(input.fromName, 'From Name');
	const settings: AccountSettings = {
		smtp: checkedSmtpSettings(kind, email, input.smtp),
		...(fromName ? { fromName } : {}),
		...(input.timezone ? { timezone: checkedTimeZone(input.timezone) } : {}),
		warmup: {
			startVolume: wholeNumber(input.warmup?.startVolume ?? 5, 'Warm-Up Start Volume', 1, MAX_DAILY_VOLUME),
			dailyIncrement: wholeNumber(input.warmup?.dailyIncrement ?? 5, 'Warm-Up Daily Increment', 0, MAX_DAILY_VOLUME),
		},
		...(input.sendingWindow ? { sendingWindow: mailboxSendingWindow(input.sendingWindow) } : {}),
	};
	const status = checkedWarmupStatus(input.warmupStatus ?? 'pending');
	if (status === 'warming') settings.warmup!.startedAt = new Date().toISOString();
	const dailyLimit = wholeNumber(input.dailyLimit ?? 50, 'Daily Limit', 0, MAX_DAILY_VOLUME);
	const userId = await organizationUserId(tx, input.userId, 'User ID');
	// An address the organization already has adds no mailbox: it fails as a duplicate below, not on the quota.
	await requireQuota(tx, 'maxEmailAccounts', async () => {
		const { rows: existing } = await tx.query(
			'SELECT 1 FROM email_accounts WHERE organization_id = $1 AND email = $2',
			[tx.organizationId, email],
		);
		return existing.length === 0 ? 1 : 0;
	});
	const { rows } = await tx.query<AccountRow>(
		`INSERT INTO email_accounts (organization_id, user_id, email, provider, credentials_encrypted, settings, warmup_status, daily_limit)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		 ON CONFLICT (organization_id, email) DO NOTHING RETURNING ${COLUMNS}`,
		[tx.organizationId, userId, email, kind, box.seal(JSON.stringify(secret)), settings, status, dailyLimit],
	);
	if (rows.length === 0) throw new ConflictError(`A sending account for ${email} already exists in this organization`);
	return toAccount(rows[0]);
}

/**
 * The mailboxes of a claimed batch, in one query: address, SMTP settings and the decrypted secret, for sending only
 * (never put the secret in an item or a log). An id that is not found fails the whole batch's claim.
 */
export async function mailboxesForSending(
	tx: TenantTx,
	box: SecretBox,
	ids: string[],
): Promise<Map<string, { id: string; email: string; smtp: SmtpSettings; secret: MailboxSecret }>> {
	const { rows } = await tx.query<AccountRow & { credentials_encrypted: string | null }>(
		`SELECT ${COLUMNS}, credentials_encrypted FROM email_accounts WHERE organization_id = $1 AND id = ANY($2::uuid[])`,
		[tx.organizationId, ids.map((id) => accountId(id))],
	);
	const found = new Map(rows.map((row) => [row.id, row]));
	return new Map(
		ids.map((id) => {
			const row = found.get(id);
			if (!row) throw new NotFoundError('Email account', id);
			const account = toAccount(row);
			return [
				id,
				{
					id,
					email: account.email,
					smtp: account.settings.smtp,
					secret: openSecret(box, id, row.credentials_encrypted),
				},
			];
		}),
	);
}

export async function getEmailAccount(tx: TenantTx, id: string, { forUpdate = false } = {}): Promise<EmailAccount> {
	const { rows } = await tx.query<AccountRow>(
		`SELECT ${COLUMNS} FROM email_accounts WHERE organization_id = $1 AND id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
		[tx.organizationId, accountId(id)],
	);
	if (rows.length === 0) throw new NotFoundError('Email account', id);
	return toAccount(rows[0]);
}

export async function listEmailAccounts(
	tx: TenantTx,
	filter: Page & { status?: string | string[]; provider?: string },
): Promise<EmailAccount[]> {
	const statuses = anyOf(filter.status);
	for (const status of statuses ?? []) {
		if (!(ACCOUNT_STATUSES as readonly string[]).includes(status))
			throw new InvalidInputError('Status', `one of ${ACCOUNT_STATUSES.join(', ')}`, status);
	}
	if (filter.provider) checkedProvider(filter.provider);
	const { limit, offset } = checkedPage(filter);
	const { rows } = await tx.query<AccountRow>(
		`SELECT ${COLUMNS} FROM email_accounts
		 WHERE organization_id = $1 AND ($2::text[] IS NULL OR status = ANY($2)) AND ($3::text IS NULL OR provider = $3)
		 ORDER BY email LIMIT $4 OFFSET $5`,
		[tx.organizationId, statuses, filter.provider || null, limit, offset],
	);
	return rows.map(toAccount);
}

export async function updateEmailAccount(
	tx: TenantTx,
	box: SecretBox,
	id: string,
	patch: AccountInput,
): Promise<EmailAccount> {
	const current = await getEmailAccount(tx, id, { forUpdate: true });
	if (patch.email !== undefined && requireEmail(patch.email) !== current.email) {
		throw new ConflictError(
			`The address of email account ${id} cannot change`,
			'Create an account for the new address, then pause or delete this one.',
		);
	}
	if (patch.provider !== undefined && checkedProvider(patch.provider) !== current.provider) {
		throw new ConflictError(
			`The provider of email account ${id} cannot change`,
			'Create an account with the new provider instead.',
		);
	}
	// Fields left undefined keep their stored value (n8n passes unset optional parameters as undefined).
	const smtpPatch = Object.fromEntries(Object.entries(patch.smtp ?? {}).filter(([, value]) => value !== undefined));
	const settings: AccountSettings = {
		...current.settings,
		smtp: patch.smtp
			? checkedSmtpSettings(current.provider, current.email, { ...current.settings.smtp, ...smtpPatch })
			: current.settings.smtp,
	};
	if (patch.fromName !== undefined) settings.fromName = optionalText(patch.fromName, 'From Name') ?? undefined;
	if (patch.timezone !== undefined) settings.timezone = checkedTimeZone(patch.timezone);
	if (patch.sendingWindow !== undefined)
		settings.sendingWindow = patch.sendingWindow ? mailboxSendingWindow(patch.sendingWindow) : undefined;
	if (patch.warmup) {
		settings.warmup = {
			...settings.warmup,
			startVolume: wholeNumber(
				patch.warmup.startVolume ?? settings.warmup?.startVolume ?? 5,
				'Warm-Up Start Volume',
				1,
				MAX_DAILY_VOLUME,
			),
			dailyIncrement: wholeNumber(
				patch.warmup.dailyIncrement ?? settings.warmup?.dailyIncrement ?? 5,
				'Warm-Up Daily Increment',
				0,
				MAX_DAILY_VOLUME,
			),
		};
	}
	const status = patch.warmupStatus === undefined ? current.warmupStatus : checkedWarmupStatus(patch.warmupStatus);
	if (status === 'warming' && current.warmupStatus !== 'warming') {
		settings.warmup = { startVolume: 5, dailyIncrement: 5, ...settings.warmup, startedAt: new Date().toISOString() };
	}
	const dailyLimit =
		patch.dailyLimit === undefined
			? current.dailyLimit
			: wholeNumber(patch.dailyLimit, 'Daily Limit', 0, MAX_DAILY_VOLUME);
	const secret = mailboxSecretFrom(patch);
	if (secret || patch.smtp) {
		// A past successful sign-in says nothing about new credentials or another server.
		delete settings.lastVerifiedAt;
		delete settings.lastVerification;
	}
	const userId =
		patch.userId === undefined || patch.userId === ''
			? current.userId
			: await organizationUserId(tx, patch.userId, 'User ID');
	const { rows } = await tx.query<AccountRow>(
		`UPDATE email_accounts SET settings = $3, warmup_status = $4, daily_limit = $5,
		   credentials_encrypted = COALESCE($6, credentials_encrypted), user_id = $7
		 WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
		[tx.organizationId, id, settings, status, dailyLimit, secret ? box.seal(JSON.stringify(secret)) : null, userId],
	);
	return toAccount(rows[0]);
}

export async function setEmailAccountPaused(
	tx: TenantTx,
	id: string,
	paused: boolean,
	reason?: string,
): Promise<EmailAccount> {
	const { rows } = await tx.query<AccountRow>(
		`UPDATE email_accounts SET status = $3, paused_reason = $4 WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
		[
			tx.organizationId,
			accountId(id),
			paused ? 'paused' : 'active',
			paused ? (optionalText(reason, 'Reason') ?? 'paused by a user') : null,
		],
	);
	if (rows.length === 0) throw new NotFoundError('Email account', id);
	return toAccount(rows[0]);
}

/**
 * Deletes a mailbox that never sent and that no campaign still able to send lists: one with history is paused
 * instead, so its statistics stay; an active campaign must stay ready to send (campaigns.ts checks that only on
 * activate, resume and update).
 */
export async function deleteEmailAccount(tx: TenantTx, id: string): Promise<{ id: string; deleted: true }> {
	await getEmailAccount(tx, id, { forUpdate: true });
	const campaigns = await tx.query<{ id: string; name: string; status: string }>(
		`SELECT id, name, status FROM campaigns
		 WHERE organization_id = $1 AND status IN ('draft', 'active', 'paused') AND config->'accountIds' ? $2
		 ORDER BY name, id`,
		[tx.organizationId, id],
	);
	if (campaigns.rows.length > 0) {
		throw new ConflictError(
			`Email account ${id} is a sending account of ${campaigns.rows.map((c) => `campaign "${c.name}" (${c.status}, ${c.id})`).join(', ')} and cannot be deleted`,
			'Remove it from config.accountIds of those campaigns first, or pause it: a paused account sends nothing.',
		);
	}
	const { rows } = await tx.query<{ used: number }>(
		'SELECT count(*)::int AS used FROM email_queue WHERE organization_id = $1 AND email_account_id = $2',
		[tx.organizationId, id],
	);
	if (rows[0].used > 0) {
		throw new ConflictError(
			`Email account ${id} has ${rows[0].used} emails in its history and cannot be deleted`,
			'Pause it instead: it then sends nothing and its statistics stay.',
		);
	}
	await tx.query('DELETE FROM email_accounts WHERE organization_id = $1 AND id = $2', [tx.organizationId, id]);
	return { id, deleted: true };
}
