import bcrypt from 'bcryptjs';

import { requireEmail } from '../validation/emailAddress';
import { ConflictError, InvalidInputError, NotFoundError } from '../validation/errors';
import { optionalUuid, requireUuid } from '../validation/ids';
import { camelCaseRow, checkedPage, type Page } from '../validation/rows';
import type { TenantTx } from '../db/tenantTransaction';
import { optionalText } from '../validation/text';

export const USER_ROLES = ['admin', 'user', 'viewer'] as const;
export const MIN_PASSWORD_LENGTH = 12;
/** bcrypt work factor: about a quarter second per hash in pure JavaScript on these machines. */
const BCRYPT_ROUNDS = 12;
/** What password_hash holds for a user who has no password yet: no bcrypt hash ever equals it. */
export const LOCKED_PASSWORD = '!';

export interface User {
	id: string;
	email: string;
	firstName: string | null;
	lastName: string | null;
	role: string;
	settings: Record<string, unknown>;
	emailVerified: boolean;
	hasPassword: boolean;
	createdAt: string;
	updatedAt: string;
}

// Never the hash itself: only whether there is one.
const COLUMNS = `id, email, first_name, last_name, role, settings, email_verified,
	(password_hash IS NOT NULL AND password_hash <> '${LOCKED_PASSWORD}') AS has_password, created_at, updated_at`;

/** A users row as COLUMNS selects it. */
interface UserRow {
	id: string;
	email: string;
	first_name: string | null;
	last_name: string | null;
	role: string;
	settings: Record<string, unknown>;
	email_verified: boolean;
	has_password: boolean;
	created_at: Date;
	updated_at: Date;
}

async function hashPassword(password: unknown): Promise<string> {
	if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
		throw new InvalidInputError('Password', `at least ${MIN_PASSWORD_LENGTH} characters`);
	}
	if (Buffer.byteLength(password) > 72) throw new InvalidInputError('Password', 'at most 72 bytes (a bcrypt limit)');
	return bcrypt.hash(password, BCRYPT_ROUNDS);
}

export async function createUser(
	tx: TenantTx,
	input: { email?: unknown; password?: string; firstName?: string; lastName?: string; role?: string },
): Promise<User> {
	const email = requireEmail(input.email);
	const role = input.role || 'user';
	if (!(USER_ROLES as readonly string[]).includes(role))
		throw new InvalidInputError('Role', `one of ${USER_ROLES.join(', ')}`, role);
	const firstName = optionalText(input.firstName, 'First Name', 100);
	const lastName = optionalText(input.lastName, 'Last Name', 100);
	const passwordHash = input.password ? await hashPassword(input.password) : LOCKED_PASSWORD;
	const { rows } = await tx.query<UserRow>(
		`INSERT INTO users (organization_id, email, password_hash, first_name, last_name, role)
		 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING ${COLUMNS}`,
		[tx.organizationId, email, passwordHash, firstName, lastName, role],
	);
	// Addresses are unique across all organizations; say so without telling which organization has it.
	if (rows.length === 0) throw new ConflictError(`A user with email ${email} already exists`);
	return camelCaseRow<User>(rows[0]);
}

export async function listUsers(tx: TenantTx, paging: Page): Promise<User[]> {
	const { limit, offset } = checkedPage(paging);
	const { rows } = await tx.query<UserRow>(
		`SELECT ${COLUMNS} FROM users WHERE organization_id = $1 ORDER BY email LIMIT $2 OFFSET $3`,
		[tx.organizationId, limit, offset],
	);
	return rows.map((row) => camelCaseRow<User>(row));
}

/** Sets a user's password; the user is given by id or by email address, and must belong to the organization. */
export async function setUserPassword(
	tx: TenantTx,
	user: { id?: string; email?: string },
	password: unknown,
): Promise<User> {
	const email = user.email ? requireEmail(user.email) : null;
	if (!email && (user.id === undefined || user.id === null || user.id === '')) {
		throw new InvalidInputError('User', 'given by its ID or its email address');
	}
	const key = email ?? requireUuid(user.id, 'User ID');
	const hash = await hashPassword(password);
	const { rows } = await tx.query<UserRow>(
		`UPDATE users SET password_hash = $3 WHERE organization_id = $1 AND ${email ? 'email = $2' : 'id = $2'} RETURNING ${COLUMNS}`,
		[tx.organizationId, key, hash],
	);
	if (rows.length === 0) throw new NotFoundError('User', key);
	return camelCaseRow<User>(rows[0]);
}

/**
 * A user named by another row (a creator): foreign keys ignore row-level security, so the user must be looked up
 * in the acting organization; another organization's user gets the same answer as an unknown one. Blank is none.
 */
export async function organizationUserId(tx: TenantTx, value: unknown, field: string): Promise<string | null> {
	const userId = optionalUuid(value, field);
	if (userId === null) return null;
	const { rowCount } = await tx.query('SELECT 1 FROM users WHERE organization_id = $1 AND id = $2', [
		tx.organizationId,
		userId,
	]);
	if (!rowCount) throw new NotFoundError('User', userId);
	return userId;
}
