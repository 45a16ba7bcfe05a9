import { type PoolConfig, types } from 'pg';

import { InvalidInputError } from '../validation/errors';
import { isUuid } from '../validation/ids';
import { optionalWholeNumber } from '../validation/numbers';

/** The system organization every installation has (database/init.sql). */
export const SYSTEM_ORGANIZATION_ID = '00000000-0000-0000-0000-000000000001';

export type SslMode = 'disable' | 'require' | 'verify';

export interface PoolLimits {
	min: number;
	max: number;
	idleTimeoutMillis: number;
	connectionTimeoutMillis: number;
}

/** Connection pool settings from the schema specification (database/SPECIFICATION.md). */
export const SPEC_POOL_LIMITS: Readonly<PoolLimits> = Object.freeze({
	min: 2,
	max: 10,
	idleTimeoutMillis: 30_000,
	connectionTimeoutMillis: 5_000,
});

export interface DatabaseSettings {
	/** When set, host/port/database/user/password come from it instead. */
	connectionString?: string;
	host: string;
	port: number;
	database: string;
	user: string;
	password: string;
	ssl: SslMode;
	caCertificate?: string;
	pool: PoolLimits;
	/**
	 * False: every statement is parsed and planned anew. Otherwise (the default) OPhir's statements are prepared once
	 * per connection, which saves the server most of the work of the short statements every claim and webhook runs;
	 * PgBouncer in transaction pooling mode before 1.21 cannot carry prepared statements between connections.
	 */
	preparedStatements?: boolean;
}

/** Everything an OPhir credential holds: where the database is, and whom and what it acts for. */
export interface OphirCredentials {
	database: DatabaseSettings;
	organizationId: string;
	encryptionKey: string;
	/** Keys secrets may still be sealed with after a rotation: used to decrypt, never to encrypt. */
	previousEncryptionKeys: string[];
	trackingSecret: string;
	trackingBaseUrl: string;
}

// Bounds of the whole-number settings: TCP ports; connections per pool (far above what a server allows); the
// longest delay Node's timers take (about 24.8 days).
const MAX_PORT = 65_535;
const MAX_CONNECTIONS = 10_000;
const MAX_TIMEOUT_MS = 2_147_483_647;

type RawCredentials = Record<string, unknown>;

function text(raw: RawCredentials, key: string, fallback = ''): string {
	const value = raw[key];
	return value === undefined || value === null ? fallback : String(value).trim();
}

/** A timeout field in seconds, as milliseconds; not necessarily whole (1.5 is 1,500 ms). */
function timeoutMillis(raw: RawCredentials, key: string, label: string, fallbackMillis: number): number {
	const value = raw[key];
	if (value === undefined || value === null || value === '') return fallbackMillis;
	const seconds = Number(value);
	if (!Number.isFinite(seconds) || seconds < 1) throw new InvalidInputError(label, 'a number of at least 1', value);
	return seconds * 1000;
}

/** Maps the fields of the "OPhir PostgreSQL" credential (see OphirPostgresApi.credentials.ts). */
export function credentialsFromFields(raw: RawCredentials): OphirCredentials {
	const organizationId = text(raw, 'organizationId', SYSTEM_ORGANIZATION_ID);
	if (!isUuid(organizationId)) {
		throw new InvalidInputError('Organization ID', `a UUID such as ${SYSTEM_ORGANIZATION_ID}`, organizationId);
	}
	const useConnectionString = text(raw, 'connection') === 'connectionString';
	const ssl = text(raw, 'ssl', 'disable') as SslMode;
	if (!['disable', 'require', 'verify'].includes(ssl)) {
		throw new InvalidInputError('SSL', 'one of disable, require, verify', ssl);
	}
	const pool: PoolLimits = {
		max: optionalWholeNumber(raw.maxConnections, 'Max Connections', 1, MAX_CONNECTIONS, SPEC_POOL_LIMITS.max),
		min: optionalWholeNumber(raw.minConnections, 'Min Connections', 0, MAX_CONNECTIONS, SPEC_POOL_LIMITS.min),
		idleTimeoutMillis: timeoutMillis(raw, 'idleTimeoutSeconds', 'Idle Timeout', SPEC_POOL_LIMITS.idleTimeoutMillis),
		connectionTimeoutMillis: timeoutMillis(
			raw,
			'connectionTimeoutSeconds',
			'Connection Timeout',
			SPEC_POOL_LIMITS.connectionTimeoutMillis,
		),
	};
	if (pool.min > pool.max) {
		throw new InvalidInputError('Min Connections', `at most Max Connections (${pool.max})`, pool.min);
	}
	const database: DatabaseSettings = {
		host: text(raw, 'host', 'localhost'),
		port: optionalWholeNumber(raw.port, 'Port', 1, MAX_PORT, 5432),
		database: text(raw, 'database', 'ophir_db'),
		user: text(raw, 'user', 'postgres'),
		password: raw.password === undefined || raw.password === null ? '' : String(raw.password),
		ssl,
		caCertificate: text(raw, 'caCertificate') || undefined,
		pool,
		...(raw.preparedStatements === false || raw.preparedStatements === 'false' ? { preparedStatements: false } : {}),
	};
	if (useConnectionString) {
		const connectionString = text(raw, 'connectionString');
		if (!/^postgres(ql)?:\/\//i.test(connectionString)) {
			throw new InvalidInputError('Connection String', 'a URL like postgresql://user:password@host:5432/ophir_db');
		}
		database.connectionString = connectionString;
	}
	return {
		database,
		// Lower case, as PostgreSQL prints UUIDs: compared with the ids rows carry, an upper-case spelling would differ.
		organizationId: organizationId.toLowerCase(),
		encryptionKey: text(raw, 'encryptionKey'),
		previousEncryptionKeys: text(raw, 'previousEncryptionKeys')
			.split(/[\n,]/)
			.map((key) => key.trim())
			.filter(Boolean),
		trackingSecret: text(raw, 'trackingSecret'),
		trackingBaseUrl: text(raw, 'trackingBaseUrl').replace(/\/+$/, ''),
	};
}

