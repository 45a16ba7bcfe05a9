import type { AccountInput, CampaignConfigInput } from '../../nodes/core/outreach';
import { SecretBox } from '../../nodes/core/db';
import { closeAllTransports } from '../../nodes/core/sending';
import { createTestDatabase, type TestDatabase } from './database';
import { KEY, organizationFactory } from './outreach';
import { SINK_PASSWORD, SmtpSink } from './smtpSink';

export interface SendingFixtureOptions {
	/** The name of the campaigns `organization` creates. */
	name?: string;
	/** Over the defaults of a mailbox on the sink. */
	account?: Partial<AccountInput>;
	config?: Partial<CampaignConfigInput>;
	/** The test database (default: a fresh one on the run's server). */
	database?: () => Promise<TestDatabase>;
}

/**
 * What the sending, queue and fault tests share, for the describe block that calls it (its own beforeAll/afterAll:
 * a test database and an SMTP sink before the block's tests; the mail transports, the sink and the database closed
 * after them), the SecretBox that seals the mailboxes' passwords, and `organization`: organizationFactory with its
 * mailboxes on the sink.
 */
export function sendingFixture({
	name = 'Sending test',
	account = {},
	config,
	database = () => createTestDatabase(),
}: SendingFixtureOptions = {}) {
	let db: TestDatabase | undefined;
	let sink: SmtpSink | undefined;
	const box = new SecretBox(KEY);

	beforeAll(async () => {
		db = await database();
		sink = await new SmtpSink().start();
	});
	afterAll(async () => {
		closeAllTransports();
		await sink?.stop();
		await db?.drop();
	});

	const ready = <T>(value: T | undefined, what: string): T => {
		if (value === undefined) throw new Error(`sendingFixture: the ${what} exists only once the block's beforeAll ran`);
		return value;
	};
	const currentDb = () => ready(db, 'database');
	const currentSink = () => ready(sink, 'SMTP sink');
	return {
		box,
		get db(): TestDatabase {
			return currentDb();
		},
		get sink(): SmtpSink {
			return currentSink();
		},
		organization: organizationFactory(() => ({
			db: currentDb(),
			box,
			name,
			account: {
				smtp: { host: '127.0.0.1', port: currentSink().port, security: 'none' },
				password: SINK_PASSWORD,
				...account,
			},
			config,
		})),
	};
}
