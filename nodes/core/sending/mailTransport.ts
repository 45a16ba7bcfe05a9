import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';

/** How a mailbox connects to its SMTP server (the non-secret part, kept in email_accounts.settings.smtp). */
export interface SmtpSettings {
	host: string;
	port: number;
	/** tls: TLS from the start (port 465); starttls: upgrade required (587); none: plain, for local test servers. */
	security: 'tls' | 'starttls' | 'none';
	user: string;
}

/** The secret part, kept encrypted in email_accounts.credentials_encrypted. */
export type MailboxSecret =
	| { kind: 'password'; password: string }
	| { kind: 'oauth2'; clientId: string; clientSecret: string; refreshToken: string; accessToken?: string };

export const PROVIDER_SMTP_DEFAULTS: Record<'gmail' | 'outlook', Omit<SmtpSettings, 'user'>> = {
	gmail: { host: 'smtp.gmail.com', port: 465, security: 'tls' },
	outlook: { host: 'smtp.office365.com', port: 587, security: 'starttls' },
};

// nodemailer refreshes OAuth2 access tokens at Google's endpoint unless told otherwise: Microsoft's mail servers
// need Microsoft's, or an Outlook mailbox could never renew its token.
const MICROSOFT_TOKEN_URL = 'https://login.microsoftonline.com/common/oauth2/v2.0/token';
const OAUTH2_TOKEN_URLS: Record<string, string> = {
	'smtp.office365.com': MICROSOFT_TOKEN_URL,
	'smtp-mail.outlook.com': MICROSOFT_TOKEN_URL,
};

export function smtpTransportOptions(smtp: SmtpSettings, secret: MailboxSecret): SMTPTransport.Options {
	const accessUrl = OAUTH2_TOKEN_URLS[smtp.host.toLowerCase()];
	return {
		host: smtp.host,
		port: smtp.port,
		secure: smtp.security === 'tls',
		requireTLS: smtp.security === 'starttls',
		ignoreTLS: smtp.security === 'none',
		auth:
			secret.kind === 'password'
				? { user: smtp.user, pass: secret.password }
				: {
						type: 'OAuth2',
						user: smtp.user,
						clientId: secret.clientId,
						clientSecret: secret.clientSecret,
						refreshToken: secret.refreshToken,
						accessToken: secret.accessToken,
						...(accessUrl ? { accessUrl } : {}),
					},
		...smtpTimeouts(),
	};
}

/**
 * How long to wait for an SMTP server: to connect and for its greeting 10 s, for any later answer 30 s (of
 * silence). OPHIR_SMTP_TIMEOUT_MS sets all three, read for each new transport: a server that accepts connections
 * and then hangs costs a run that long, not nodemailer's default of ten minutes.
 */
function smtpTimeouts(
	env: NodeJS.ProcessEnv = process.env,
): Pick<SMTPTransport.Options, 'connectionTimeout' | 'greetingTimeout' | 'socketTimeout'> {
	const bound = Number(env.OPHIR_SMTP_TIMEOUT_MS);
	if (!Number.isInteger(bound) || bound <= 0)
		return { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
	return { connectionTimeout: bound, greetingTimeout: bound, socketTimeout: bound };
}

/** Connects and authenticates without sending anything; resolves to what went wrong, if anything. */
export async function verifySmtp(smtp: SmtpSettings, secret: MailboxSecret): Promise<{ ok: boolean; message: string }> {
	const transport = nodemailer.createTransport(smtpTransportOptions(smtp, secret));
	try {
		await transport.verify();
		return { ok: true, message: `Connected to ${smtp.host}:${smtp.port} and signed in as ${smtp.user}` };
	} catch (error) {
		const { code, message } = error as { code?: string; message: string };
		const server = `the SMTP server ${smtp.host}:${smtp.port}`;
		const what =
			code === 'EAUTH'
				? `${server} refused the sign-in for ${smtp.user}`
				: ['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS'].includes(code ?? '')
					? `cannot connect to ${server}`
					: code === 'ETLS' || code === 'EREQUIRETLS'
						? `${server} could not set up the encryption (security: ${smtp.security})`
						: `the check of ${server} failed`;
		// nodemailer's message already carries the server's response code (e.g. "Invalid login: 535 ...").
		return { ok: false, message: `${what.charAt(0).toUpperCase()}${what.slice(1)}: ${message}` };
	} finally {
		transport.close();
	}
}
