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

export function smtpTransportOptions(smtp: SmtpSettings, secret: MailboxSecret): SMTPTransport.Options {
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
					},
		connectionTimeout: 10_000,
		greetingTimeout: 10_000,
		socketTimeout: 30_000,
	};
}

/** Connects and authenticates without sending anything; resolves to what went wrong, if anything. */
export async function verifySmtp(smtp: SmtpSettings, secret: MailboxSecret): Promise<{ ok: boolean; message: string }> {
	const transport = nodemailer.createTransport(smtpTransportOptions(smtp, secret));
	try {
		await transport.verify();
		return { ok: true, message: `Connected to ${smtp.host}:${smtp.port} and signed in as ${smtp.user}` };
	} catch (error) {
		const { code, responseCode, message } = error as { code?: string; responseCode?: number; message: string };
		const what =
			code === 'EAUTH'
				? `the server refused the sign-in for ${smtp.user}`
				: code === 'ECONNREFUSED' || code === 'ECONNECTION' || code === 'ETIMEDOUT' || code === 'ESOCKET'
					? `cannot connect to ${smtp.host}:${smtp.port}`
					: 'the check failed';
		return { ok: false, message: `SMTP ${what}: ${responseCode ? `${responseCode} ` : ''}${message}` };
	} finally {
		transport.close();
	}
}
