import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';

import {
	type AccountInput,
	createCampaign,
	createEmailAccount,
	deleteEmailAccount,
	type EmailAccount,
	getCampaign,
	getEmailAccount,
	listEmailAccounts,
	mailboxSecret,
	reencryptSecrets,
	setEmailAccountPaused,
	transitionCampaign,
	updateCampaign,
	updateEmailAccount,
	verifyEmailAccount,
} from '../../nodes/core/outreach';
import { ConflictError, InvalidInputError, NotFoundError, OphirError } from '../../nodes/core/validation';
import { SecretBox } from '../../nodes/core/db';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type ActAs, newTenant } from '../support/tenants';

type Tenant = { id: string; as: ActAs };

const KEY = 'dummy-current-encryption-key-0123456789';
const OLD_KEY = 'dummy-previous-encryption-key-0123456789';
const OTHER_KEY = 'dummy-somebody-elses-encryption-key-0123';
const PASSWORD = 'dummy-Correct-Horse-7f3a9c';
const OAUTH2 = {
	clientId: 'client-id-4d1e0b.apps.example',
	clientSecret: 'dummy-client-secret-9a8b7c6d5e',
	refreshToken: 'dummy-refresh-token-1f2e3d4c5b6a',
	accessToken: 'dummy-access-token-0a1b2c3d4e5f',
};
const NEW_PASSWORD = 'dummy-Brand-New-55aa';
const WRONG_PASSWORD = 'dummy-Wrong-One-3c3c';
const REFUSED_PASSWORD = 'dummy-Not-Stored-1e1e';
const HIJACK_PASSWORD = 'dummy-Hijack-9d9d';
const SECRETS = [PASSWORD, ...Object.values(OAUTH2)];
/** Every secret any test hands to the module. */
const ALL_SECRETS = [...SECRETS, NEW_PASSWORD, WRONG_PASSWORD, REFUSED_PASSWORD, HIJACK_PASSWORD];
const POSTAL_ADDRESS = '1 Main Street, Springfield, IL 62701, USA';
const SEALED = /^v1\.([0-9a-f]{12})\.[\w-]+\.[\w-]+\.[\w-]+$/;

/** The user the in-process SMTP servers accept, with PASSWORD or OAUTH2.accessToken. */
const MAILBOX_USER = 'sender@mailbox.test';

interface MailServer {
	port: number;
	/** Every sign-in attempt (method and user; never the secret). */
	logins: Array<{ method: string; username: string | undefined; accepted: boolean }>;
	/** Runs while a sign-in waits for the server's answer (one test at a time sets it, and clears it). */
	duringSignIn?: () => Promise<void>;
	close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 (plain text, no STARTTLS) that accepts MAILBOX_USER with the right secret. */
async function startMailServer(authMethods: Array<'PLAIN' | 'LOGIN' | 'XOAUTH2'>): Promise<MailServer> {
	const logins: MailServer['logins'] = [];
	const mailServer = {} as MailServer;
	const server = new SMTPServer({
		authMethods,
		allowInsecureAuth: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		onAuth(auth, _session, callback) {
			const accepted =
				auth.username === MAILBOX_USER &&
				(auth.method === 'XOAUTH2' ? auth.accessToken === OAUTH2.accessToken : auth.password === PASSWORD);
			logins.push({ method: auth.method, username: auth.username, accepted });
			const answer = () =>
				accepted ? callback(null, { user: auth.username }) : callback(new Error('Authentication credentials invalid'));
			// A failing hook fails the sign-in, so the test sees it instead of a hang.
			(mailServer.duringSignIn?.() ?? Promise.resolve()).then(answer, (error: Error) => callback(error));
		},
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return Object.assign(mailServer, {
		port: (server.server.address() as AddressInfo).port,
		logins,
		close: () => new Promise<void>((resolve) => server.close(resolve)),
	});
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function refusedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
	return port;
}

/** Asserts that no secret value (nor any part of a sealed value) appears anywhere in `value`. */
function expectNothingSecretIn(value: unknown, sealed: string[] = []): void {
	const text = JSON.stringify(value);
	const cipherParts = sealed.flatMap((s) => s.split('.').slice(2));
	for (const secret of [...ALL_SECRETS, ...sealed, ...cipherParts]) expect(text).not.toContain(secret);
}

describe('email accounts', () => {
	let db: TestDatabase;
	let a: Tenant;
	let box: SecretBox;
	let plain: MailServer;
	let login: MailServer;
	let xoauth2: MailServer;
	const servers: MailServer[] = [];

	/** The stored row as the database owner sees it. */
	async function rawRow(id: string): Promise<Record<string, unknown>> {
		const { rows } = await db.pool.query('SELECT * FROM email_accounts WHERE id = $1', [id]);
		return rows[0];
	}

	async function sealedOf(id: string): Promise<string> {
		return (await rawRow(id)).credentials_encrypted as string;
	}

	async function accountCount(organizationId: string): Promise<number> {
		const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM email_accounts WHERE organization_id = $1', [
			organizationId,
		]);
		return rows[0].n;
	}

	const mailbox = (extra: AccountInput = {}): AccountInput => ({
		email: `box-${randomUUID().slice(0, 8)}@sender.test`,
		provider: 'smtp',
		smtp: { host: 'smtp.sender.test', port: 587, security: 'starttls' },
		password: PASSWORD,
		...extra,
	});

	/** An account of `tenant` signing in to `server` as MAILBOX_USER. */
	const localMailbox = (server: MailServer, extra: AccountInput = {}): AccountInput =>
		mailbox({ smtp: { host: '127.0.0.1', port: server.port, security: 'none', user: MAILBOX_USER }, ...extra });

	beforeAll(async () => {
		db = await createTestDatabase();
		a = await newTenant(db, 'alpha');
		box = new SecretBox(KEY);
		plain = await startMailServer(['PLAIN']);
		login = await startMailServer(['LOGIN']);
		xoauth2 = await startMailServer(['XOAUTH2']);
		servers.push(plain, login, xoauth2);
	});
	afterAll(async () => {
		await Promise.all(servers.map((server) => server.close()));
		await db.drop();
	});

	describe('createEmailAccount', () => {
		it('creates an SMTP account with its host, port, security and user, and seals the password', async () => {
			const account = await a.as((tx) =>
				createEmailAccount(tx, box, {
					email: '  Jane@Sender.TEST ',
					provider: 'smtp',
					smtp: { host: ' mail.sender.test ', port: 2525, security: 'tls', user: 'jane-login' },
					password: PASSWORD,
					fromName: '  Jane Doe ',
					timezone: 'Europe/Berlin',
					dailyLimit: 80,
				}),
			);
			expect(account).toEqual({
				id: expect.any(String),
				userId: null,
				email: 'jane@sender.test',
				provider: 'smtp',
				status: 'active',
				pausedReason: null,
				settings: {
					smtp: { host: 'mail.sender.test', port: 2525, security: 'tls', user: 'jane-login' },
					fromName: 'Jane Doe',
					timezone: 'Europe/Berlin',
					warmup: { startVolume: 5, dailyIncrement: 5 },
				},
				healthScore: 100,
				warmupStatus: 'pending',
				dailyLimit: 80,
				currentSentToday: 0,
				lastSentAt: null,
				hasSecret: true,
				secretKeyId: box.keyId,
				createdAt: expect.any(String),
				updatedAt: expect.any(String),
			});
			const row = await rawRow(account.id);
			expect(row).toMatchObject({
				organization_id: a.id,
				email: 'jane@sender.test',
				provider: 'smtp',
				daily_limit: 80,
			});
			expect(row.credentials_encrypted).toMatch(SEALED);
			expect((row.credentials_encrypted as string).split('.')[1]).toBe(box.keyId);
			expect(JSON.parse(box.open(row.credentials_encrypted as string))).toEqual({
				kind: 'password',
				password: PASSWORD,
			});
		});

		it('defaults the SMTP port to 587 with STARTTLS and signs in with the address itself', async () => {
			const account = await a.as((tx) =>
				createEmailAccount(tx, box, {
					email: 'defaults@sender.test',
					smtp: { host: 'smtp.sender.test' },
					password: PASSWORD,
				}),
			);
			expect(account.provider).toBe('smtp');
			expect(account.settings.smtp).toEqual({
				host: 'smtp.sender.test',
				port: 587,
				security: 'starttls',
				user: 'defaults@sender.test',
			});
			expect(account.dailyLimit).toBe(50);
		});

		it.each([
			['gmail', { host: 'smtp.gmail.com', port: 465, security: 'tls' }],
			['outlook', { host: 'smtp.office365.com', port: 587, security: 'starttls' }],
		])('fills in the SMTP server of provider %s', async (provider, server) => {
			const email = `someone@${provider}-user.test`;
			const account = await a.as((tx) => createEmailAccount(tx, box, { email, provider, password: PASSWORD }));
			expect(account).toMatchObject({ provider, settings: { smtp: { ...server, user: email } } });
		});

		it('lets given SMTP settings override a provider’s defaults', async () => {
			const account = await a.as((tx) =>
				createEmailAccount(tx, box, {
					email: 'custom@gmail-user.test',
					provider: 'gmail',
					smtp: { port: 587, security: 'starttls', user: 'alias@gmail-user.test' },
					password: PASSWORD,
				}),
			);
			expect(account.settings.smtp).toEqual({
				host: 'smtp.gmail.com',
				port: 587,
				security: 'starttls',
				user: 'alias@gmail-user.test',
			});
		});

		it('seals OAuth2 client id, client secret, refresh token and access token', async () => {
			const account = await a.as((tx) =>
				createEmailAccount(tx, box, { email: 'oauth@outlook-user.test', provider: 'outlook', oauth2: OAUTH2 }),
			);
			expect(account).toMatchObject({ provider: 'outlook', hasSecret: true, secretKeyId: box.keyId });
			expect(await a.as((tx) => mailboxSecret(tx, box, account.id))).toEqual({ kind: 'oauth2', ...OAUTH2 });
			const withoutAccessToken = { ...OAUTH2, accessToken: undefined };
			const refreshOnly = await a.as((tx) =>
				createEmailAccount(tx, box, {
					email: 'refresh@gmail-user.test',
					provider: 'gmail',
					oauth2: withoutAccessToken,
				}),
			);
			expect(await a.as((tx) => mailboxSecret(tx, box, refreshOnly.id))).toEqual({
				kind: 'oauth2',
				...withoutAccessToken,
			});
		});

		it.each([
			[
				{ clientSecret: OAUTH2.clientSecret, refreshToken: OAUTH2.refreshToken },
				'OAuth2 Client ID must be a non-empty text',
			],
			[
				{ clientId: OAUTH2.clientId, refreshToken: OAUTH2.refreshToken },
				'OAuth2 Client Secret must be a non-empty text',
			],
			[
				{ clientId: OAUTH2.clientId, clientSecret: OAUTH2.clientSecret },
				'OAuth2 Refresh Token must be a non-empty text',
			],
		])('refuses incomplete OAuth2 tokens %j naming the missing one', async (oauth2, message) => {
			const before = await accountCount(a.id);
			const attempt = a.as((tx) => createEmailAccount(tx, box, mailbox({ password: undefined, oauth2 })));
			await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
			await expect(attempt).rejects.toMatchObject({ message });
			expect(await accountCount(a.id)).toBe(before);
		});

		it('trims pasted OAuth2 tokens and refuses one that is not text', async () => {
			const padded = {
				clientId: ` ${OAUTH2.clientId}\n`,
				clientSecret: OAUTH2.clientSecret,
				refreshToken: `${OAUTH2.refreshToken} `,
			};
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox({ password: undefined, oauth2: padded })));
			expect(await a.as((tx) => mailboxSecret(tx, box, account.id))).toEqual({
				kind: 'oauth2',
				clientId: OAUTH2.clientId,
				clientSecret: OAUTH2.clientSecret,
				refreshToken: OAUTH2.refreshToken,
			});
			const before = await accountCount(a.id);
			const oauth2 = { ...OAUTH2, clientSecret: 42 as unknown as string };
			await expect(
				a.as((tx) => createEmailAccount(tx, box, mailbox({ password: undefined, oauth2 }))),
			).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'OAuth2 Client Secret must be a non-empty text',
			});
			expect(await accountCount(a.id)).toBe(before);
		});

