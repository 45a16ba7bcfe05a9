import { randomUUID } from 'node:crypto';

import bcrypt from 'bcryptjs';

import { SYSTEM_ORGANIZATION_ID } from '../../nodes/core/db';
import { ConflictError, InvalidInputError, NotFoundError, OphirError } from '../../nodes/core/validation';
import {
	createOrganization,
	createUser,
	listOrganizations,
	listUsers,
	LOCKED_PASSWORD,
	MIN_PASSWORD_LENGTH,
	setUserPassword,
	USER_ROLES,
} from '../../nodes/core/outreach';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type ActAs, actingFor, newTenant, systemTenant } from '../support/tenants';

type Tenant = { id: string; as: ActAs };

const PASSWORD = 'correct horse battery staple';
const OTHER_PASSWORD = 'another long passphrase';
/** bcrypt's modular crypt format: $2a$/$2b$/$2y$, the cost, then 53 characters of salt and hash. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const ALL = { limit: 1000, offset: 0 };

describe('administration', () => {
	let db: TestDatabase;
	let system: Tenant;
	let a: Tenant;

	/** What is stored for an address, read as the database owner. */
	async function storedUser(
		email: string,
	): Promise<{ organization_id: string; password_hash: string; role: string } | undefined> {
		const { rows } = await db.pool.query('SELECT organization_id, password_hash, role FROM users WHERE email = $1', [
			email,
		]);
		return rows[0];
	}

	const organizationCount = async () =>
		(await db.pool.query('SELECT count(*)::int AS n FROM organizations')).rows[0].n as number;

	beforeAll(async () => {
		db = await createTestDatabase();
		system = systemTenant(db);
		a = await newTenant(db, 'alpha');
	});
	afterAll(async () => {
		await db.drop();
	});

	describe('createOrganization', () => {
		it('creates an organization when acting as the system organization', async () => {
			const created = await system.as((tx) => createOrganization(tx, { name: '  Acme Corp  ' }));
			expect(created).toEqual({
				id: expect.any(String),
				name: 'Acme Corp',
				planType: 'free',
				settings: {},
				createdAt: expect.any(String),
				updatedAt: expect.any(String),
			});
			const { rows } = await db.pool.query('SELECT name, plan_type, settings FROM organizations WHERE id = $1', [
				created.id,
			]);
			expect(rows).toEqual([{ name: 'Acme Corp', plan_type: 'free', settings: {} }]);
		});

		it('keeps the plan and settings given, settings also as JSON text', async () => {
			const pro = await system.as((tx) =>
				createOrganization(tx, { name: 'Pro', planType: ' pro ', settings: { seats: 5, tags: ['x'] } }),
			);
			expect(pro).toMatchObject({ planType: 'pro', settings: { seats: 5, tags: ['x'] } });
			const text = await system.as((tx) =>
				createOrganization(tx, { name: 'Text', settings: '{"locale":"fr"}' as unknown as Record<string, unknown> }),
			);
			expect(text.settings).toEqual({ locale: 'fr' });
		});

		it('gives the new organization a tenant of its own that sees itself', async () => {
			const created = await system.as((tx) => createOrganization(tx, { name: 'Fresh' }));
			const fresh = actingFor(db, created.id);
			expect(await fresh((tx) => listOrganizations(tx))).toEqual([created]);
			const user = await fresh((tx) => createUser(tx, { email: 'first@fresh.test' }));
			expect((await storedUser(user.email))?.organization_id).toBe(created.id);
		});

		it('refuses any other organization clearly, and creates nothing', async () => {
			const before = await organizationCount();
			const attempt = a.as((tx) => createOrganization(tx, { name: 'Sneaky' }));
			await expect(attempt).rejects.toBeInstanceOf(OphirError);
			await expect(attempt).rejects.toMatchObject({
				message: 'Only a credential acting for the system organization can create organizations',
				description: `Use a credential whose Organization ID is ${SYSTEM_ORGANIZATION_ID}.`,
			});
			// Refused before the input is even looked at.
			await expect(a.as((tx) => createOrganization(tx, { name: '' }))).rejects.toThrow(
				'Only a credential acting for the system organization can create organizations',
			);
			expect(await organizationCount()).toBe(before);
		});

		it.each<[unknown]>([[''], ['   '], [undefined], [null], [42]])(
			'refuses the name %j naming the field',
			async (name) => {
				const before = await organizationCount();
				const attempt = system.as((tx) => createOrganization(tx, { name: name as string }));
				await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
				await expect(attempt).rejects.toMatchObject({ message: 'Name must be a non-empty text' });
				expect(await organizationCount()).toBe(before);
			},
		);

		it('refuses a name longer than the column holds, and accepts the longest that fits', async () => {
			await expect(system.as((tx) => createOrganization(tx, { name: 'n'.repeat(256) }))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Name must be at most 255 characters',
			});
			expect((await system.as((tx) => createOrganization(tx, { name: 'n'.repeat(255) }))).name).toHaveLength(255);
		});

		it('refuses a plan, settings or name the columns cannot hold, naming the field', async () => {
			const before = await organizationCount();
			await expect(
				system.as((tx) => createOrganization(tx, { name: 'Plan', planType: 'p'.repeat(51) })),
			).rejects.toThrow('Plan Type must be at most 50 characters');
			await expect(system.as((tx) => createOrganization(tx, { name: 'Plan', planType: '   ' }))).rejects.toThrow(
				'Plan Type must be a non-empty text',
			);
			for (const settings of [['a', 'b'], 'not json', '[1]', 7]) {
				await expect(
					system.as((tx) =>
						createOrganization(tx, { name: 'Settings', settings: settings as unknown as Record<string, unknown> }),
					),
				).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(/^Settings must be /) });
			}
			await expect(system.as((tx) => createOrganization(tx, { name: 'Nul\u0000Name' }))).rejects.toThrow(
				'Name must be text without NUL (\\u0000) characters',
			);
			expect(await organizationCount()).toBe(before);
		});

		it('refuses settings PostgreSQL cannot store, at any depth, naming the field', async () => {
			const before = await organizationCount();
			for (const [settings, message] of [
				[{ brand: { motto: 'a\u0000b' } }, 'Settings must be text without NUL (\\u0000) characters'],
				['{"lists": ["\\udc00"]}', 'Settings must be valid Unicode text (no unpaired surrogate)'],
				[{ seats: BigInt(3) }, 'Settings must be plain JSON values (text, numbers, true/false, null, lists, objects)'],
			] as const) {
				await expect(
					system.as((tx) =>
						createOrganization(tx, { name: 'Settings', settings: settings as unknown as Record<string, unknown> }),
					),
				).rejects.toMatchObject({ name: 'InvalidInputError', message });
			}
			await expect(system.as((tx) => createOrganization(tx, { name: 'Bad\uD800' }))).rejects.toThrow(
				'Name must be valid Unicode text (no unpaired surrogate)',
			);
			expect(await organizationCount()).toBe(before);
		});

		it('counts the name in characters as the column does: 255 emoji fit', async () => {
			const created = await system.as((tx) => createOrganization(tx, { name: '🏢'.repeat(255) }));
			expect([...created.name]).toHaveLength(255);
		});
	});

	describe('listOrganizations', () => {
		let b: Tenant;

		beforeAll(async () => {
			b = await newTenant(db, 'beta');
		});

		it('shows the system organization every organization, oldest first', async () => {
			const { rows } = await db.pool.query('SELECT id FROM organizations ORDER BY created_at, id');
			const listed = await system.as((tx) => listOrganizations(tx));
			expect(listed.map((o) => o.id)).toEqual(rows.map((r) => r.id));
			expect(listed.map((o) => o.id)).toEqual(expect.arrayContaining([SYSTEM_ORGANIZATION_ID, a.id, b.id]));
			expect(listed[0]).toMatchObject({ id: SYSTEM_ORGANIZATION_ID, name: 'System', planType: 'free' });
		});

		it('shows any other organization only itself', async () => {
			expect((await a.as((tx) => listOrganizations(tx))).map((o) => o.id)).toEqual([a.id]);
			expect(await b.as((tx) => listOrganizations(tx))).toEqual([
				{
					id: b.id,
					name: 'beta',
					planType: 'free',
					settings: {},
					createdAt: expect.any(String),
					updatedAt: expect.any(String),
				},
			]);
		});
	});

	describe('createUser', () => {
		it('stores a bcrypt hash that verifies, and never returns it', async () => {
			const user = await a.as((tx) =>
				createUser(tx, {
					email: ' Jane.Doe@Alpha.TEST ',
					password: PASSWORD,
					firstName: ' Jane ',
					lastName: ' Doe ',
					role: 'admin',
				}),
			);
			expect(user).toEqual({
				id: expect.any(String),
				email: 'jane.doe@alpha.test',
				firstName: 'Jane',
				lastName: 'Doe',
				role: 'admin',
				settings: {},
				emailVerified: false,
				hasPassword: true,
				createdAt: expect.any(String),
				updatedAt: expect.any(String),
			});
			const stored = await storedUser('jane.doe@alpha.test');
			expect(stored).toMatchObject({ organization_id: a.id, role: 'admin' });
			expect(stored!.password_hash).toMatch(BCRYPT_HASH);
			expect(stored!.password_hash).not.toContain(PASSWORD);
			expect(await bcrypt.compare(PASSWORD, stored!.password_hash)).toBe(true);
			expect(await bcrypt.compare(`${PASSWORD}!`, stored!.password_hash)).toBe(false);
			expect(JSON.stringify(user)).not.toContain(stored!.password_hash);
		});

		it('gives a different salt to two users with the same password', async () => {
			await a.as((tx) => createUser(tx, { email: 'salt1@alpha.test', password: PASSWORD }));
			await a.as((tx) => createUser(tx, { email: 'salt2@alpha.test', password: PASSWORD }));
			expect((await storedUser('salt1@alpha.test'))!.password_hash).not.toBe(
				(await storedUser('salt2@alpha.test'))!.password_hash,
			);
		});

		it('locks a user created without a password', async () => {
			for (const password of [undefined, '']) {
				const email = `locked-${password === undefined ? 'none' : 'empty'}@alpha.test`;
				const user = await a.as((tx) => createUser(tx, { email, password }));
				expect(user).toMatchObject({ email, role: 'user', hasPassword: false, firstName: null, lastName: null });
				expect((await storedUser(email))!.password_hash).toBe(LOCKED_PASSWORD);
			}
			for (const guess of ['', '!', 'password', 'admin']) {
				expect(await bcrypt.compare(guess, LOCKED_PASSWORD)).toBe(false);
			}
		});

		it.each(USER_ROLES)('accepts the role %s', async (role) => {
			const user = await a.as((tx) => createUser(tx, { email: `role-${role}@alpha.test`, role }));
			expect(user.role).toBe(role);
			expect((await storedUser(`role-${role}@alpha.test`))!.role).toBe(role);
		});

		it.each(['owner', 'Admin', ' admin', 'superuser'])(
			'refuses the role %j naming the field, and stores nothing',
			async (role) => {
				const attempt = a.as((tx) => createUser(tx, { email: 'bad-role@alpha.test', role, password: PASSWORD }));
				await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
				await expect(attempt).rejects.toMatchObject({ message: 'Role must be one of admin, user, viewer' });
				expect(await storedUser('bad-role@alpha.test')).toBeUndefined();
			},
		);

		it(`refuses a password shorter than ${MIN_PASSWORD_LENGTH} characters without echoing it, and stores nothing`, async () => {
			const short = 'x'.repeat(MIN_PASSWORD_LENGTH - 1);
			const attempt = a.as((tx) => createUser(tx, { email: 'short@alpha.test', password: short }));
			await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
			await expect(attempt).rejects.toMatchObject({
				message: `Password must be at least ${MIN_PASSWORD_LENGTH} characters`,
				description: undefined,
			});
			expect(await storedUser('short@alpha.test')).toBeUndefined();
			const exact = await a.as((tx) =>
				createUser(tx, { email: 'short@alpha.test', password: 'y'.repeat(MIN_PASSWORD_LENGTH) }),
			);
			expect(exact.hasPassword).toBe(true);
		});

		it('refuses a password longer than bcrypt reads (72 bytes), counting bytes, not characters', async () => {
			await expect(
				a.as((tx) => createUser(tx, { email: 'long@alpha.test', password: 'é'.repeat(37) })),
			).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Password must be at most 72 bytes (a bcrypt limit)',
				description: undefined,
			});
			expect(await storedUser('long@alpha.test')).toBeUndefined();
		});

		it('refuses an address already taken, spelled in any case, and keeps the first user', async () => {
			await a.as((tx) => createUser(tx, { email: 'dup@alpha.test', firstName: 'First' }));
			const attempt = a.as((tx) =>
				createUser(tx, { email: ' DUP@Alpha.test ', firstName: 'Second', password: PASSWORD }),
			);
			await expect(attempt).rejects.toBeInstanceOf(ConflictError);
			await expect(attempt).rejects.toThrow('A user with email dup@alpha.test already exists');
			const { rows } = await db.pool.query('SELECT first_name, password_hash FROM users WHERE email = $1', [
				'dup@alpha.test',
			]);
			expect(rows).toEqual([{ first_name: 'First', password_hash: LOCKED_PASSWORD }]);
		});

		it.each<[unknown]>([[''], ['jane'], ['jane@'], [undefined], [42]])(
			'refuses the email %j naming the field',
			async (email) => {
				await expect(a.as((tx) => createUser(tx, { email }))).rejects.toMatchObject({
					name: 'InvalidInputError',
					message: 'Email must be a valid email address such as jane@example.com',
				});
			},
		);

		it('refuses names the columns cannot hold, naming the field, and stores nothing', async () => {
			await expect(
				a.as((tx) => createUser(tx, { email: 'names@alpha.test', firstName: 'f'.repeat(101) })),
			).rejects.toThrow('First Name must be at most 100 characters');
			await expect(
				a.as((tx) => createUser(tx, { email: 'names@alpha.test', lastName: 'l'.repeat(101) })),
			).rejects.toThrow('Last Name must be at most 100 characters');
			await expect(
				a.as((tx) => createUser(tx, { email: 'names@alpha.test', firstName: 5 as unknown as string })),
			).rejects.toThrow('First Name must be a text');
			await expect(a.as((tx) => createUser(tx, { email: 'names@alpha.test', lastName: 'a\u0000b' }))).rejects.toThrow(
				'Last Name must be text without NUL (\\u0000) characters',
			);
			expect(await storedUser('names@alpha.test')).toBeUndefined();
			const fits = await a.as((tx) =>
				createUser(tx, { email: 'names@alpha.test', firstName: 'f'.repeat(100), lastName: '   ' }),
			);
			expect(fits).toMatchObject({ firstName: 'f'.repeat(100), lastName: null });
		});

		it('counts names in characters as the columns do, and refuses an unpaired surrogate', async () => {
			await expect(
				a.as((tx) => createUser(tx, { email: 'surrogate@alpha.test', firstName: 'Jo\uD800' })),
			).rejects.toThrow('First Name must be valid Unicode text (no unpaired surrogate)');
			expect(await storedUser('surrogate@alpha.test')).toBeUndefined();
			const emoji = '🙂'.repeat(100); // 100 characters, 200 UTF-16 units
			const user = await a.as((tx) =>
				createUser(tx, { email: 'emoji@alpha.test', firstName: emoji, lastName: ` ${emoji} ` }),
			);
			expect(user).toMatchObject({ firstName: emoji, lastName: emoji });
		});
	});

	describe('listUsers', () => {
		let t: Tenant;

		beforeAll(async () => {
			t = await newTenant(db, 'lister');
			await t.as((tx) => createUser(tx, { email: 'carol@lister.test', role: 'viewer' }));
			await t.as((tx) => createUser(tx, { email: 'alice@lister.test', password: PASSWORD, role: 'admin' }));
			await t.as((tx) => createUser(tx, { email: 'bob@lister.test' }));
		});

		it('lists the organization’s users by email, without any password hash', async () => {
			const listed = await t.as((tx) => listUsers(tx, ALL));
			expect(listed.map((u) => [u.email, u.role, u.hasPassword])).toEqual([
				['alice@lister.test', 'admin', true],
				['bob@lister.test', 'user', false],
				['carol@lister.test', 'viewer', false],
			]);
			for (const user of listed) {
				expect(Object.keys(user).sort()).toEqual([
					'createdAt',
					'email',
					'emailVerified',
					'firstName',
					'hasPassword',
					'id',
					'lastName',
					'role',
					'settings',
					'updatedAt',
				]);
			}
			expect(JSON.stringify(listed)).not.toMatch(/\$2[aby]\$/);
		});

		it('pages with limit and offset', async () => {
			const emails = (limit: number, offset: number) =>
				t.as((tx) => listUsers(tx, { limit, offset })).then((l) => l.map((u) => u.email));
			expect(await emails(2, 0)).toEqual(['alice@lister.test', 'bob@lister.test']);
			expect(await emails(2, 2)).toEqual(['carol@lister.test']);
			expect(await emails(2, 4)).toEqual([]);
		});
	});

	describe('setUserPassword', () => {
		let t: Tenant;

		beforeAll(async () => {
			t = await newTenant(db, 'passwords');
		});

		const hashOf = async (email: string) => (await storedUser(email))!.password_hash;

		it('replaces the hash of a user given by id: the new password verifies, the old one no longer does', async () => {
			const user = await t.as((tx) => createUser(tx, { email: 'by-id@passwords.test', password: PASSWORD }));
			const before = await hashOf(user.email);
			const updated = await t.as((tx) => setUserPassword(tx, { id: user.id }, OTHER_PASSWORD));
			expect(updated).toEqual({ ...user, updatedAt: expect.any(String) });
			const after = await hashOf(user.email);
			expect(after).toMatch(BCRYPT_HASH);
			expect(after).not.toBe(before);
			expect(await bcrypt.compare(OTHER_PASSWORD, after)).toBe(true);
			expect(await bcrypt.compare(PASSWORD, after)).toBe(false);
		});

		it('finds a user by email in any spelling, and unlocks a user who had no password', async () => {
			const user = await t.as((tx) => createUser(tx, { email: 'by-email@passwords.test' }));
			expect(user.hasPassword).toBe(false);
			const updated = await t.as((tx) => setUserPassword(tx, { email: ' BY-EMAIL@Passwords.test ' }, PASSWORD));
			expect(updated).toMatchObject({ id: user.id, hasPassword: true });
			expect(Object.keys(updated)).not.toContain('passwordHash');
			expect(await bcrypt.compare(PASSWORD, await hashOf(user.email))).toBe(true);
		});

		it('refuses a short password and keeps the old hash', async () => {
			const user = await t.as((tx) => createUser(tx, { email: 'keep@passwords.test', password: PASSWORD }));
			const before = await hashOf(user.email);
			for (const password of ['short', '', undefined, 123456789012345]) {
				await expect(t.as((tx) => setUserPassword(tx, { id: user.id }, password))).rejects.toMatchObject({
					name: 'InvalidInputError',
					message: `Password must be at least ${MIN_PASSWORD_LENGTH} characters`,
				});
			}
			expect(await hashOf(user.email)).toBe(before);
		});

		it('reports an unknown user as not found in this organization', async () => {
			const id = randomUUID();
			const byId = t.as((tx) => setUserPassword(tx, { id }, PASSWORD));
			await expect(byId).rejects.toBeInstanceOf(NotFoundError);
			await expect(byId).rejects.toThrow(`User ${id} was not found in this organization`);
			await expect(
				t.as((tx) => setUserPassword(tx, { email: 'Nobody@passwords.test' }, PASSWORD)),
			).rejects.toMatchObject({
				name: 'NotFoundError',
				message: 'User nobody@passwords.test was not found in this organization',
			});
		});

		it('refuses a malformed or missing user reference naming the field', async () => {
			await expect(t.as((tx) => setUserPassword(tx, { id: 'user-1' }, PASSWORD))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'User ID must be a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7',
			});
			await expect(t.as((tx) => setUserPassword(tx, {}, PASSWORD))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'User must be given by its ID or its email address',
			});
			await expect(t.as((tx) => setUserPassword(tx, { email: 'not-an-address' }, PASSWORD))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Email must be a valid email address such as jane@example.com',
			});
		});
	});

	describe('the seeded admin@ophir.dev', () => {
		it('belongs to the system organization and has no usable password', async () => {
			expect(await storedUser('admin@ophir.dev')).toEqual({
				organization_id: SYSTEM_ORGANIZATION_ID,
				password_hash: LOCKED_PASSWORD,
				role: 'admin',
			});
			const listed = await system.as((tx) => listUsers(tx, ALL));
			expect(listed.find((u) => u.email === 'admin@ophir.dev')).toMatchObject({ role: 'admin', hasPassword: false });
			for (const guess of ['', 'admin', 'password', 'admin@ophir.dev', 'changeme', 'ophir', '!']) {
				expect(await bcrypt.compare(guess, LOCKED_PASSWORD)).toBe(false);
			}
		});
	});

	describe('tenant safety', () => {
		let b: Tenant;
		let userA: { id: string; email: string };
		let hashA: string;

		beforeAll(async () => {
			b = await newTenant(db, 'intruder');
			userA = await a.as((tx) => createUser(tx, { email: 'target@alpha.test', password: PASSWORD, role: 'admin' }));
			hashA = (await storedUser(userA.email))!.password_hash;
			await b.as((tx) => createUser(tx, { email: 'own@beta.test' }));
		});

		it('never lists A’s users to B', async () => {
			expect((await b.as((tx) => listUsers(tx, ALL))).map((u) => u.email)).toEqual(['own@beta.test']);
		});

		it('does not let B set the password of A’s users or of the system admin: they are not found', async () => {
			await expect(b.as((tx) => setUserPassword(tx, { id: userA.id }, OTHER_PASSWORD))).rejects.toMatchObject({
				name: 'NotFoundError',
				message: `User ${userA.id} was not found in this organization`,
			});
			await expect(b.as((tx) => setUserPassword(tx, { email: userA.email }, OTHER_PASSWORD))).rejects.toMatchObject({
				name: 'NotFoundError',
				message: `User ${userA.email} was not found in this organization`,
			});
			await expect(
				b.as((tx) => setUserPassword(tx, { email: 'admin@ophir.dev' }, OTHER_PASSWORD)),
			).rejects.toBeInstanceOf(NotFoundError);
			expect((await storedUser(userA.email))!.password_hash).toBe(hashA);
			expect((await storedUser('admin@ophir.dev'))!.password_hash).toBe(LOCKED_PASSWORD);
		});

		it('refuses B an address A uses without telling which organization has it, and leaves A’s user alone', async () => {
			await expect(b.as((tx) => createUser(tx, { email: userA.email, password: OTHER_PASSWORD }))).rejects.toThrow(
				new RegExp(`^A user with email ${userA.email.replace('.', '\\.')} already exists$`),
			);
			expect(await storedUser(userA.email)).toEqual({ organization_id: a.id, password_hash: hashA, role: 'admin' });
		});

		it('creates users in the acting organization only', async () => {
			const mine = await b.as((tx) => createUser(tx, { email: 'mine@beta.test' }));
			expect((await storedUser(mine.email))!.organization_id).toBe(b.id);
			expect((await a.as((tx) => listUsers(tx, ALL))).map((u) => u.email)).not.toContain('mine@beta.test');
		});
	});
});
