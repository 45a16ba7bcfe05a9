import { InvalidInputError } from '../validation/errors';
import { requireUuid } from '../validation/ids';
import { wholeNumber } from '../validation/numbers';
import { type MailboxSecret, PROVIDER_SMTP_DEFAULTS, type SmtpSettings } from '../sending/mailTransport';
import { END_HOURS, hoursInOrder, isWeekdayList, START_HOURS, WEEKDAYS_EXPECTED } from '../sending/sendingWindow';
import { isTimeZone } from '../sending/timeZones';
import { optionalText, requiredText } from '../validation/text';

// What a mailbox may hold, checked field by field before any SQL: providers, SMTP settings, secrets, its own time
// zone and sending window, warm-up. emailAccounts.ts stores what passes.
export const PROVIDERS = ['smtp', 'gmail', 'outlook'] as const;
export type Provider = (typeof PROVIDERS)[number];
export const WARMUP_STATUSES = ['pending', 'warming', 'warmed', 'off'] as const;
export const ACCOUNT_STATUSES = ['active', 'paused'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];
/** A sanity ceiling for per-day volumes (the columns are 32-bit integers). */
export const MAX_DAILY_VOLUME = 100_000;

export interface AccountSettings {
	smtp: SmtpSettings;
	fromName?: string;
	/** Midnight in this zone resets the daily counter. */
	timezone?: string;
	/** Warm-up ramp: capacity on day n of warming = min(daily limit, startVolume + n * dailyIncrement). */
	warmup?: { startVolume: number; dailyIncrement: number; startedAt?: string };
	/** Replaces the campaign's sending window for this mailbox. */
	sendingWindow?: { weekdays?: string[]; startHour?: number; endHour?: number };
	/** When the current SMTP settings and secret last signed in successfully. */
	lastVerifiedAt?: string;
	/** The outcome of the last check, successful or not. */
	lastVerification?: { at: string; verified: boolean; message: string };
}

export interface AccountInput {
	/** Fixed at creation: an update may repeat it, not change it. */
	email?: unknown;
	/** Fixed at creation: an update may repeat it, not change it. */
	provider?: unknown;
	/** A user of the organization; on update, null detaches the account from its user. */
	userId?: string | null;
	smtp?: Partial<SmtpSettings>;
	/** Password (or app password) for provider smtp/gmail/outlook, or OAuth2 tokens. */
	password?: string;
	oauth2?: { clientId?: string; clientSecret?: string; refreshToken?: string; accessToken?: string };
	fromName?: string;
	timezone?: string;
	dailyLimit?: number;
	warmupStatus?: string;
	warmup?: { startVolume?: number; dailyIncrement?: number };
	sendingWindow?: AccountSettings['sendingWindow'] | null;
}

export const accountId = (id: unknown) => requireUuid(id, 'Email Account ID');

export function checkedProvider(value: unknown): Provider {
	if (!(PROVIDERS as readonly unknown[]).includes(value))
		throw new InvalidInputError('Provider', `one of ${PROVIDERS.join(', ')}`, value);
	return value as Provider;
}

/** A DNS name or an IP address: no scheme, path, port or spaces (those belong in other fields). */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[?[0-9a-f:.]+\]?)$/i;

export function checkedSmtpSettings(kind: Provider, email: string, given: Partial<SmtpSettings> = {}): SmtpSettings {
	const defaults = kind === 'smtp' ? undefined : PROVIDER_SMTP_DEFAULTS[kind];
	const host = (typeof given.host === 'string' ? given.host.trim() : '') || defaults?.host;
	if (!host || !HOST.test(host))
		throw new InvalidInputError('SMTP Host', 'a host name such as smtp.example.com', given.host);
	const security = given.security ?? defaults?.security ?? 'starttls';
	if (!['tls', 'starttls', 'none'].includes(security))
		throw new InvalidInputError('SMTP Security', 'one of tls, starttls, none', security);
	return {
		host,
		port: wholeNumber(given.port ?? defaults?.port ?? 587, 'SMTP Port', 1, 65535),
		security,
		user: optionalText(given.user, 'SMTP User') ?? email,
	};
}

export function mailboxSecretFrom(input: AccountInput): MailboxSecret | undefined {
	if (input.oauth2 && (input.oauth2.refreshToken || input.oauth2.clientId)) {
		const { clientId, clientSecret, refreshToken, accessToken } = input.oauth2;
		return {
			kind: 'oauth2',
			clientId: requiredText(clientId, 'OAuth2 Client ID'),
			clientSecret: requiredText(clientSecret, 'OAuth2 Client Secret'),
			refreshToken: requiredText(refreshToken, 'OAuth2 Refresh Token'),
			accessToken,
		};
	}
	if (input.password) return { kind: 'password', password: input.password };
	return undefined;
}

export function checkedTimeZone(zone: string | undefined): string | undefined {
	if (!zone) return undefined;
	if (!isTimeZone(zone)) throw new InvalidInputError('Time Zone', 'an IANA time zone such as Europe/Berlin', zone);
	return zone;
}

/** A mailbox's own sending window: only the parts given replace the campaign's. */
export function mailboxSendingWindow(raw: unknown): AccountSettings['sendingWindow'] {
	const expected = 'an object with weekdays, startHour and/or endHour';
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
		throw new InvalidInputError('Sending Window', expected, raw);
	const { weekdays, startHour, endHour, ...unknown } = raw as Record<string, unknown>;
	if (Object.keys(unknown).length) {
		throw new InvalidInputError('Sending Window', `${expected} (not ${Object.keys(unknown).join(', ')})`);
	}
	const window: NonNullable<AccountSettings['sendingWindow']> = {};
	if (weekdays !== undefined) {
		if (!isWeekdayList(weekdays)) throw new InvalidInputError('Sending Window Weekdays', WEEKDAYS_EXPECTED, weekdays);
		window.weekdays = [...new Set(weekdays)];
	}
	if (startHour !== undefined)
		window.startHour = wholeNumber(startHour, 'Sending Window Start Hour', START_HOURS.min, START_HOURS.max);
	if (endHour !== undefined)
		window.endHour = wholeNumber(endHour, 'Sending Window End Hour', END_HOURS.min, END_HOURS.max);
	if (
		window.startHour !== undefined &&
		window.endHour !== undefined &&
		!hoursInOrder(window.startHour, window.endHour)
	) {
		throw new InvalidInputError(
			'Sending Window End Hour',
			`after the start hour (${window.startHour})`,
			window.endHour,
		);
	}
	return window;
}

export function checkedWarmupStatus(value: unknown): string {
	if (!(WARMUP_STATUSES as readonly unknown[]).includes(value)) {
		throw new InvalidInputError('Warm-Up Status', `one of ${WARMUP_STATUSES.join(', ')}`, value);
	}
	return value as string;
}
