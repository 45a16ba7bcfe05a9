import { type MailboxSecret, type SmtpSettings, smtpTransportOptions } from '../../nodes/core/sending';

const PASSWORD: MailboxSecret = { kind: 'password', password: 'app-password' };
const OAUTH2: MailboxSecret = {
	kind: 'oauth2',
	clientId: 'id',
	clientSecret: 'secret',
	refreshToken: 'refresh',
	accessToken: 'access',
};
const smtp = (settings: Partial<SmtpSettings>): SmtpSettings => ({
	host: 'smtp.example.com',
	port: 587,
	security: 'starttls',
	user: 'jane@example.com',
	...settings,
});

describe('SMTP transport options', () => {
	it.each([
		['tls', { secure: true, requireTLS: false, ignoreTLS: false }],
		['starttls', { secure: false, requireTLS: true, ignoreTLS: false }],
		['none', { secure: false, requireTLS: false, ignoreTLS: true }],
	] as const)('maps security %s to how nodemailer connects', (security, expected) => {
		expect(smtpTransportOptions(smtp({ security }), PASSWORD)).toMatchObject({
			host: 'smtp.example.com',
			port: 587,
			...expected,
			auth: { user: 'jane@example.com', pass: 'app-password' },
		});
	});

	it('signs in with OAuth2 tokens, renewing them at Google by default', () => {
		const { auth } = smtpTransportOptions(smtp({ host: 'smtp.gmail.com' }), OAUTH2);
		expect(auth).toEqual({
			type: 'OAuth2',
			user: 'jane@example.com',
			clientId: 'id',
			clientSecret: 'secret',
			refreshToken: 'refresh',
			accessToken: 'access',
		});
	});

	it.each(['smtp.office365.com', 'SMTP-MAIL.OUTLOOK.COM'])('renews the OAuth2 tokens of %s at Microsoft', (host) => {
		expect(smtpTransportOptions(smtp({ host }), OAUTH2).auth).toMatchObject({
			type: 'OAuth2',
			accessUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
		});
	});

	it('gives password sign-ins no token endpoint', () => {
		expect(smtpTransportOptions(smtp({ host: 'smtp.office365.com' }), PASSWORD).auth).not.toHaveProperty('accessUrl');
	});
});
