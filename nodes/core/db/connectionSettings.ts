import { type PoolConfig, types } from 'pg';

import { InvalidInputError } from '../validation/errors';

/** The system organization every installation has (database/init.sql). */
export const SYSTEM_ORGANIZATION_ID = '00000000-0000-0000-0000-000000000001';

export type SslMode = 'disable' | 'require' | 'verify';

export interface PoolLimits {
	min: number;
	max: number;
	idleTimeoutMillis: number;
	connectionTimeoutMillis: number;
}

/** Connection pool settings from the schema specification (database/README.md). */
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

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
	return typeof value === 'string' && UUID_PATTERN.test(value);
}

type RawCredentials = Record<string, unknown>;

function text(raw: RawCredentials, key: string, fallback = ''): string {
	const value = raw[key];
	return value === undefined || value === null ? fallback : String(value).trim();
}

function positiveNumber(raw: RawCredentials, key: string, label: string, fallback: number, min = 1): number {
	const value = raw[key];
	if (value === undefined || value === null || value === '') return fallback;
	const parsed = Number(value);
	if (!Number.isFinite(parsed) || parsed < min) {
		throw new InvalidInputError(label, `a number of at least ${min}`, value);
	}
	return parsed;
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
		max: positiveNumber(raw, 'maxConnections', 'Max Connections', SPEC_POOL_LIMITS.max),
		min: positiveNumber(raw, 'minConnections', 'Min Connections', SPEC_POOL_LIMITS.min, 0),
		idleTimeoutMillis:
			positiveNumber(raw, 'idleTimeoutSeconds', 'Idle Timeout', SPEC_POOL_LIMITS.idleTimeoutMillis / 1000) * 1000,
		connectionTimeoutMillis:
			positiveNumber(
				raw,
				'connectionTimeoutSeconds',
				'Connection Timeout',
				SPEC_POOL_LIMITS.connectionTimeoutMillis / 1000,
			) * 1000,
	};
	if (pool.min > pool.max) {
		throw new InvalidInputError('Min Connections', `at most Max Connections (${pool.max})`, pool.min);
	}
	const database: DatabaseSettings = {
		host: text(raw, 'host', 'localhost'),
		port: positiveNumber(raw, 'port', 'Port', 5432),
		database: text(raw, 'database', 'ophir_db'),
		user: text(raw, 'user', 'postgres'),
		password: raw.password === undefined || raw.password === null ? '' : String(raw.password),
		ssl,
		caCertificate: text(raw, 'caCertificate') || undefined,
		pool,
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
		organizationId,
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
 * DB_POOL_MIN, DB_POOL_MAX, DB_IDLE_TIMEOUT_MS and DB_CONNECTION_TIMEOUT_MS. Undefined when none is set.
 */
export function databaseSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseSettings | undefined {
	const hasFields = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD'].some((key) => env[key]);
	if (!env.DATABASE_URL && !hasFields) return undefined;
	const number = (key: string, fallback: number) => {
		const value = env[key];
		if (value === undefined || value === '') return fallback;
		const parsed = Number(value);
		if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidInputError(key, 'a whole number', value);
		return parsed;
	};
	const settings: DatabaseSettings = {
		host: env.DB_HOST || 'localhost',
		port: number('DB_PORT', 5432),
		database: env.DB_NAME || 'ophir_db',
		user: env.DB_USER || 'postgres',
		password: env.DB_PASSWORD ?? '',
		ssl: 'disable',
		pool: {
			min: number('DB_POOL_MIN', SPEC_POOL_LIMITS.min),
			max: number('DB_POOL_MAX', SPEC_POOL_LIMITS.max),
			idleTimeoutMillis: number('DB_IDLE_TIMEOUT_MS', SPEC_POOL_LIMITS.idleTimeoutMillis),
			connectionTimeoutMillis: number('DB_CONNECTION_TIMEOUT_MS', SPEC_POOL_LIMITS.connectionTimeoutMillis),
		},
	};
	if (env.DATABASE_URL) settings.connectionString = env.DATABASE_URL;
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