		it.each<[string, AccountInput, string]>([
			['a NUL in the From Name', { fromName: 'Jane\u0000' }, 'From Name must be text without NUL (\\u0000) characters'],
			[
				'an unpaired surrogate in the From Name',
				{ fromName: '\uD800 Jane' },
				'From Name must be valid Unicode text (no unpaired surrogate)',
			],
			[
				'a From Name that is not text',
				{ fromName: { given: 'Jane' } as unknown as string },
				'From Name must be a text',
			],
			[
				'a NUL in the SMTP user',
				{ smtp: { host: 'smtp.sender.test', user: 'jane\u0000' } },
				'SMTP User must be text without NUL (\\u0000) characters',
			],
			[
				'an SMTP user that is not text',
				{ smtp: { host: 'smtp.sender.test', user: 7 as unknown as string } },
				'SMTP User must be a text',
			],
		])('refuses %s (kept in the settings JSON) and stores nothing', async (_label, input, message) => {
			const before = await accountCount(a.id);
			await expect(a.as((tx) => createEmailAccount(tx, box, mailbox(input)))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message,
			});
			expect(await accountCount(a.id)).toBe(before);
		});

		it('refuses an account without a password or tokens', async () => {
			for (const input of [
				mailbox({ password: undefined }),
				mailbox({ password: '' }),
				mailbox({ password: undefined, oauth2: {} }),
			]) {
				await expect(a.as((tx) => createEmailAccount(tx, box, input))).rejects.toMatchObject({
					name: 'InvalidInputError',
					message: 'Password must be a password (or app password), or OAuth2 tokens',
				});
			}
		});

		it.each<[string, AccountInput, string]>([
			['an unknown provider', { provider: 'yahoo' }, 'Provider must be one of smtp, gmail, outlook'],
			['an empty provider', { provider: '' }, 'Provider must be one of smtp, gmail, outlook'],
			['an invalid email', { email: 'not an address' }, 'Email must be a valid email address such as jane@example.com'],
			['a missing email', { email: undefined }, 'Email must be a valid email address such as jane@example.com'],
			['port 0', { smtp: { host: 'smtp.sender.test', port: 0 } }, 'SMTP Port must be a whole number from 1 to 65535'],
			[
				'port 65536',
				{ smtp: { host: 'smtp.sender.test', port: 65536 } },
				'SMTP Port must be a whole number from 1 to 65535',
			],
			[
				'a fractional port',
				{ smtp: { host: 'smtp.sender.test', port: 25.5 } },
				'SMTP Port must be a whole number from 1 to 65535',
			],
			[
				'a port that is not a number',
				{ smtp: { host: 'smtp.sender.test', port: 'smtp' as unknown as number } },
				'SMTP Port must be a whole number from 1 to 65535',
			],
			[
				'a missing host for provider smtp',
				{ smtp: { port: 25 } },
				'SMTP Host must be a host name such as smtp.example.com',
			],
			[
				'a host with a port in it',
				{ smtp: { host: 'smtp.sender.test:587' } },
				'SMTP Host must be a host name such as smtp.example.com',
			],
			[
				'a URL as host',
				{ smtp: { host: 'smtp://smtp.sender.test' } },
				'SMTP Host must be a host name such as smtp.example.com',
			],
			[
				'an unknown security',
				{ smtp: { host: 'smtp.sender.test', security: 'ssl' as 'tls' } },
				'SMTP Security must be one of tls, starttls, none',
			],
			['a negative daily limit', { dailyLimit: -1 }, 'Daily Limit must be a whole number from 0 to 100000'],
			['a fractional daily limit', { dailyLimit: 10.5 }, 'Daily Limit must be a whole number from 0 to 100000'],
			[
				'an empty daily limit',
				{ dailyLimit: '' as unknown as number },
				'Daily Limit must be a whole number from 0 to 100000',
			],
			[
				'a daily limit beyond the ceiling',
				{ dailyLimit: 3_000_000_000 },
				'Daily Limit must be a whole number from 0 to 100000',
			],
			[
				'an unknown warm-up status',
				{ warmupStatus: 'hot' },
				'Warm-Up Status must be one of pending, warming, warmed, off',
			],
			[
				'a warm-up start volume of 0',
				{ warmup: { startVolume: 0 } },
				'Warm-Up Start Volume must be a whole number from 1 to 100000',
			],
			[
				'a negative warm-up increment',
				{ warmup: { dailyIncrement: -5 } },
				'Warm-Up Daily Increment must be a whole number from 0 to 100000',
			],
			[
				'an unknown time zone',
				{ timezone: 'Mars/Olympus' },
				'Time Zone must be an IANA time zone such as Europe/Berlin',
			],
			[
				'a sending window starting at hour 24',
				{ sendingWindow: { startHour: 24 } },
				'Sending Window Start Hour must be a whole number from 0 to 23',
			],
			[
				'a sending window ending before it starts',
				{ sendingWindow: { startHour: 15, endHour: 9 } },
				'Sending Window End Hour must be after the start hour (15)',
			],
			[
				'a sending window on an unknown day',
				{ sendingWindow: { weekdays: ['mon', 'funday'] } },
				'Sending Window Weekdays must be a non-empty list of mon, tue, wed, thu, fri, sat, sun',
			],
			[
				'a sending window with an unknown setting',
				{ sendingWindow: { startHour: 8, lunchBreak: true } as never },
				'Sending Window must be an object with weekdays, startHour and/or endHour (not lunchBreak)',
			],
			[
				'a user id that is not a UUID',
				{ userId: 'jane' },
				'User ID must be a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7',
			],
		])('refuses %s naming the field, and stores nothing', async (_case, input, message) => {
			const before = await accountCount(a.id);
			const attempt = a.as((tx) => createEmailAccount(tx, box, mailbox(input)));
			await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
			await expect(attempt).rejects.toMatchObject({ message });
			expect(await accountCount(a.id)).toBe(before);
		});

		it('accepts whole numbers given as text, as n8n expressions produce them', async () => {
			const account = await a.as((tx) =>
				createEmailAccount(
					tx,
					box,
					mailbox({
						dailyLimit: '120' as unknown as number,
						smtp: { host: 'smtp.sender.test', port: ' 465 ' as unknown as number },
					}),
				),
			);
			expect(account.dailyLimit).toBe(120);
			expect(account.settings.smtp.port).toBe(465);
		});

		it('refuses a second account for the same address in the organization, whatever its case', async () => {
			const first = await a.as((tx) =>
				createEmailAccount(tx, box, mailbox({ email: 'twice@sender.test', dailyLimit: 10 })),
			);
			const before = await accountCount(a.id);
			const attempt = a.as((tx) =>
				createEmailAccount(
					tx,
					box,
					mailbox({ email: ' TWICE@sender.test', provider: 'gmail', smtp: undefined, dailyLimit: 99 }),
				),
			);
			await expect(attempt).rejects.toBeInstanceOf(ConflictError);
			await expect(attempt).rejects.toThrow(
				'A sending account for twice@sender.test already exists in this organization',
			);
			expect(await accountCount(a.id)).toBe(before);
			expect(await a.as((tx) => getEmailAccount(tx, first.id))).toEqual(first);
		});

		it('lets another organization use the same address', async () => {
			await a.as((tx) => createEmailAccount(tx, box, mailbox({ email: 'shared@sender.test' })));
			const other = await newTenant(db, 'other');
			const theirs = await other.as((tx) => createEmailAccount(tx, box, mailbox({ email: 'shared@sender.test' })));
			expect((await rawRow(theirs.id)).organization_id).toBe(other.id);
		});

		it('records when warming up started for an account created warming, with its ramp', async () => {
			const account = await a.as((tx) =>
				createEmailAccount(
					tx,
					box,
					mailbox({ warmupStatus: 'warming', warmup: { startVolume: 10, dailyIncrement: 3 } }),
				),
			);
			expect(account.warmupStatus).toBe('warming');
			expect(account.settings.warmup).toEqual({ startVolume: 10, dailyIncrement: 3, startedAt: expect.any(String) });
			expect(Number.isNaN(Date.parse(account.settings.warmup!.startedAt!))).toBe(false);
		});

		it('keeps a sending window override, without days it repeats', async () => {
			const account = await a.as((tx) =>
				createEmailAccount(
					tx,
					box,
					mailbox({ sendingWindow: { weekdays: ['mon', 'wed', 'mon'], startHour: 7, endHour: 11 } }),
				),
			);
			expect(account.settings.sendingWindow).toEqual({ weekdays: ['mon', 'wed'], startHour: 7, endHour: 11 });
		});

		it('links the account to a user of the organization, never to another organization’s user', async () => {
			const { rows } = await db.pool.query(
				`INSERT INTO users (organization_id, email) VALUES ($1, 'owner@alpha.test') RETURNING id`,
				[a.id],
			);
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox({ userId: rows[0].id })));
			expect(account.userId).toBe(rows[0].id);

			const other = await newTenant(db, 'user-owner');
			const foreign = await db.pool.query(
				`INSERT INTO users (organization_id, email) VALUES ($1, 'them@other.test') RETURNING id`,
				[other.id],
			);
			const before = await accountCount(a.id);
			await expect(
				a.as((tx) => createEmailAccount(tx, box, mailbox({ userId: foreign.rows[0].id }))),
			).rejects.toMatchObject({
				name: 'NotFoundError',
				message: `User ${foreign.rows[0].id} was not found in this organization`,
			});
			expect(await accountCount(a.id)).toBe(before);
		});
	});

	describe('secrets stay sealed', () => {
		it('stores no password or token in clear in any column of the row', async () => {
			const withPassword = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			const withTokens = await a.as((tx) =>
				createEmailAccount(tx, box, mailbox({ password: undefined, oauth2: OAUTH2 })),
			);
			for (const id of [withPassword.id, withTokens.id]) {
				const row = await rawRow(id);
				expect(row.credentials_encrypted).toMatch(SEALED);
				expect(Object.keys(row)).toEqual(
					expect.arrayContaining(['credentials_encrypted', 'settings', 'email', 'paused_reason']),
				);
				const leaking = Object.entries(row)
					.filter(([, value]) => SECRETS.some((secret) => JSON.stringify(value ?? null).includes(secret)))
					.map(([column]) => column);
				expect(leaking).toEqual([]);
			}
		});

		it('shows no secret and no ciphertext in anything an operation returns', async () => {
			const created = await a.as((tx) => createEmailAccount(tx, box, localMailbox(plain, { oauth2: undefined })));
			const tokens = await a.as((tx) => createEmailAccount(tx, box, mailbox({ password: undefined, oauth2: OAUTH2 })));
			const outputs: unknown[] = [created, tokens];
			const sealed = [await sealedOf(created.id), await sealedOf(tokens.id)];
			outputs.push(await a.as((tx) => getEmailAccount(tx, created.id)));
			outputs.push(await a.as((tx) => getEmailAccount(tx, tokens.id)));
			outputs.push(await a.as((tx) => listEmailAccounts(tx, { limit: 1000, offset: 0 })));
			outputs.push(await a.as((tx) => updateEmailAccount(tx, box, created.id, { dailyLimit: 70 })));
			outputs.push(await a.as((tx) => updateEmailAccount(tx, box, tokens.id, { oauth2: OAUTH2, fromName: 'Tokens' })));
			const verified = await verifyEmailAccount(a.as, box, created.id);
			expect(verified.verified).toBe(true);
			outputs.push(verified);
			outputs.push(await a.as((tx) => setEmailAccountPaused(tx, created.id, true, 'holiday')));
			outputs.push(await a.as((tx) => setEmailAccountPaused(tx, created.id, false)));
			outputs.push(await a.as((tx) => getEmailAccount(tx, created.id)));
			// The tokens were sealed again by the update: neither the old nor the new value may show.
			sealed.push(await sealedOf(tokens.id));
			expect(sealed[2]).not.toBe(sealed[1]);
			expectNothingSecretIn(outputs, sealed);
		});
	});

	describe('getEmailAccount and listEmailAccounts', () => {
		let t: Tenant;
		let accounts: Record<string, EmailAccount>;

		beforeAll(async () => {
			t = await newTenant(db, 'lister');
			accounts = {};
			for (const [name, provider] of [
				['dora', 'outlook'],
				['alice', 'smtp'],
				['carol', 'gmail'],
				['bob', 'smtp'],
			]) {
				accounts[name] = await t.as((tx) =>
					createEmailAccount(
						tx,
						box,
						mailbox({ email: `${name}@lister.test`, provider, smtp: provider === 'smtp' ? mailbox().smtp : undefined }),
					),
				);
			}
			accounts.bob = await t.as((tx) => setEmailAccountPaused(tx, accounts.bob.id, true, 'bounces'));
		});

		const emails = (list: EmailAccount[]) => list.map((account) => account.email.split('@')[0]);
		const list = (filter: { status?: string; provider?: string; limit?: number; offset?: number }) =>
			t.as((tx) => listEmailAccounts(tx, { limit: 50, offset: 0, ...filter }));

		it('gets an account by id as it was stored', async () => {
			expect(await t.as((tx) => getEmailAccount(tx, accounts.carol.id))).toEqual(accounts.carol);
		});

		it('reports an unknown id as not found in this organization', async () => {
			const id = randomUUID();
			const attempt = t.as((tx) => getEmailAccount(tx, id));
			await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
			await expect(attempt).rejects.toThrow(`Email account ${id} was not found in this organization`);
		});

		it('refuses an id that is not a UUID naming the field', async () => {
			await expect(t.as((tx) => getEmailAccount(tx, 'alice@lister.test'))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Email Account ID must be a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7',
			});
		});

		it('lists by address', async () => {
			const listed = await list({});
			expect(emails(listed)).toEqual(['alice', 'bob', 'carol', 'dora']);
			expect(listed[1]).toEqual(accounts.bob);
		});

		it('filters by status and by provider', async () => {
			expect(emails(await list({ status: 'paused' }))).toEqual(['bob']);
			expect(emails(await list({ status: 'active' }))).toEqual(['alice', 'carol', 'dora']);
			expect(emails(await list({ provider: 'smtp' }))).toEqual(['alice', 'bob']);
			expect(emails(await list({ provider: 'smtp', status: 'active' }))).toEqual(['alice']);
			expect(emails(await list({ provider: 'outlook', status: 'paused' }))).toEqual([]);
			expect(emails(await list({ status: '', provider: '' }))).toEqual(['alice', 'bob', 'carol', 'dora']);
		});

		it('pages with limit and offset', async () => {
			expect(emails(await list({ limit: 2, offset: 0 }))).toEqual(['alice', 'bob']);
			expect(emails(await list({ limit: 2, offset: 2 }))).toEqual(['carol', 'dora']);
			expect(emails(await list({ limit: 2, offset: 4 }))).toEqual([]);
			expect(emails(await list({ limit: 1, offset: 1, status: 'active' }))).toEqual(['carol']);
		});

		it('refuses an unknown status or provider filter naming the field', async () => {
			await expect(list({ status: 'sleeping' })).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Status must be one of active, paused',
			});
			await expect(list({ provider: 'yahoo' })).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Provider must be one of smtp, gmail, outlook',
			});
		});
	});

	describe('updateEmailAccount', () => {
		it('changes the daily limit and keeps everything else', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox({ dailyLimit: 40 })));
			const sealed = await sealedOf(account.id);
			const updated = await a.as((tx) => updateEmailAccount(tx, box, account.id, { dailyLimit: 0 }));
			expect(updated).toEqual({ ...account, dailyLimit: 0, updatedAt: expect.any(String) });
			expect(await a.as((tx) => getEmailAccount(tx, account.id))).toEqual(updated);
			// A partial update keeps the sealed secret exactly as it was.
			expect(await sealedOf(account.id)).toBe(sealed);
			expect(await a.as((tx) => mailboxSecret(tx, box, account.id))).toEqual({ kind: 'password', password: PASSWORD });
		});

		it('starts warming up (recording when) and keeps that date through later changes', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			expect(account.settings.warmup).toEqual({ startVolume: 5, dailyIncrement: 5 });
			const warming = await a.as((tx) => updateEmailAccount(tx, box, account.id, { warmupStatus: 'warming' }));
			expect(warming.warmupStatus).toBe('warming');
			const startedAt = warming.settings.warmup?.startedAt;
			expect(startedAt).toEqual(expect.any(String));

			const ramped = await a.as((tx) => updateEmailAccount(tx, box, account.id, { warmup: { dailyIncrement: 2 } }));
			expect(ramped.settings.warmup).toEqual({ startVolume: 5, dailyIncrement: 2, startedAt });
			const again = await a.as((tx) =>
				updateEmailAccount(tx, box, account.id, { warmupStatus: 'warming', warmup: { startVolume: 8 } }),
			);
			expect(again.settings.warmup).toEqual({ startVolume: 8, dailyIncrement: 2, startedAt });
			const warmed = await a.as((tx) => updateEmailAccount(tx, box, account.id, { warmupStatus: 'warmed' }));
			expect(warmed).toMatchObject({
				warmupStatus: 'warmed',
				settings: { warmup: { startVolume: 8, dailyIncrement: 2, startedAt } },
			});
		});

		it('sets, replaces and removes a sending window override', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			const set = await a.as((tx) =>
				updateEmailAccount(tx, box, account.id, { sendingWindow: { startHour: 6, endHour: 10 } }),
			);
			expect(set.settings.sendingWindow).toEqual({ startHour: 6, endHour: 10 });
			const replaced = await a.as((tx) =>
				updateEmailAccount(tx, box, account.id, { sendingWindow: { weekdays: ['sat', 'sun'] } }),
			);
			expect(replaced.settings.sendingWindow).toEqual({ weekdays: ['sat', 'sun'] });
			const kept = await a.as((tx) => updateEmailAccount(tx, box, account.id, { dailyLimit: 12 }));
			expect(kept.settings.sendingWindow).toEqual({ weekdays: ['sat', 'sun'] });
			const removed = await a.as((tx) => updateEmailAccount(tx, box, account.id, { sendingWindow: null }));
			expect(removed.settings).not.toHaveProperty('sendingWindow');
			expect((await rawRow(account.id)).settings).not.toHaveProperty('sendingWindow');
		});

		it('changes sender name, time zone and SMTP settings; unset SMTP fields keep their stored value', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox({ fromName: 'Old', timezone: 'UTC' })));
			const updated = await a.as((tx) =>
				updateEmailAccount(tx, box, account.id, {
					fromName: 'New Name',
					timezone: 'Asia/Tokyo',
					smtp: { host: undefined, port: 2525, user: undefined },
				}),
			);
			expect(updated.settings).toMatchObject({
				fromName: 'New Name',
				timezone: 'Asia/Tokyo',
				smtp: { ...account.settings.smtp, port: 2525 },
			});
			const cleared = await a.as((tx) => updateEmailAccount(tx, box, account.id, { fromName: '  ', timezone: '' }));
			expect(cleared.settings).not.toHaveProperty('fromName');
			expect(cleared.settings).not.toHaveProperty('timezone');
		});

		it('re-seals a new password with the current key', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			const before = await sealedOf(account.id);
			const updated = await a.as((tx) => updateEmailAccount(tx, box, account.id, { password: NEW_PASSWORD }));
			const after = await sealedOf(account.id);
			expect(after).toMatch(SEALED);
			expect(after).not.toBe(before);
			expect(after).not.toContain(NEW_PASSWORD);
			expect(JSON.parse(box.open(after))).toEqual({ kind: 'password', password: NEW_PASSWORD });
			expect(JSON.stringify(updated)).not.toContain(NEW_PASSWORD);
			expect(JSON.stringify(await rawRow(account.id))).not.toContain(NEW_PASSWORD);
		});

		it('switches a password account to OAuth2 tokens', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			await a.as((tx) => updateEmailAccount(tx, box, account.id, { oauth2: OAUTH2 }));
			expect(await a.as((tx) => mailboxSecret(tx, box, account.id))).toEqual({ kind: 'oauth2', ...OAUTH2 });
		});

		it('attaches and detaches a user of the organization', async () => {
			const { rows } = await db.pool.query(
				`INSERT INTO users (organization_id, email) VALUES ($1, 'second@alpha.test') RETURNING id`,
				[a.id],
			);
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			expect((await a.as((tx) => updateEmailAccount(tx, box, account.id, { userId: rows[0].id }))).userId).toBe(
				rows[0].id,
			);
			expect((await a.as((tx) => updateEmailAccount(tx, box, account.id, { dailyLimit: 9 }))).userId).toBe(rows[0].id);
			expect((await a.as((tx) => updateEmailAccount(tx, box, account.id, { userId: null }))).userId).toBeNull();
		});

		it.each<[string, AccountInput, string]>([
			['a negative daily limit', { dailyLimit: -3 }, 'Daily Limit must be a whole number from 0 to 100000'],
			[
				'an unknown warm-up status',
				{ warmupStatus: 'lukewarm' },
				'Warm-Up Status must be one of pending, warming, warmed, off',
			],
			[
				'a warm-up start volume of 0',
				{ warmup: { startVolume: 0 } },
				'Warm-Up Start Volume must be a whole number from 1 to 100000',
			],
			[
				'a fractional warm-up increment',
				{ warmup: { dailyIncrement: 1.5 } },
				'Warm-Up Daily Increment must be a whole number from 0 to 100000',
			],
			['an SMTP port out of range', { smtp: { port: 99999 } }, 'SMTP Port must be a whole number from 1 to 65535'],
			['an empty SMTP host', { smtp: { host: ' ' } }, 'SMTP Host must be a host name such as smtp.example.com'],
			[
				'an unknown time zone',
				{ timezone: 'Nowhere/Land' },
				'Time Zone must be an IANA time zone such as Europe/Berlin',
			],
			[
				'a sending window ending at hour 25',
				{ sendingWindow: { endHour: 25 } },
				'Sending Window End Hour must be a whole number from 1 to 24',
			],
			[
				'a sending window with no day',
				{ sendingWindow: { weekdays: [] } },
				'Sending Window Weekdays must be a non-empty list of mon, tue, wed, thu, fri, sat, sun',
			],
			[
				'a sending window that is not an object',
				{ sendingWindow: '9-17' as never },
				'Sending Window must be an object with weekdays, startHour and/or endHour',
			],
			[
				'incomplete OAuth2 tokens',
				{ oauth2: { clientId: OAUTH2.clientId } },
				'OAuth2 Client Secret must be a non-empty text',
			],
			['a provider that does not exist', { provider: 'aol' }, 'Provider must be one of smtp, gmail, outlook'],
			[
				'a user id that is not a UUID',
				{ userId: 'someone' },
				'User ID must be a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7',
			],
		])('refuses %s naming the field, and changes nothing', async (_case, patch, message) => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox({ warmupStatus: 'warming' })));
			const sealed = await sealedOf(account.id);
			const attempt = a.as((tx) =>
				updateEmailAccount(tx, box, account.id, { dailyLimit: 77, password: REFUSED_PASSWORD, ...patch }),
			);
			await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
			await expect(attempt).rejects.toMatchObject({ message });
			expect(await a.as((tx) => getEmailAccount(tx, account.id))).toEqual(account);
			expect(await sealedOf(account.id)).toBe(sealed);
		});

		it('refuses to change the address or the provider, and accepts them repeated', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox({ email: 'fixed@sender.test' })));
			await expect(
				a.as((tx) => updateEmailAccount(tx, box, account.id, { email: 'moved@sender.test' })),
			).rejects.toMatchObject({
				name: 'ConflictError',
				message: `The address of email account ${account.id} cannot change`,
				description: 'Create an account for the new address, then pause or delete this one.',
			});
			await expect(a.as((tx) => updateEmailAccount(tx, box, account.id, { provider: 'gmail' }))).rejects.toThrow(
				`The provider of email account ${account.id} cannot change`,
			);
			const same = await a.as((tx) =>
				updateEmailAccount(tx, box, account.id, { email: ' FIXED@sender.test', provider: 'smtp', dailyLimit: 5 }),
			);
			expect(same).toMatchObject({ email: 'fixed@sender.test', provider: 'smtp', dailyLimit: 5 });
		});

		it('reports an unknown account as not found', async () => {
			const id = randomUUID();
			await expect(a.as((tx) => updateEmailAccount(tx, box, id, { dailyLimit: 1 }))).rejects.toMatchObject({
				name: 'NotFoundError',
				message: `Email account ${id} was not found in this organization`,
			});
		});
	});

	describe('setEmailAccountPaused', () => {
		it('refuses a reason PostgreSQL cannot store, and stays as it was', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			await expect(a.as((tx) => setEmailAccountPaused(tx, account.id, true, 'bounce\u0000'))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Reason must be text without NUL (\\u0000) characters',
			});
			expect(await a.as((tx) => getEmailAccount(tx, account.id))).toEqual(account);
		});

		it('pauses with the reason given, and resumes clearing it', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			const paused = await a.as((tx) => setEmailAccountPaused(tx, account.id, true, '  bounce rate 9%  '));
			expect(paused).toEqual({
				...account,
				status: 'paused',
				pausedReason: 'bounce rate 9%',
				updatedAt: expect.any(String),
			});
			expect(await rawRow(account.id)).toMatchObject({ status: 'paused', paused_reason: 'bounce rate 9%' });

			const resumed = await a.as((tx) => setEmailAccountPaused(tx, account.id, false, 'ignored'));
			expect(resumed).toMatchObject({ status: 'active', pausedReason: null });
			expect(await a.as((tx) => getEmailAccount(tx, account.id))).toEqual(resumed);
		});

		it('says a user paused it when no reason is given', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			for (const reason of [undefined, '   ']) {
				expect(await a.as((tx) => setEmailAccountPaused(tx, account.id, true, reason))).toMatchObject({
					status: 'paused',
					pausedReason: 'paused by a user',
				});
			}
		});

		it('reports an unknown account as not found', async () => {
			const id = randomUUID();
			for (const paused of [true, false]) {
				await expect(a.as((tx) => setEmailAccountPaused(tx, id, paused))).rejects.toThrow(
					`Email account ${id} was not found in this organization`,
				);
			}
		});
	});

	describe('deleteEmailAccount', () => {
		const sendable = (accountIds: string[]) => ({
			sequence: [{ subject: 'Hi', body: 'Hello' }],
			accountIds,
			postalAddress: POSTAL_ADDRESS,
		});

		it('deletes an account that never sent', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			expect(await a.as((tx) => deleteEmailAccount(tx, account.id))).toEqual({ id: account.id, deleted: true });
			await expect(a.as((tx) => getEmailAccount(tx, account.id))).rejects.toBeInstanceOf(NotFoundError);
			expect(await rawRow(account.id)).toBeUndefined();
			const listed = await a.as((tx) => listEmailAccounts(tx, { limit: 1000, offset: 0 }));
			expect(listed.map((x) => x.id)).not.toContain(account.id);
		});

		it('refuses to delete an account with sending history, which stays as it was', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			const campaign = await a.as((tx) => createCampaign(tx, { name: 'History', config: sendable([account.id]) }));
			await a.as((tx) => transitionCampaign(tx, campaign.id, 'activate'));
			await a.as((tx) => transitionCampaign(tx, campaign.id, 'complete'));
			const lead = await db.pool.query(
				`INSERT INTO leads (organization_id, campaign_id, email) VALUES ($1, $2, 'l@prospect.test') RETURNING id`,
				[a.id, campaign.id],
			);
			for (const status of ['sent', 'failed']) {
				await db.pool.query(
					`INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, subject, body, status, scheduled_at, sequence_step)
					 VALUES ($1, $2, $3, $4, 'Hi', 'Hello', $5, now(),
			         (SELECT COALESCE(max(sequence_step), 0) + 1 FROM email_queue WHERE campaign_id = $2 AND lead_id = $3))`,
					[a.id, campaign.id, lead.rows[0].id, account.id, status],
				);
			}
			await expect(a.as((tx) => deleteEmailAccount(tx, account.id))).rejects.toMatchObject({
				name: 'ConflictError',
				message: `Email account ${account.id} has 2 emails in its history and cannot be deleted`,
				description: 'Pause it instead: it then sends nothing and its statistics stay.',
			});
			expect(await a.as((tx) => getEmailAccount(tx, account.id))).toEqual(account);
		});

		it('refuses to delete an account that a draft, active or paused campaign sends with, naming them', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			const spare = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			const draft = await a.as((tx) =>
				createCampaign(tx, { name: 'Draft one', config: sendable([spare.id, account.id]) }),
			);
			const active = await a.as((tx) => createCampaign(tx, { name: 'Active one', config: sendable([account.id]) }));
			await a.as((tx) => transitionCampaign(tx, active.id, 'activate'));
			const paused = await a.as((tx) => createCampaign(tx, { name: 'Paused one', config: sendable([account.id]) }));
			await a.as((tx) => transitionCampaign(tx, paused.id, 'activate'));
			await a.as((tx) => transitionCampaign(tx, paused.id, 'pause'));

			await expect(a.as((tx) => deleteEmailAccount(tx, account.id))).rejects.toMatchObject({
				name: 'ConflictError',
				message:
					`Email account ${account.id} is a sending account of campaign "Active one" (active, ${active.id}), ` +
					`campaign "Draft one" (draft, ${draft.id}), campaign "Paused one" (paused, ${paused.id}) and cannot be deleted`,
				description:
					'Remove it from config.accountIds of those campaigns first, or pause it: a paused account sends nothing.',
			});
			expect(await a.as((tx) => getEmailAccount(tx, account.id))).toEqual(account);
			expect((await a.as((tx) => getCampaign(tx, active.id))).status).toBe('active');

			// Once no campaign that may still send lists it, it can go; the others keep sending with theirs.
			await a.as((tx) => updateCampaign(tx, draft.id, { config: { accountIds: [spare.id] } }));
			await a.as((tx) => updateCampaign(tx, active.id, { config: { accountIds: [spare.id] } }));
			await a.as((tx) => transitionCampaign(tx, paused.id, 'complete'));
			expect(await a.as((tx) => deleteEmailAccount(tx, account.id))).toEqual({ id: account.id, deleted: true });
			await expect(a.as((tx) => transitionCampaign(tx, active.id, 'pause'))).resolves.toMatchObject({
				status: 'paused',
			});
			await expect(a.as((tx) => transitionCampaign(tx, active.id, 'resume'))).resolves.toMatchObject({
				status: 'active',
			});
		});

		it('reports an unknown account as not found', async () => {
			const id = randomUUID();
			await expect(a.as((tx) => deleteEmailAccount(tx, id))).rejects.toThrow(
				`Email account ${id} was not found in this organization`,
			);
		});
	});

	describe('verifyEmailAccount (real SMTP sign-in)', () => {
		it.each<['PLAIN' | 'LOGIN', () => MailServer]>([
			['PLAIN', () => plain],
			['LOGIN', () => login],
		])('signs in with the right password over AUTH %s and records when it worked', async (method, server) => {
			const account = await a.as((tx) => createEmailAccount(tx, box, localMailbox(server())));
			const logins = server().logins.length;
			const result = await verifyEmailAccount(a.as, box, account.id);
			expect(result).toEqual({
				id: account.id,
				email: account.email,
				verified: true,
				message: `Connected to 127.0.0.1:${server().port} and signed in as ${MAILBOX_USER}`,
			});
			expect(server().logins.slice(logins)).toEqual([{ method, username: MAILBOX_USER, accepted: true }]);

			const stored = await a.as((tx) => getEmailAccount(tx, account.id));
			expect(stored.settings.lastVerification).toEqual({
				at: expect.any(String),
				verified: true,
				message: result.message,
			});
			expect(stored.settings.lastVerifiedAt).toBe(stored.settings.lastVerification?.at);
			expect(stored).toMatchObject({ status: 'active', healthScore: 100 });
		});

		it('signs in with an OAuth2 access token over XOAUTH2', async () => {
			const account = await a.as((tx) =>
				createEmailAccount(tx, box, localMailbox(xoauth2, { password: undefined, oauth2: OAUTH2 })),
			);
			const result = await verifyEmailAccount(a.as, box, account.id);
			expect(result).toMatchObject({ verified: true });
			expect(xoauth2.logins.at(-1)).toEqual({ method: 'XOAUTH2', username: MAILBOX_USER, accepted: true });
		});

		it('reports a wrong password clearly, records the failure and leaves status and health alone', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, localMailbox(plain)));
			await verifyEmailAccount(a.as, box, account.id);
			// A new password makes the earlier success meaningless.
			const changed = await a.as((tx) => updateEmailAccount(tx, box, account.id, { password: WRONG_PASSWORD }));
			expect(changed.settings).not.toHaveProperty('lastVerifiedAt');
			expect(changed.settings).not.toHaveProperty('lastVerification');

			const result = await verifyEmailAccount(a.as, box, account.id);
			expect(result).toEqual({
				id: account.id,
				email: account.email,
				verified: false,
				message: `The SMTP server 127.0.0.1:${plain.port} refused the sign-in for ${MAILBOX_USER}: Invalid login: 535 Authentication credentials invalid`,
			});
			expect(plain.logins.at(-1)).toEqual({ method: 'PLAIN', username: MAILBOX_USER, accepted: false });
			expect(JSON.stringify(result)).not.toContain(WRONG_PASSWORD);
			const stored = await a.as((tx) => getEmailAccount(tx, account.id));
			expect(stored.settings.lastVerification).toEqual({
				at: expect.any(String),
				verified: false,
				message: result.message,
			});
			expect(stored.settings).not.toHaveProperty('lastVerifiedAt');
			expect(stored).toMatchObject({ status: 'active', pausedReason: null, healthScore: 100 });
		});

		it('reports a port nobody listens on as a connection failure', async () => {
			const port = await refusedPort();
			const account = await a.as((tx) =>
				createEmailAccount(
					tx,
					box,
					mailbox({ smtp: { host: '127.0.0.1', port, security: 'none', user: MAILBOX_USER } }),
				),
			);
			const result = await verifyEmailAccount(a.as, box, account.id);
			expect(result).toEqual({
				id: account.id,
				email: account.email,
				verified: false,
				message: `Cannot connect to the SMTP server 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
			});
			expect((await a.as((tx) => getEmailAccount(tx, account.id))).settings.lastVerification).toMatchObject({
				verified: false,
			});
		});

		it('reports a server without the required STARTTLS as an encryption failure', async () => {
			const account = await a.as((tx) =>
				createEmailAccount(
					tx,
					box,
					mailbox({ smtp: { host: '127.0.0.1', port: plain.port, security: 'starttls', user: MAILBOX_USER } }),
				),
			);
			const result = await verifyEmailAccount(a.as, box, account.id);
			expect(result.verified).toBe(false);
			expect(result.message).toMatch(
				new RegExp(
					`^The SMTP server 127\\.0\\.0\\.1:${plain.port} could not set up the encryption \\(security: starttls\\): `,
				),
			);
		});

		it('refuses to check with the wrong encryption key: no connection, nothing recorded', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, localMailbox(plain)));
			const logins = plain.logins.length;
			const wrong = new SecretBox(OTHER_KEY);
			await expect(verifyEmailAccount(a.as, wrong, account.id)).rejects.toMatchObject({
				name: 'OphirError',
				message: `The stored secret was encrypted with key ${box.keyId}, but the credential's encryption key is ${wrong.keyId}`,
			});
			expect(plain.logins.length).toBe(logins);
			expect(await a.as((tx) => getEmailAccount(tx, account.id))).toEqual(account);
		});

		describe('while the SMTP server answers', () => {
			afterEach(() => {
				plain.duringSignIn = undefined;
			});

			/** Transactions open in the test database, other than the asking session's own. */
			async function openTransactions(): Promise<number> {
				const { rows } = await db.pool.query<{ n: number }>(
					`SELECT count(*)::int AS n FROM pg_stat_activity
					 WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
				);
				return rows[0].n;
			}

			it('holds no database transaction open during the network check', async () => {
				// The probe does see a tenant transaction that is open (so a zero below means none, not "cannot see").
				expect(await a.as(() => openTransactions())).toBe(1);
				const account = await a.as((tx) => createEmailAccount(tx, box, localMailbox(plain)));
				const seen: number[] = [];
				plain.duringSignIn = async () => {
					seen.push(await openTransactions());
				};
				await expect(verifyEmailAccount(a.as, box, account.id)).resolves.toMatchObject({ verified: true });
				expect(seen).toEqual([0]);
				expect((await a.as((tx) => getEmailAccount(tx, account.id))).settings.lastVerification).toMatchObject({
					verified: true,
				});
			});

			it('records nothing when the password changes during the check, and says to verify again', async () => {
				const account = await a.as((tx) => createEmailAccount(tx, box, localMailbox(plain)));
				plain.duringSignIn = async () => {
					await a.as((tx) => updateEmailAccount(tx, box, account.id, { password: NEW_PASSWORD }));
				};
				await expect(verifyEmailAccount(a.as, box, account.id)).rejects.toMatchObject({
					name: 'ConflictError',
					message: `Email account ${account.id} changed while it was being checked, so the outcome was not recorded`,
					description: 'Verify it again: the check used its previous SMTP settings or password.',
				});
				const stored = await a.as((tx) => getEmailAccount(tx, account.id));
				expect(stored.settings).not.toHaveProperty('lastVerification');
				expect(stored.settings).not.toHaveProperty('lastVerifiedAt');
				expect(await a.as((tx) => mailboxSecret(tx, box, account.id))).toEqual({
					kind: 'password',
					password: NEW_PASSWORD,
				});
			});

			it('records nothing when the SMTP settings change during the check', async () => {
				const account = await a.as((tx) => createEmailAccount(tx, box, localMailbox(plain)));
				plain.duringSignIn = async () => {
					await a.as((tx) => updateEmailAccount(tx, box, account.id, { smtp: { port: login.port } }));
				};
				await expect(verifyEmailAccount(a.as, box, account.id)).rejects.toThrow(
					`Email account ${account.id} changed while it was being checked`,
				);
				const stored = await a.as((tx) => getEmailAccount(tx, account.id));
				expect(stored.settings.smtp.port).toBe(login.port);
				expect(stored.settings).not.toHaveProperty('lastVerification');
			});

			it('still records the outcome when only other fields change during the check', async () => {
				const account = await a.as((tx) => createEmailAccount(tx, box, localMailbox(plain)));
				plain.duringSignIn = async () => {
					await a.as((tx) => updateEmailAccount(tx, box, account.id, { dailyLimit: 12, fromName: 'Renamed' }));
				};
				await expect(verifyEmailAccount(a.as, box, account.id)).resolves.toMatchObject({ verified: true });
				const stored = await a.as((tx) => getEmailAccount(tx, account.id));
				expect(stored).toMatchObject({
					dailyLimit: 12,
					settings: { fromName: 'Renamed', lastVerification: { verified: true } },
				});
			});

			it('reports an account deleted during the check as not found', async () => {
				const account = await a.as((tx) => createEmailAccount(tx, box, localMailbox(plain)));
				plain.duringSignIn = async () => {
					await a.as((tx) => deleteEmailAccount(tx, account.id));
				};
				await expect(verifyEmailAccount(a.as, box, account.id)).rejects.toMatchObject({
					name: 'NotFoundError',
					message: `Email account ${account.id} was not found in this organization`,
				});
			});
		});

		it('reports an unknown account as not found', async () => {
			const id = randomUUID();
			await expect(verifyEmailAccount(a.as, box, id)).rejects.toThrow(
				`Email account ${id} was not found in this organization`,
			);
		});
	});

	describe('encryption keys', () => {
		it('does not open a secret with a different key, names both key ids and decrypts nothing', async () => {
			const account = await a.as((tx) => createEmailAccount(tx, box, mailbox()));
			const wrong = new SecretBox(OTHER_KEY);
			const attempt = a.as((tx) => mailboxSecret(tx, wrong, account.id));
			await expect(attempt).rejects.toBeInstanceOf(OphirError);
			await expect(attempt).rejects.toMatchObject({
				message: `The stored secret was encrypted with key ${box.keyId}, but the credential's encryption key is ${wrong.keyId}`,
				description:
					'Use the key the secret was stored with, or add it to the credential as a previous key; nothing was decrypted.',
			});
		});

		it('reports an account without a stored secret clearly', async () => {
			const { rows } = await db.pool.query(
				`INSERT INTO email_accounts (organization_id, email, provider) VALUES ($1, 'bare@sender.test', 'smtp') RETURNING id`,
				[a.id],
			);
			await expect(a.as((tx) => mailboxSecret(tx, box, rows[0].id))).rejects.toThrow(
				`Email account ${rows[0].id} has no stored password or tokens`,
			);
			expect(await a.as((tx) => getEmailAccount(tx, rows[0].id))).toMatchObject({
				hasSecret: false,
				secretKeyId: null,
			});
		});

		describe('rotation', () => {
			let r: Tenant;
			let other: Tenant;
			const oldBox = new SecretBox(OLD_KEY);
			const rotated = new SecretBox(KEY, [OLD_KEY]);
			const newOnly = new SecretBox(KEY);
			let stale: EmailAccount[];
			let fresh: EmailAccount;
			let theirs: EmailAccount;

			beforeAll(async () => {
				r = await newTenant(db, 'rotating');
				other = await newTenant(db, 'not-rotating');
				stale = [
					await r.as((tx) => createEmailAccount(tx, oldBox, mailbox())),
					await r.as((tx) => createEmailAccount(tx, oldBox, mailbox({ password: undefined, oauth2: OAUTH2 }))),
				];
				fresh = await r.as((tx) => createEmailAccount(tx, newOnly, mailbox()));
				theirs = await other.as((tx) => createEmailAccount(tx, oldBox, mailbox()));
			});

			it('opens secrets sealed with a previous key', async () => {
				expect(stale.map((account) => account.secretKeyId)).toEqual([oldBox.keyId, oldBox.keyId]);
				expect(await r.as((tx) => mailboxSecret(tx, rotated, stale[0].id))).toEqual({
					kind: 'password',
					password: PASSWORD,
				});
				await expect(r.as((tx) => mailboxSecret(tx, newOnly, stale[0].id))).rejects.toThrow(
					`The stored secret was encrypted with key ${oldBox.keyId}, but the credential's encryption key is ${newOnly.keyId}`,
				);
			});

			it('refuses to re-seal without the old key, and changes nothing', async () => {
				const before = await Promise.all(stale.map((account) => sealedOf(account.id)));
				await expect(r.as((tx) => reencryptSecrets(tx, newOnly))).rejects.toThrow(
					`The stored secret was encrypted with key ${oldBox.keyId}, but the credential's encryption key is ${newOnly.keyId}`,
				);
				expect(await Promise.all(stale.map((account) => sealedOf(account.id)))).toEqual(before);
			});

			it('re-seals every stale secret of the organization with the current key, and only those', async () => {
				const freshSealed = await sealedOf(fresh.id);
				const theirsSealed = await sealedOf(theirs.id);
				expect(await r.as((tx) => reencryptSecrets(tx, rotated))).toEqual({ reencrypted: 2, keyId: newOnly.keyId });

				for (const account of stale) {
					const sealed = await sealedOf(account.id);
					expect(sealed.split('.')[1]).toBe(newOnly.keyId);
					expect((await r.as((tx) => getEmailAccount(tx, account.id))).secretKeyId).toBe(newOnly.keyId);
				}
				// Without the old key at all, the current one opens everything now.
				expect(await r.as((tx) => mailboxSecret(tx, newOnly, stale[0].id))).toEqual({
					kind: 'password',
					password: PASSWORD,
				});
				expect(await r.as((tx) => mailboxSecret(tx, newOnly, stale[1].id))).toEqual({ kind: 'oauth2', ...OAUTH2 });
				expect(await sealedOf(fresh.id)).toBe(freshSealed);
				// Another organization's secrets are its own business.
				expect(await sealedOf(theirs.id)).toBe(theirsSealed);
				expect(theirsSealed.split('.')[1]).toBe(oldBox.keyId);

				expect(await r.as((tx) => reencryptSecrets(tx, rotated))).toEqual({ reencrypted: 0, keyId: newOnly.keyId });
			});

			it('re-seals the other organization’s secrets when it rotates itself', async () => {
				expect(await other.as((tx) => reencryptSecrets(tx, rotated))).toEqual({ reencrypted: 1, keyId: newOnly.keyId });
				expect(await other.as((tx) => mailboxSecret(tx, newOnly, theirs.id))).toEqual({
					kind: 'password',
					password: PASSWORD,
				});
			});
		});
	});

	describe('tenant safety', () => {
		let b: Tenant;
		let mine: EmailAccount;
		let mineRow: Record<string, unknown>;

		beforeAll(async () => {
			b = await newTenant(db, 'intruder');
			mine = await a.as((tx) => createEmailAccount(tx, box, localMailbox(plain, { email: 'private@alpha.test' })));
			mine = await a.as((tx) => setEmailAccountPaused(tx, mine.id, true, 'kept for later'));
			mineRow = await rawRow(mine.id);
			// B has an account of its own (with the same address), so its list is not empty by accident.
			await b.as((tx) => createEmailAccount(tx, box, mailbox({ email: 'private@alpha.test' })));
		});

		const notFound = () => ({
			name: 'NotFoundError',
			message: `Email account ${mine.id} was not found in this organization`,
		});

		it('does not let B get, update, verify, pause, resume, delete or read the secret of A’s account', async () => {
			const logins = plain.logins.length;
			await expect(b.as((tx) => getEmailAccount(tx, mine.id))).rejects.toMatchObject(notFound());
			await expect(b.as((tx) => updateEmailAccount(tx, box, mine.id, { dailyLimit: 1 }))).rejects.toMatchObject(
				notFound(),
			);
			await expect(
				b.as((tx) => updateEmailAccount(tx, box, mine.id, { password: HIJACK_PASSWORD })),
			).rejects.toMatchObject(notFound());
			await expect(verifyEmailAccount(b.as, box, mine.id)).rejects.toMatchObject(notFound());
			await expect(b.as((tx) => setEmailAccountPaused(tx, mine.id, true, 'mine now'))).rejects.toMatchObject(
				notFound(),
			);
			await expect(b.as((tx) => setEmailAccountPaused(tx, mine.id, false))).rejects.toMatchObject(notFound());
			await expect(b.as((tx) => deleteEmailAccount(tx, mine.id))).rejects.toMatchObject(notFound());
			await expect(b.as((tx) => mailboxSecret(tx, box, mine.id))).rejects.toMatchObject(notFound());
			expect(plain.logins.length).toBe(logins);
		});

		it('never lists A’s accounts to B', async () => {
			for (const status of [undefined, 'active', 'paused']) {
				for (const provider of [undefined, 'smtp', 'gmail', 'outlook']) {
					const listed = await b.as((tx) => listEmailAccounts(tx, { status, provider, limit: 1000, offset: 0 }));
					expect(listed.map((account) => account.id)).not.toContain(mine.id);
				}
			}
			const all = await b.as((tx) => listEmailAccounts(tx, { limit: 1000, offset: 0 }));
			expect(all.map((account) => account.email)).toEqual(['private@alpha.test']);
			expect(all[0].status).toBe('active');
		});

		it('leaves A’s account exactly as it was', async () => {
			expect(await rawRow(mine.id)).toEqual(mineRow);
			expect(await a.as((tx) => getEmailAccount(tx, mine.id))).toEqual(mine);
		});
	});

	// Last, after every test above has handed its secrets to the module.
	it('leaves no secret in clear anywhere in the database', async () => {
		const { rows: tables } = await db.pool.query<{ table_name: string }>(
			`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
		);
		expect(tables.length).toBeGreaterThan(5);
		for (const { table_name } of tables) {
			const { rows } = await db.pool.query(`SELECT t::text AS row FROM ${table_name} t`);
			expectNothingSecretIn(rows);
		}
		const { rows } = await db.pool.query(
			'SELECT count(*)::int AS n FROM email_accounts WHERE credentials_encrypted IS NOT NULL',
		);
		expect(rows[0].n).toBeGreaterThan(50);
	});
});
