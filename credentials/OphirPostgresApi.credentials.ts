import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The one credential every OPhir node uses: where the OPhir database is, which organization the workflow acts
 * for, and the secrets OPhir needs (mailbox encryption key, tracking link signing secret). It is tested by the
 * nodes' `ophirConnectionTest` method (see nodes/shared/credentialTest.ts).
 */
export class OphirPostgresApi implements ICredentialType {
	name = 'ophirPostgresApi';

	displayName = 'OPhir PostgreSQL';

	icon: Icon = { light: 'file:../icons/ophir.svg', dark: 'file:../icons/ophir.dark.svg' };

	documentationUrl = 'https://github.com/ophir-dev/n8n-nodes-ophir/blob/main/docs/configuration.md#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Connect Using',
			name: 'connection',
			type: 'options',
			options: [
				{ name: 'Host and Port', value: 'fields' },
				{ name: 'Connection String', value: 'connectionString' },
			],
			default: 'fields',
		},
		// It carries the database password.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Connection String',
			name: 'connectionString',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'postgresql://user:password@localhost:5432/ophir_db',
			displayOptions: { show: { connection: ['connectionString'] } },
		},
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
			displayOptions: { show: { connection: ['fields'] } },
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 5432,
			displayOptions: { show: { connection: ['fields'] } },
		},
		{
			displayName: 'Database',
			name: 'database',
			type: 'string',
			default: 'ophir_db',
			displayOptions: { show: { connection: ['fields'] } },
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: 'postgres',
			displayOptions: { show: { connection: ['fields'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { connection: ['fields'] } },
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			options: [
				{ name: 'Disable', value: 'disable' },
				{ name: 'Require (Encrypt, Do Not Verify the Server)', value: 'require' },
				{ name: 'Verify (Encrypt and Verify With a CA Certificate)', value: 'verify' },
			],
			default: 'disable',
		},
		{
			displayName: 'CA Certificate',
			name: 'caCertificate',
			type: 'string',
			typeOptions: { password: true, rows: 4 },
			default: '',
			description: 'PEM certificate of the authority that signed the server certificate',
			displayOptions: { show: { ssl: ['verify'] } },
		},
		{
			displayName: 'Organization ID',
			name: 'organizationId',
			type: 'string',
			default: '00000000-0000-0000-0000-000000000001',
			description:
				'The organization (tenant) this credential acts for. Every query is limited to its rows. The default is the system organization.',
		},
		// The key that decrypts every stored mailbox password: a secret.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Encryption Key',
			name: 'encryptionKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Key for the mailbox secrets OPhir stores (AES-256-GCM). At least 32 characters; keep it safe, stored secrets cannot be read without it.',
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Previous Encryption Keys',
			name: 'previousEncryptionKeys',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'After changing the encryption key, put the old key here (one per line or comma-separated) so stored secrets stay readable until Email Account → Re-Encrypt Secrets has moved them to the new key',
		},
		{
			displayName: 'Tracking Secret',
			name: 'trackingSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Secret that signs open, click and unsubscribe links (HMAC-SHA256). At least 32 characters.',
		},
		{
			displayName: 'Tracking Base URL',
			name: 'trackingBaseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://n8n.example.com/webhook/ophir',
			description: 'Public URL of the OPhir tracking webhook, as recipients will reach it',
		},
		{
			displayName: 'Max Connections',
			name: 'maxConnections',
			type: 'number',
			default: 10,
			description: 'Largest number of connections this n8n process opens with this credential',
		},
		{
			displayName: 'Min Connections',
			name: 'minConnections',
			type: 'number',
			default: 2,
			description: 'Idle connections kept open instead of being closed after the idle timeout',
		},
		{
			displayName: 'Idle Timeout (Seconds)',
			name: 'idleTimeoutSeconds',
			type: 'number',
			default: 30,
		},
		{
			displayName: 'Connection Timeout (Seconds)',
			name: 'connectionTimeoutSeconds',
			type: 'number',
			default: 5,
		},
		{
			displayName: 'Prepared Statements',
			name: 'preparedStatements',
			type: 'boolean',
			default: true,
			description:
				'Whether to prepare OPhir’s statements once per connection (faster). Turn off behind PgBouncer in transaction pooling mode older than 1.21, or without max_prepared_statements.',
		},
	];
}
