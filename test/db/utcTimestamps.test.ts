// The schema stores times as `timestamp` (without time zone) holding UTC wall-clock time; the SQL handle sends Dates as
// ISO UTC text so that `$n::timestamp` needs no AT TIME ZONE. These tests pin that down in a zone with daylight saving
// time (jest.config.js sets TZ), where a local-time serialisation would be off by four or five hours.
import { logExecution } from '../../nodes/core/db';
import { trackOpen } from '../../nodes/core/tracking';
import { closeAllTransports } from '../../nodes/core/sending';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { BROWSER, SECRET, sentFirstStep } from '../support/outreach';
import { SmtpSink } from '../support/smtpSink';
import { newTenant } from '../support/tenants';

const SUMMER = new Date('2026-07-01T12:34:56.789Z');
const WINTER = new Date('2026-01-15T23:59:58.123Z');
const wallClock = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');

describe('UTC timestamps through the SQL handle', () => {
	let db: TestDatabase;
	let sink: SmtpSink;

	beforeAll(async () => {
		db = await createTestDatabase();
		sink = await new SmtpSink().start();
	});
	afterAll(async () => {
		closeAllTransports();
		await sink.stop();
		await db.drop();
	});

	it('runs in a zone that is not UTC (otherwise these tests prove nothing)', () => {
		expect(new Date('2026-07-01T12:00:00Z').getTimezoneOffset()).not.toBe(0);
	});

	it('sends a Date as the same instant (timestamptz) and as its UTC wall-clock time (timestamp), in arrays too', async () => {
		const tenant = await newTenant(db);
		const { rows } = await tenant.as((tx) =>
			tx.query<{ wall: string; instant: boolean; wallInArray: string[] }>(
				`SELECT to_char($1::timestamp, 'YYYY-MM-DD HH24:MI:SS.MS') AS wall,
				        $1::timestamptz = to_timestamp($2::double precision / 1000) AS instant,
				        ARRAY(SELECT to_char(t, 'YYYY-MM-DD HH24:MI:SS.MS') FROM unnest($3::timestamp[]) t) AS "wallInArray"`,
				[SUMMER, SUMMER.getTime(), [SUMMER, WINTER]],
			),
		);
		expect(rows[0]).toEqual({
			wall: wallClock(SUMMER),
			instant: true,
			wallInArray: [wallClock(SUMMER), wallClock(WINTER)],
		});
	});

	it('stores what the core writes as UTC wall-clock time: an open event and an execution log row', async () => {
		const { tenant, domain, received, sentAt } = await sentFirstStep(db, sink, 1);
		const openedAt = new Date(sentAt.getTime() + 90_000);
		await tenant.as((tx) =>
			trackOpen(tx, SECRET, received(`lead0@${domain}`).open, { method: 'GET', userAgent: BROWSER, now: openedAt }),
		);
		await tenant.as((tx) =>
			logExecution(tx, { executionId: 'utc-1', phase: 'error', workflowName: 'W', startedAt: WINTER, at: SUMMER }),
		);
		const text = (sql: string) =>
			db.pool.query<{ at: string }>(sql, [tenant.id]).then((r) => r.rows.map((row) => row.at));
		expect(
			await text(`SELECT to_char(timestamp, 'YYYY-MM-DD HH24:MI:SS.MS') AS at FROM email_activities
		                   WHERE organization_id = $1 AND event_type = 'opened'`),
		).toEqual([wallClock(openedAt)]);
		expect(
			await text(`SELECT to_char(started_at, 'YYYY-MM-DD HH24:MI:SS.MS') || ' / ' || to_char(completed_at, 'YYYY-MM-DD HH24:MI:SS.MS') AS at
		                   FROM n8n_executions WHERE organization_id = $1`),
		).toEqual([`${wallClock(WINTER)} / ${wallClock(SUMMER)}`]);
	});
});
