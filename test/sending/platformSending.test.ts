import { randomUUID } from 'node:crypto';

import { SecretBox } from '../../nodes/core/db';
import {
	combineOutcomes,
	forEachOrganization,
	type OrganizationScope,
	organizationsInScope,
	type PlatformOrganization,
} from '../../nodes/core/outreach';
import {
	fairShares,
	scheduleDueSteps,
	sendDueEmailsForOrganizations,
	type SendDueOptions,
} from '../../nodes/core/sending';
import { TRACKING } from '../support/outreach';
import { sendingFixture } from '../support/sendingFixture';
import { actingFor, systemTenant } from '../support/tenants';

describe('fairShares (max-min fair split of a batch)', () => {
	it.each([
		{ demands: [1000, 10, 10], capacity: 100, shares: [80, 10, 10] },
		{ demands: [1000, 1000], capacity: 100, shares: [50, 50] },
		{ demands: [3, 1000, 0], capacity: 100, shares: [3, 97, 0] },
		{ demands: [5, 5], capacity: 100, shares: [5, 5] },
		{ demands: [10, 10, 10], capacity: 2, shares: [1, 1, 0] },
		{ demands: [7, 7, 7], capacity: 10, shares: [4, 3, 3] },
		{ demands: [], capacity: 10, shares: [] },
		// The remainder's turn moves with `start`: with more organizations than emails, each gets its turn.
		{ demands: [10, 10, 10], capacity: 2, start: 1, shares: [0, 1, 1] },
		{ demands: [10, 10, 10], capacity: 2, start: 5, shares: [1, 0, 1] },
		{ demands: [7, 0, 7], capacity: 3, start: 1, shares: [1, 0, 2] },
	])('splits $capacity over $demands as $shares (remainder from $start)', ({ demands, capacity, shares, start }) => {
		const given = fairShares(demands, capacity, { start });
		expect(given).toEqual(shares);
		expect(given.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(capacity);
	});
});

describe('combineOutcomes', () => {
	it('sums counts, joins lists tagged with their organization, and lists each organization with its result or error', () => {
		const a = { id: 'a', name: 'A' };
		const b = { id: 'b', name: 'B' };
		const c = { id: 'c', name: 'C' };
		const summary = combineOutcomes([
			{ organization: a, result: { sent: 2, results: [{ id: 1 }], label: 'x' } },
			{ organization: b, result: { sent: 3, results: [{ id: 2 }] } },
			{ organization: c, error: new Error('broken mailbox') },
		]);
		expect(summary).toEqual({
			sent: 5,
			results: [
				{ id: 1, organizationId: 'a' },
				{ id: 2, organizationId: 'b' },
			],
			failedOrganizations: 1,
			organizations: [
				{ organizationId: 'a', organizationName: 'A', sent: 2, results: [{ id: 1 }], label: 'x' },
				{ organizationId: 'b', organizationName: 'B', sent: 3, results: [{ id: 2 }] },
				{ organizationId: 'c', organizationName: 'C', error: 'broken mailbox' },
			],
		});
	});
});

describe('platform mode: one credential of the system organization sends for every organization', () => {
	const sending = sendingFixture({ name: 'Platform test', account: { dailyLimit: 5000 } });
	const options = (now: Date, batchSize = 100): SendDueOptions => ({
		batchSize,
		leaseSeconds: 120,
		tracking: TRACKING,
		now: () => now,
	});

	/** The organizations the operator's credential runs for, each with a runner of its own tenant transactions. */
	async function platform(scope: 'all' | string[] = 'all') {
		const organizations = await systemTenant(sending.db).as((tx) => organizationsInScope(tx, scope));
		return organizations.map((o) => ({ ...o, run: actingFor(sending.db, o.id) }));
	}

	async function scheduleAll(organizations: Array<PlatformOrganization & { run: ReturnType<typeof actingFor> }>) {
		const now = new Date(Date.now() + 1000);
		const outcomes = await forEachOrganization(organizations, (o) => o.run((tx) => scheduleDueSteps(tx, { now })));
		expect(outcomes.filter((o) => o.error)).toEqual([]);
		return now;
	}

	let orgs: Array<Awaited<ReturnType<typeof sending.organization>>>;

	beforeAll(async () => {
		orgs = [];
		for (let i = 0; i < 3; i++) orgs.push(await sending.organization({ leads: 3 }));
	});

	it('schedules and sends each organization’s emails from its own mailbox, none crossing', async () => {
		const organizations = await platform(orgs.map((o) => o.tenant.id));
		const now = await scheduleAll(organizations);
		const summaries = await sendDueEmailsForOrganizations(organizations, sending.box, options(now));
		expect(summaries.map((s) => [s.organizationId, s.claimed, s.sent, s.error])).toEqual(
			orgs.map((o) => [o.tenant.id, 3, 3, undefined]),
		);
		for (const org of orgs) {
			for (const lead of org.leadEmails) {
				const mails = sending.sink.to(lead);
				expect(mails).toHaveLength(1);
				// The mailbox that sent it is this organization's own (sender0@<its tag>.example).
				expect(mails[0].from).toBe(`sender0@${org.tag}.example`);
			}
			const { rows } = await sending.db.pool.query(
				`SELECT status, count(*)::int AS n FROM email_queue WHERE organization_id = $1 GROUP BY status`,
				[org.tenant.id],
			);
			expect(rows).toEqual([{ status: 'sent', n: 3 }]);
		}
	});

	it('keeps row-level security binding inside each organization’s step: a query that forgets its WHERE sees only that organization', async () => {
		const organizations = await platform(orgs.map((o) => o.tenant.id));
		const outcomes = await forEachOrganization(organizations, (o) =>
			o.run(async (tx) => {
				// Bug-shaped: no organization filter at all.
				const seen = await tx.query<{ organization_id: string }>(
					`SELECT DISTINCT organization_id FROM leads UNION SELECT DISTINCT organization_id FROM email_queue
					 UNION SELECT DISTINCT organization_id FROM email_accounts`,
				);
				const touched = await tx.query(`UPDATE leads SET updated_at = updated_at`);
				return { seen: seen.rows.map((r) => r.organization_id), touched: touched.rowCount };
			}),
		);
		expect(outcomes.map((o) => o.result)).toEqual(orgs.map((o) => ({ seen: [o.tenant.id], touched: 3 })));
	});

	it('shares a batch fairly: beside an organization with 100× the due work, the small ones are served in the first batch', async () => {
		const big = await sending.organization({ leads: 1000 });
		const small = [await sending.organization({ leads: 10 }), await sending.organization({ leads: 10 })];
		const organizations = await platform([big, ...small].map((o) => o.tenant.id));
		const now = await scheduleAll(organizations);
		const batches: number[][] = [];
		// Batches of 100 until the small organizations are done: how many batches each waited is the measure.
		for (let batch = 0; batch < 3; batch++) {
			const summaries = await sendDueEmailsForOrganizations(organizations, sending.box, options(now));
			batches.push(summaries.map((s) => s.sent));
		}
		expect(batches[0]).toEqual([80, 10, 10]);
		expect(batches[1]).toEqual([100, 0, 0]);
		expect(batches[2]).toEqual([100, 0, 0]);
		for (const org of small) {
			for (const lead of org.leadEmails) expect(sending.sink.to(lead)).toHaveLength(1);
		}
	});

	it('with more organizations than emails in a batch, finds the few with due work within the run', async () => {
		const idle = [];
		for (let i = 0; i < 10; i++) idle.push(await sending.organization({ leads: 0 }));
		const busy = [await sending.organization({ leads: 5 }), await sending.organization({ leads: 5 })];
		const organizations = await platform([...idle, ...busy].map((o) => o.tenant.id));
		const now = await scheduleAll(organizations);
		// A batch of 10 over 12 organizations: whichever ones the first round's single turns fall on, the later rounds
		// give what is left to those with work.
		const sent: number[] = [];
		for (let run = 0; run < 2; run++) {
			const summaries = await sendDueEmailsForOrganizations(organizations, sending.box, options(now, 10));
			sent.push(summaries.reduce((sum, s) => sum + s.sent, 0));
		}
		expect(sent[0]).toBeGreaterThanOrEqual(8);
		expect(sent[0] + sent[1]).toBe(10);
	});

	it('reports an organization whose mailbox cannot be opened, while the others send; its emails stay queued', async () => {
		const healthy = await sending.organization({ leads: 2 });
		const broken = await sending.organization({ leads: 2 });
		// Its mailbox's password sealed with another key: this credential cannot open it.
		const foreignBox = new SecretBox(`other-key-${randomUUID()}`);
		await sending.db.pool.query(`UPDATE email_accounts SET credentials_encrypted = $1 WHERE id = $2`, [
			foreignBox.seal(JSON.stringify({ password: 'whatever' })),
			broken.accountIds[0],
		]);
		const organizations = await platform([broken.tenant.id, healthy.tenant.id]);
		const now = await scheduleAll(organizations);
		const summaries = await sendDueEmailsForOrganizations(organizations, sending.box, options(now));
		const of = (id: string) => summaries.find((summary) => summary.organizationId === id)!;
		const [brokenSummary, healthySummary] = [of(broken.tenant.id), of(healthy.tenant.id)];
		expect(brokenSummary).toMatchObject({ organizationId: broken.tenant.id, claimed: 0, sent: 0 });
		expect(brokenSummary.error).toEqual(expect.any(Error));
		expect(healthySummary).toMatchObject({ organizationId: healthy.tenant.id, claimed: 2, sent: 2 });
		expect(healthySummary.error).toBeUndefined();
		const { rows } = await sending.db.pool.query(
			`SELECT status, count(*)::int AS n FROM email_queue WHERE organization_id = $1 GROUP BY status`,
			[broken.tenant.id],
		);
		expect(rows).toEqual([{ status: 'queued', n: 2 }]);
	});

	it('reports the emails of an organization whose results could not be recorded as unrecorded, the others as sent', async () => {
		const lost = await sending.organization({ leads: 2 });
		const fine = await sending.organization({ leads: 2 });
		const organizations = await platform([lost.tenant.id, fine.tenant.id]);
		const now = await scheduleAll(organizations);
		// The lost organization's second transaction of the run (the recording, after its claim) fails.
		let calls = 0;
		const failing = organizations.map((o) =>
			o.id !== lost.tenant.id
				? o
				: {
						...o,
						run: <T>(work: Parameters<typeof o.run>[0]) =>
							++calls === 2 ? Promise.reject(new Error('database went away')) : (o.run(work) as Promise<T>),
					},
		);
		const summaries = await sendDueEmailsForOrganizations(failing, sending.box, options(now));
		const of = (id: string) => summaries.find((summary) => summary.organizationId === id)!;
		expect(of(lost.tenant.id)).toMatchObject({ claimed: 2, sent: 0, unrecorded: 2, error: expect.any(Error) });
		expect(of(lost.tenant.id).results.map((r) => r.status)).toEqual(['unrecorded', 'unrecorded']);
		expect(of(fine.tenant.id)).toMatchObject({ claimed: 2, sent: 2, unrecorded: 0 });
		// Still leased: once the lease ends they are claimed again.
		const { rows } = await sending.db.pool.query(
			`SELECT status, count(*)::int AS n FROM email_queue WHERE organization_id = $1 GROUP BY status`,
			[lost.tenant.id],
		);
		expect(rows).toEqual([{ status: 'sending', n: 2 }]);
	});

	it('runs for other organizations only with the system organization’s credential (any other’s “all” is itself), and names organizations it cannot find', async () => {
		const [one] = orgs;
		const [other] = orgs.slice(1);
		await expect(one.tenant.as((tx) => organizationsInScope(tx, [one.tenant.id, other.tenant.id]))).rejects.toThrow(
			/Only a credential acting for the system organization can run for other organizations/,
		);
		// Any other credential's "all" is its own organization: the same workflow serves it unchanged.
		for (const scope of ['this', 'all', [one.tenant.id]] satisfies OrganizationScope[]) {
			expect(await one.tenant.as((tx) => organizationsInScope(tx, scope))).toEqual([
				{ id: one.tenant.id, name: expect.any(String) },
			]);
		}
		const missing = randomUUID();
		await expect(
			systemTenant(sending.db).as((tx) => organizationsInScope(tx, [one.tenant.id, missing])),
		).rejects.toThrow(`Organization ${missing} was not found`);
		await expect(systemTenant(sending.db).as((tx) => organizationsInScope(tx, ['not-a-uuid']))).rejects.toThrow(
			/Organizations/,
		);
	});
});
