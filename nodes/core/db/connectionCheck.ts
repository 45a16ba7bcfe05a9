import { Client } from 'pg';

import { type OphirCredentials, connectionTarget, describeTarget, toPoolConfig } from './connectionSettings';
import { schemaStatus } from './migrations';
import { APP_ROLE, actForOrganization } from './tenantTransaction';

export interface ConnectionCheckResult {
	ok: boolean;
	message: string;
}

const INSTALL_HINT =
	'Install it with the OPhir Campaign node (Database > Apply Migrations), `npx ophir-migrate` with DATABASE_URL set, ' +
	'or `psql -d <database> -f database/init.sql` followed by the files in database/migrations.';

/**
 * What the credential test reports: can we reach the server, log in, find the OPhir schema at the version this
 * package needs, and act for the organization? Each failure gets its own message naming what to fix.
 */
export async function checkConnection(credentials: OphirCredentials): Promise<ConnectionCheckResult> {
	const settings = credentials.database;
	const target = describeTarget(settings);
	const { user } = connectionTarget(settings);
	const client = new Client(toPoolConfig(settings));
	// A failed connection attempt emits 'error' as well as rejecting connect(); the rejection is what we report.
	client.on('error', () => undefined);
	try {
		await client.connect();
	} catch (error) {
		return { ok: false, message: describeConnectError(error, target, user) };
	}
	try {
		const schema = await client.query<{ installed: boolean }>(
			`SELECT to_regclass('organizations') IS NOT NULL AND to_regclass('email_queue') IS NOT NULL AS installed`,
		);
		if (!schema.rows[0].installed) {
			return {
				ok: false,
				message: `Connected to ${target}, but the OPhir schema is not installed there. ${INSTALL_HINT}`,
			};
		}
		const { pending } = await schemaStatus(client);
		if (pending.length > 0) {
			return {
				ok: false,
				message: `Connected to ${target}, but the OPhir schema is out of date (missing ${pending.join(', ')}). ${INSTALL_HINT}`,
			};
		}
		await client.query('BEGIN');
		try {
			await actForOrganization(client, credentials.organizationId);
		} catch (error) {
			return {
				ok: false,
				message: `User "${user}" may not act as role ${APP_ROLE} (${(error as Error).message}). Run: GRANT ${APP_ROLE} TO "${user}";`,
			};
		}
		const organization = await client.query<{ name: string | null }>('SELECT name FROM organizations WHERE id = $1', [
			credentials.organizationId,
		]);
		await client.query('ROLLBACK');
		if (organization.rowCount === 0) {
			return {
				ok: false,
				message: `Organization ${credentials.organizationId} was not found in ${target}. Use an existing organization's ID (the system organization is 00000000-0000-0000-0000-000000000001).`,
			};
		}
		return {
			ok: true,
			message: `Connected to ${target} as "${user}", acting for organization "${organization.rows[0].name ?? credentials.organizationId}"`,
		};
	} catch (error) {
		return { ok: false, message: `Connected to ${target}, but a check query failed: ${(error as Error).message}` };
	} finally {
		await client.end();
	}
}

function describeConnectError(error: unknown, target: string, user: string): string {
	const { code, message } = error as { code?: string; message: string };
	switch (code) {
		case '28P01':
			return `Wrong password for user "${user}" at ${target} (the server rejected the password).`;
		case '28000':
			return `The server at ${target} does not let user "${user}" connect: ${message}`;
		case '3D000':
			return `Connected to the server, but the database in ${target} does not exist. Create it first (createdb), then install the OPhir schema.`;
		case 'ECONNREFUSED':
			return `Cannot connect to PostgreSQL at ${target}: connection refused (is the server running and listening on that host and port?)`;
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `Cannot connect to PostgreSQL at ${target}: the host name does not resolve.`;
		default:
			if (/timeout/i.test(message)) {
				return `Cannot connect to PostgreSQL at ${target}: no answer within the connection timeout.`;
			}
			return `Cannot connect to PostgreSQL at ${target}: ${message}`;
	}
}