/**
 * Database settings from the environment variables the specification lists: DATABASE_URL, or DB_HOST,
 * DB_PORT, DB_NAME, DB_USER, DB_PASSWORD. Pool limits default to the specification's and may be overridden with
 * DB_POOL_MIN, DB_POOL_MAX, DB_IDLE_TIMEOUT_MS and DB_CONNECTION_TIMEOUT_MS; DB_PREPARED_STATEMENTS=false turns prepared
 * statements off (PgBouncer in transaction mode before 1.21). Undefined when none is set.
 */
export function databaseSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseSettings | undefined {
	const hasFields = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD'].some((key) => env[key]);
	if (!env.DATABASE_URL && !hasFields) return undefined;
	// Each variable is named in its error, as it is set: DB_PORT must be a whole number from 1 to 65535.
	const number = (key: string, min: number, max: number, fallback: number) =>
		optionalWholeNumber(env[key], key, min, max, fallback);
	const settings: DatabaseSettings = {
		host: env.DB_HOST || 'localhost',
		port: number('DB_PORT', 1, MAX_PORT, 5432),
		database: env.DB_NAME || 'ophir_db',
		user: env.DB_USER || 'postgres',
		password: env.DB_PASSWORD ?? '',
		ssl: 'disable',
		pool: {
			min: number('DB_POOL_MIN', 0, MAX_CONNECTIONS, SPEC_POOL_LIMITS.min),
			max: number('DB_POOL_MAX', 0, MAX_CONNECTIONS, SPEC_POOL_LIMITS.max),
			idleTimeoutMillis: number('DB_IDLE_TIMEOUT_MS', 0, MAX_TIMEOUT_MS, SPEC_POOL_LIMITS.idleTimeoutMillis),
			connectionTimeoutMillis: number(
				'DB_CONNECTION_TIMEOUT_MS',
				0,
				MAX_TIMEOUT_MS,
				SPEC_POOL_LIMITS.connectionTimeoutMillis,
			),
		},
	};
	if (env.DATABASE_URL) settings.connectionString = env.DATABASE_URL;
	if (env.DB_PREPARED_STATEMENTS === 'false') settings.preparedStatements = false;
	return settings;
}

/** Where a connection goes, for messages: host:port/database, never a password. */
export function describeTarget(settings: DatabaseSettings): string {
	const { host, port, database } = connectionTarget(settings);
	return `${host}:${port}/${database}`;
}

/** The host, port, database and user a connection will use, whether they come from fields or a URL. */
export function connectionTarget(settings: DatabaseSettings): {
	host: string;
	port: number;
	database: string;
	user: string;
} {
	if (!settings.connectionString) {
		return { host: settings.host, port: settings.port, database: settings.database, user: settings.user };
	}
	const url = new URL(settings.connectionString);
	return {
		host: decodeURIComponent(url.hostname) || 'localhost',
		port: Number(url.port) || 5432,
		database: decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username),
		user: decodeURIComponent(url.username),
	};
}

const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;

/**
 * The schema's TIMESTAMP (without time zone) columns hold UTC: every OPhir session runs with TimeZone=UTC, and
 * they are read back as UTC whatever the zone of the n8n process (pg would read them as local time).
 */
const utcTimestamps = {
	getTypeParser(oid: number, format?: 'text' | 'binary') {
		if (oid === TIMESTAMP_OID && format !== 'binary') {
			const parseWithZone = types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => Date;
			return (value: string) => parseWithZone(`${value}+00`);
		}
		return types.getTypeParser(oid, format);
	},
} as PoolConfig['types'];

export function toPoolConfig(settings: DatabaseSettings): PoolConfig {
	const ssl =
		settings.ssl === 'disable'
			? undefined
			: settings.ssl === 'require'
				? { rejectUnauthorized: false }
				: { rejectUnauthorized: true, ca: settings.caCertificate };
	const connection = settings.connectionString
		? { connectionString: settings.connectionString }
		: {
				host: settings.host,
				port: settings.port,
				database: settings.database,
				user: settings.user,
				password: settings.password,
			};
	return {
		...connection,
		...(ssl ? { ssl } : {}),
		min: settings.pool.min,
		max: settings.pool.max,
		idleTimeoutMillis: settings.pool.idleTimeoutMillis,
		connectionTimeoutMillis: settings.pool.connectionTimeoutMillis,
		// Idle pooled connections must not keep a CLI, a test run or a stopping n8n process alive.
		allowExitOnIdle: true,
		application_name: 'n8n-nodes-ophir',
		options: '-c TimeZone=UTC',
		types: utcTimestamps,
	};
}
