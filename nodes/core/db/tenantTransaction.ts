import type { ClientBase, Pool, PoolClient } from 'pg';

import { preparesStatements } from './pool';
import { type Sql, sqlOver } from './sql';
import { InvalidInputError } from '../validation/errors';
import { isUuid } from '../validation/ids';

/** The non-superuser role every OPhir transaction runs as (created by database/migrations/001). */
export const APP_ROLE = 'ophir_app';

/** A transaction acting for one organization; queries still filter by organizationId in code too. */
export interface TenantTx extends Sql {
	organizationId: string;
}

/** Runs work in one transaction acting for an organization (the nodes' `tenant`, the tests' `as`). */
export type TenantRunner = <T>(work: (tx: TenantTx) => Promise<T>) => Promise<T>;

/**
 * Runs `work` in one transaction that acts for one organization: the role and the tenant setting are
 * transaction-local (SET LOCAL semantics), so row-level security applies to every statement inside, and nothing
 * carries over to the next user of the pooled connection. Commits when `work` resolves, rolls back otherwise.
 */
export async function withTenant<T>(
	pool: Pool,
	organizationId: string,
	work: (tx: TenantTx) => Promise<T>,
): Promise<T> {
	if (!isUuid(organizationId)) {
		throw new InvalidInputError('Organization ID', 'a UUID', organizationId);
	}
	const sql = (client: ClientBase) => sqlOver(client, { prepare: preparesStatements(pool) });
	return withTransaction(pool, async (client) => {
		await actForOrganization(client, organizationId, sql(client));
		return work({ ...sql(client), organizationId });
	});
}

/** Inside an open transaction: become APP_ROLE acting for the organization, until the transaction ends. */
export async function actForOrganization(
	client: ClientBase,
	organizationId: string,
	sql: Sql = sqlOver(client),
): Promise<void> {
	await sql.query(`SELECT set_config('role', $1, true), set_config('ophir.organization_id', $2, true)`, [
		APP_ROLE,
		organizationId,
	]);
}

/** One transaction on one pooled client, as the login user (withTenant's base): rolled back on any error. */
async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
	const client = await pool.connect();
	let broken: Error | undefined;
	try {
		await client.query('BEGIN');
		const result = await work(client);
		await client.query('COMMIT');
		return result;
	} catch (error) {
		try {
			await client.query('ROLLBACK');
		} catch (rollbackError) {
			// A connection that cannot roll back is unusable: destroy it instead of returning it to the pool.
			broken = rollbackError as Error;
		}
		throw error;
	} finally {
		client.release(broken);
	}
}

// SQLSTATE class 08 (connection exception) and the server going away: admin_shutdown (pg_terminate_backend, a fast
// shutdown), crash_shutdown, cannot_connect_now (starting up or shutting down).
const CONNECTION_LOST_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
// What pg says, without a code, about a connection that ended or could not be made in time.
const CONNECTION_LOST_MESSAGE = /Connection terminated|not queryable|timeout exceeded when trying to connect/i;

/** Whether an error means the connection to PostgreSQL was lost or not made: the same work may succeed on another. */
export function isConnectionLost(error: unknown): boolean {
	const { code, message } = (error ?? {}) as { code?: string; message?: string };
	return (
		(typeof code === 'string' && (code.startsWith('08') || CONNECTION_LOST_CODES.has(code))) ||
		CONNECTION_LOST_MESSAGE.test(message ?? '')
	);
}
