import {
	credentialsFromFields,
	databaseSettingsFromEnv,
	describeTarget,
	SPEC_POOL_LIMITS,
	SYSTEM_ORGANIZATION_ID,
	toPoolConfig,
} from '../../nodes/core/db';

describe('connection settings', () => {
	it('uses the specification’s pool settings by default: min 2, max 10, idle 30 s, connect timeout 5 s', () => {
		const { database, organizationId } = credentialsFromFields({ host: 'db', password: 'secret' });
		expect(database.pool).toEqual({ min: 2, max: 10, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 });
		expect(SPEC_POOL_LIMITS).toEqual(database.pool);
		expect(organizationId).toBe(SYSTEM_ORGANIZATION_ID);
		expect(toPoolConfig(database)).toMatchObject({
			host: 'db',
			port: 5432,
			database: 'ophir_db',
			password: 'secret',
			min: 2,
			max: 10,
			idleTimeoutMillis: 30_000,
			connectionTimeoutMillis: 5_000,
		});
	});

	it('lets the credential override the pool settings', () => {
		const { database } = credentialsFromFields({
			maxConnections: 4,
			minConnections: 0,
			idleTimeoutSeconds: 5,
			connectionTimeoutSeconds: 2,
		});
		expect(database.pool).toEqual({ min: 0, max: 4, idleTimeoutMillis: 5_000, connectionTimeoutMillis: 2_000 });
	});

	it.each([
		[{ organizationId: 'acme' }, /Organization ID must be a UUID/],
		[{ port: 'x' }, /Port must be a whole number from 1 to 65535/],
		[{ port: '5432.5' }, /Port must be a whole number from 1 to 65535/],
		[{ maxConnections: 2.5 }, /Max Connections must be a whole number from 1 to 10000/],
		[{ minConnections: '0.5' }, /Min Connections must be a whole number from 0 to 10000/],
		[{ idleTimeoutSeconds: 0 }, /Idle Timeout must be a number of at least 1/],
		[{ minConnections: 5, maxConnections: 2 }, /Min Connections must be at most Max Connections \(2\)/],
		[{ ssl: 'sometimes' }, /SSL must be one of disable, require, verify/],
		[
			{ connection: 'connectionString', connectionString: 'mysql://x' },
			/Connection String must be a URL like postgresql:/,
		],
	])('names the field that is wrong: %j', (fields, message) => {
		expect(() => credentialsFromFields(fields)).toThrow(message);
	});

	it('maps the SSL modes to what pg expects', () => {
		expect(toPoolConfig(credentialsFromFields({ ssl: 'disable' }).database).ssl).toBeUndefined();
		expect(toPoolConfig(credentialsFromFields({ ssl: 'require' }).database).ssl).toEqual({ rejectUnauthorized: false });
		expect(toPoolConfig(credentialsFromFields({ ssl: 'verify', caCertificate: 'PEM' }).database).ssl).toEqual({
			rejectUnauthorized: true,
			ca: 'PEM',
		});
	});

	it('reads DATABASE_URL or the DB_* variables the specification lists', () => {
		expect(databaseSettingsFromEnv({})).toBeUndefined();
		const fromUrl = databaseSettingsFromEnv({ DATABASE_URL: 'postgresql://u:p@h:6543/d' })!;
		expect(describeTarget(fromUrl)).toBe('h:6543/d');
		const fromFields = databaseSettingsFromEnv({
			DB_HOST: 'localhost',
			DB_PORT: '5433',
			DB_NAME: 'ophir_db',
			DB_USER: 'username',
			DB_PASSWORD: 'password',
			DB_POOL_MAX: '20',
		})!;
		expect(fromFields).toMatchObject({ host: 'localhost', port: 5433, database: 'ophir_db', user: 'username' });
		expect(fromFields.pool).toEqual({ ...SPEC_POOL_LIMITS, max: 20 });
		expect(() => databaseSettingsFromEnv({ DB_PORT: 'five' })).toThrow(/DB_PORT must be a whole number/);
	});

	it('refuses fractional ports and pool sizes in the environment, naming the variable', () => {
		expect(() => databaseSettingsFromEnv({ DB_PORT: '5432.5' })).toThrow(
			expect.objectContaining({
				message: 'DB_PORT must be a whole number from 1 to 65535',
				description: 'Received: "5432.5"',
			}),
		);
		expect(() => databaseSettingsFromEnv({ DB_HOST: 'h', DB_POOL_MAX: '2.5' })).toThrow(
			/DB_POOL_MAX must be a whole number from 0 to 10000/,
		);
		expect(() => databaseSettingsFromEnv({ DB_HOST: 'h', DB_POOL_MIN: '1.5' })).toThrow(
			/DB_POOL_MIN must be a whole number/,
		);
		expect(() => databaseSettingsFromEnv({ DB_HOST: 'h', DB_CONNECTION_TIMEOUT_MS: '-1' })).toThrow(
			/DB_CONNECTION_TIMEOUT_MS must be a whole number/,
		);
		expect(databaseSettingsFromEnv({ DB_HOST: 'h', DB_PORT: ' 5433 ', DB_POOL_MAX: '' })).toMatchObject({
			port: 5433,
			pool: { max: SPEC_POOL_LIMITS.max },
		});
	});

	it('never puts a password into the description of a target', () => {
		const url = credentialsFromFields({
			connection: 'connectionString',
			connectionString: 'postgres://me:hunter2@db:5432/x',
		});
		const fields = credentialsFromFields({ host: 'db', password: 'hunter2' });
		expect(describeTarget(url.database)).toBe('db:5432/x');
		expect(describeTarget(fields.database)).toBe('db:5432/ophir_db');
	});
});
