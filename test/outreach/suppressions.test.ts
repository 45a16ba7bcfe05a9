import { randomUUID } from 'node:crypto';

import { InvalidInputError, NotFoundError } from '../../nodes/core/validation';
import {
	addSuppression,
	checkSuppression,
	listSuppressions,
	removeSuppression,
	type Suppression,
} from '../../nodes/core/outreach';
import { sleep } from '../../scripts/lib/wait';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { rawRows } from '../support/rawRows';
import { type ActAs, newTenant } from '../support/tenants';

type Tenant = { id: string; as: ActAs };

const BAD_TARGET = 'Email or Domain must be an email address (jane@example.com) or a domain (example.com)';
const ALL = { limit: 1000, offset: 0 };

describe('suppressions', () => {
	let db: TestDatabase;
	const { addLead, addQueued, queueRows } = rawRows(() => db);
	let a: Tenant;
	let accountA: string;
	let campaignA: string;

	async function addAccount(organizationId: string): Promise<string> {
		const { rows } = await db.pool.query(
			`INSERT INTO email_accounts (organization_id, email, provider) VALUES ($1, $2, 'smtp') RETURNING id`,
			[organizationId, `box-${randomUUID().slice(0, 8)}@sender.test`],
		);
		return rows[0].id;
	}

	async function addCampaign(organizationId: string, name = 'campaign'): Promise<string> {
		const { rows } = await db.pool.query(
			`INSERT INTO campaigns (organization_id, name, status, config) VALUES ($1, $2, 'active', '{}') RETURNING id`,
			[organizationId, name],
		);
		return rows[0].id;
	}

	/** The organization's entries as stored, read as the database owner. */
	async function storedEntries(organizationId: string) {
		const { rows } = await db.pool.query(
			'SELECT scope, email, reason, campaign_id FROM unsubscribes WHERE organization_id = $1 ORDER BY scope, email',
			[organizationId],
		);
		return rows;
	}

	beforeAll(async () => {
		db = await createTestDatabase();
		a = await newTenant(db, 'alpha');
		accountA = await addAccount(a.id);
		campaignA = await addCampaign(a.id);
	});
	afterAll(async () => {
		await db.drop();
	});

	describe('addSuppression', () => {
		it('adds an address of the acting organization with its reason and campaign', async () => {
			const added = await a.as((tx) =>
				addSuppression(tx, { target: 'jane@acme.test', reason: '  replied "stop"  ', campaignId: campaignA }),
			);
			expect(added).toEqual({
				id: expect.any(String),
				scope: 'email',
				email: 'jane@acme.test',
				reason: 'replied "stop"',
				campaignId: campaignA,
				createdAt: expect.any(String),
				created: true,
				cancelledEmails: 0,
			});
			const { rows } = await db.pool.query(
				'SELECT organization_id, scope, email, reason, campaign_id FROM unsubscribes WHERE id = $1',
				[added.id],
			);
			expect(rows).toEqual([
				{
					organization_id: a.id,
					scope: 'email',
					email: 'jane@acme.test',
					reason: 'replied "stop"',
					campaign_id: campaignA,
				},
			]);
		});

		it.each([
			['Jane.Doe@Example.COM', 'email', 'jane.doe@example.com'],
			['  bob+news@Mail.Example.org ', 'email', 'bob+news@mail.example.org'],
			['Example.NET', 'domain', 'example.net'],
			['@Example.io', 'domain', 'example.io'],
			['  @spaced.example.com  ', 'domain', 'spaced.example.com'],
		])('normalizes %j to the %s entry %j', async (target, scope, value) => {
			const added = await a.as((tx) => addSuppression(tx, { target }));
			expect(added).toMatchObject({ scope, email: value, created: true });
		});

		it('gives a default reason by scope and no campaign', async () => {
			const address = await a.as((tx) => addSuppression(tx, { target: 'nobody@defaults.test', reason: '   ' }));
			const domain = await a.as((tx) => addSuppression(tx, { target: 'defaults.test' }));
			expect(address).toMatchObject({ reason: 'suppressed', campaignId: null });
			expect(domain).toMatchObject({ reason: 'domain suppressed', campaignId: null });
		});

		it('is idempotent: adding again, spelled differently, keeps the one entry as it was', async () => {
			const first = await a.as((tx) => addSuppression(tx, { target: 'twice@repeat.test', reason: 'first reason' }));
			const second = await a.as((tx) =>
				addSuppression(tx, { target: ' TWICE@Repeat.TEST', reason: 'second reason', campaignId: campaignA }),
			);
			expect(second).toEqual({ ...first, created: false });
			const domainFirst = await a.as((tx) => addSuppression(tx, { target: 'repeat.test' }));
			const domainSecond = await a.as((tx) => addSuppression(tx, { target: '@REPEAT.test' }));
			expect(domainSecond).toEqual({ ...domainFirst, created: false });
			const { rows } = await db.pool.query(
				`SELECT scope, reason FROM unsubscribes WHERE organization_id = $1 AND email LIKE '%repeat.test' ORDER BY scope`,
				[a.id],
			);
			expect(rows).toEqual([
				{ scope: 'domain', reason: 'domain suppressed' },
				{ scope: 'email', reason: 'first reason' },
			]);
		});

		it('keeps an address and its domain as two entries', async () => {
			const address = await a.as((tx) => addSuppression(tx, { target: 'x@both.test' }));
			const domain = await a.as((tx) => addSuppression(tx, { target: 'both.test' }));
			expect([address.created, domain.created]).toEqual([true, true]);
			expect(address.id).not.toBe(domain.id);
		});

		it('reports one entry to two transactions adding the same address at once', async () => {
			let inserted!: () => void;
			let finish!: () => void;
			const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
			const finishing = new Promise<void>((resolve) => (finish = resolve));
			const first = a.as(async (tx) => {
				try {
					return await addSuppression(tx, { target: 'race@concurrent.test', reason: 'first' });
				} finally {
					inserted();
					await finishing;
				}
			});
			try {
				await insertedYet;
				const second = a.as((tx) => addSuppression(tx, { target: 'race@concurrent.test', reason: 'second' }));
				// Let the first commit only once the second waits on its uncommitted row.
				let waiting = false;
				for (let attempt = 0; attempt < 1000 && !waiting; attempt++) {
					const { rows } = await db.pool.query(
						`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
					);
					waiting = rows[0].n > 0;
					if (!waiting) await sleep(5);
				}
				expect(waiting).toBe(true);
				finish();
				const [one, two] = await Promise.all([first, second]);
				expect(one).toMatchObject({ created: true, reason: 'first' });
				expect(two).toEqual({ ...one, created: false });
			} finally {
				finish();
				await first.catch(() => undefined);
			}
		});

		it.each<[string, unknown]>([
			['an empty text', ''],
			['blanks', '   '],
			['words', 'not an address'],
			['an address without domain', 'jane@'],
			['two @', 'jane@@example.com'],
			['an address with a leading blank before @', ' @@example.com'],
			['a lone @', '@'],
			['a name without a dot', 'localhost'],
			['a domain with a space', 'exa mple.com'],
			['a number', 42],
			['null', null],
			['nothing', undefined],
			['an object', { email: 'jane@example.com' }],
		])('refuses %s naming the field, and stores nothing', async (_what, target) => {
			const before = await storedEntries(a.id);
			const attempt = a.as((tx) => addSuppression(tx, { target }));
			await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
			await expect(attempt).rejects.toMatchObject({ message: BAD_TARGET });
			expect(await storedEntries(a.id)).toEqual(before);
		});

		it('refuses a reason longer than the column holds, and stores nothing', async () => {
			await expect(
				a.as((tx) => addSuppression(tx, { target: 'long@reason.test', reason: 'r'.repeat(101) })),
			).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Reason must be at most 100 characters',
			});
			expect((await a.as((tx) => checkSuppression(tx, 'long@reason.test'))).suppressed).toBe(false);
			const added = await a.as((tx) => addSuppression(tx, { target: 'long@reason.test', reason: 'r'.repeat(100) }));
			expect(added.reason).toHaveLength(100);
		});

		it('refuses a reason PostgreSQL cannot store', async () => {
			await expect(a.as((tx) => addSuppression(tx, { target: 'nul@reason.test', reason: 'a\u0000b' }))).rejects.toThrow(
				'Reason must be text without NUL (\\u0000) characters',
			);
			await expect(a.as((tx) => addSuppression(tx, { target: 'nul@reason.test', reason: 'a\uD800' }))).rejects.toThrow(
				'Reason must be valid Unicode text (no unpaired surrogate)',
			);
			expect((await a.as((tx) => checkSuppression(tx, 'nul@reason.test'))).suppressed).toBe(false);
		});

		it('counts the reason in characters as the column does: 100 emoji fit', async () => {
			const added = await a.as((tx) => addSuppression(tx, { target: 'emoji@reason.test', reason: '🙅'.repeat(100) }));
			expect([...(added.reason as string)]).toHaveLength(100);
		});

		it('refuses a campaign id that is no UUID, or no campaign of the organization, and stores nothing', async () => {
			const before = await storedEntries(a.id);
			await expect(
				a.as((tx) => addSuppression(tx, { target: 'c@campaign.test', campaignId: 'campaign-1' })),
			).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Campaign ID must be a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7',
			});
			const unknown = randomUUID();
			await expect(
				a.as((tx) => addSuppression(tx, { target: 'c@campaign.test', campaignId: unknown })),
			).rejects.toMatchObject({
				name: 'NotFoundError',
				message: `Campaign ${unknown} was not found in this organization`,
			});
			expect(await storedEntries(a.id)).toEqual(before);
		});
	});

	describe('adding cancels what is queued for the matching leads', () => {
		let other: string;

		beforeAll(async () => {
			other = await addCampaign(a.id, 'other campaign');
		});

		it('cancels the queued emails of every lead with the address, in every campaign, and nothing else', async () => {
			const lead1 = await addLead(a.id, campaignA, 'stop@queue.test');
			const lead2 = await addLead(a.id, other, 'stop@queue.test');
			const neighbour = await addLead(a.id, campaignA, 'keep@queue.test');
			const q1 = await addQueued(a.id, campaignA, lead1, accountA);
			const q2 = await addQueued(a.id, campaignA, lead1, accountA);
			const q3 = await addQueued(a.id, other, lead2, accountA);
			const sent = await addQueued(a.id, campaignA, lead1, accountA, 'sent');
			const failed = await addQueued(a.id, other, lead2, accountA, 'failed');
			const kept = await addQueued(a.id, campaignA, neighbour, accountA);

			const added = await a.as((tx) => addSuppression(tx, { target: 'Stop@Queue.test', reason: 'unsubscribe link' }));

			expect(added.cancelledEmails).toBe(3);
			expect(await queueRows([q1, q2, q3, sent, failed, kept])).toEqual({
				[q1]: { status: 'cancelled', error: 'suppressed: unsubscribe link' },
				[q2]: { status: 'cancelled', error: 'suppressed: unsubscribe link' },
				[q3]: { status: 'cancelled', error: 'suppressed: unsubscribe link' },
				[sent]: { status: 'sent', error: null },
				[failed]: { status: 'failed', error: null },
				[kept]: { status: 'queued', error: null },
			});
		});

		it('cancels the queued emails of every lead at the domain, but not of its subdomains or look-alikes', async () => {
			const at = await addLead(a.id, campaignA, 'ceo@blocked.test');
			const atToo = await addLead(a.id, other, 'cfo@blocked.test');
			const sub = await addLead(a.id, campaignA, 'dev@mail.blocked.test');
			const alike = await addLead(a.id, campaignA, 'dev@notblocked.test');
			const q1 = await addQueued(a.id, campaignA, at, accountA);
			const q2 = await addQueued(a.id, other, atToo, accountA);
			const q3 = await addQueued(a.id, campaignA, sub, accountA);
			const q4 = await addQueued(a.id, campaignA, alike, accountA);

			const added = await a.as((tx) => addSuppression(tx, { target: '@Blocked.test' }));

			expect(added.cancelledEmails).toBe(2);
			expect(await queueRows([q1, q2, q3, q4])).toEqual({
				[q1]: { status: 'cancelled', error: 'suppressed: domain suppressed' },
				[q2]: { status: 'cancelled', error: 'suppressed: domain suppressed' },
				[q3]: { status: 'queued', error: null },
				[q4]: { status: 'queued', error: null },
			});
		});

		it('adding an existing entry again cancels what was queued since, with the entry’s own reason', async () => {
			const lead = await addLead(a.id, campaignA, 'again@queue.test');
			await a.as((tx) => addSuppression(tx, { target: 'again@queue.test', reason: 'bounced' }));
			const queuedSince = await addQueued(a.id, campaignA, lead, accountA);
			const again = await a.as((tx) => addSuppression(tx, { target: 'again@queue.test', reason: 'other' }));
			expect(again).toMatchObject({ created: false, reason: 'bounced', cancelledEmails: 1 });
			expect(await queueRows([queuedSince])).toEqual({
				[queuedSince]: { status: 'cancelled', error: 'suppressed: bounced' },
			});
		});

		it('happens in the caller’s transaction: a rollback keeps both the list and the queue as they were', async () => {
			const lead = await addLead(a.id, campaignA, 'rollback@queue.test');
			const queued = await addQueued(a.id, campaignA, lead, accountA);
			await expect(
				a.as(async (tx) => {
					await addSuppression(tx, { target: 'rollback@queue.test' });
					throw new Error('a later item failed');
				}),
			).rejects.toThrow('a later item failed');
			expect((await a.as((tx) => checkSuppression(tx, 'rollback@queue.test'))).suppressed).toBe(false);
			expect(await queueRows([queued])).toEqual({ [queued]: { status: 'queued', error: null } });
		});

		it('leaves the leads themselves and their statuses alone', async () => {
			const lead = await addLead(a.id, campaignA, 'status@queue.test');
			await a.as((tx) => addSuppression(tx, { target: 'status@queue.test' }));
			const { rows } = await db.pool.query('SELECT status FROM leads WHERE id = $1', [lead]);
			expect(rows).toEqual([{ status: 'active' }]);
		});
	});

	describe('checkSuppression', () => {
		let t: Tenant;
		let address: Suppression;
		let domain: Suppression;

		beforeAll(async () => {
			t = await newTenant(db, 'checker');
			address = await t.as((tx) => addSuppression(tx, { target: 'jane@acme.test', reason: 'asked to stop' }));
			domain = await t.as((tx) => addSuppression(tx, { target: 'competitor.test', reason: 'competitor' }));
			await t.as((tx) => addSuppression(tx, { target: 'ceo@competitor.test', reason: 'personal request' }));
		});

		/** The entry as stored: what addSuppression returned, without the outcome of the add. */
		const strip = (added: Suppression & { created?: boolean; cancelledEmails?: number }): Suppression => {
			const entry = { ...added };
			delete entry.created;
			delete entry.cancelledEmails;
			return entry;
		};

		it('finds an address suppressed directly and returns its entry', async () => {
			expect(await t.as((tx) => checkSuppression(tx, ' Jane@ACME.test '))).toEqual({
				email: 'jane@acme.test',
				suppressed: true,
				matchedBy: 'email',
				reason: 'asked to stop',
				entry: strip(address),
			});
		});

		it('finds an address suppressed through its domain', async () => {
			expect(await t.as((tx) => checkSuppression(tx, 'sales@Competitor.test'))).toEqual({
				email: 'sales@competitor.test',
				suppressed: true,
				matchedBy: 'domain',
				reason: 'competitor',
				entry: strip(domain),
			});
		});

		it('prefers the address’s own entry when its domain is suppressed too', async () => {
			expect(await t.as((tx) => checkSuppression(tx, 'ceo@competitor.test'))).toMatchObject({
				suppressed: true,
				matchedBy: 'email',
				reason: 'personal request',
			});
		});

		it.each(['john@acme.test', 'jane@acme.test.example', 'sales@sub.competitor.test', 'sales@competitor.test.io'])(
			'finds %s not suppressed',
			async (email) => {
				expect(await t.as((tx) => checkSuppression(tx, email))).toEqual({
					email,
					suppressed: false,
					matchedBy: null,
					reason: null,
					entry: null,
				});
			},
		);

		it.each<[unknown]>([['competitor.test'], ['@competitor.test'], [''], ['jane'], [null], [7]])(
			'refuses %j: only an address can be checked',
			async (email) => {
				const attempt = t.as((tx) => checkSuppression(tx, email));
				await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
				await expect(attempt).rejects.toMatchObject({
					message: 'Email must be a valid email address such as jane@example.com',
				});
			},
		);
	});

	describe('listSuppressions', () => {
		let t: Tenant;

		beforeAll(async () => {
			t = await newTenant(db, 'lister');
			// One transaction each, so that every entry has its own created_at.
			for (const target of [
				'first@list.test',
				'list.test',
				'second@list.test',
				'under_score@other.test',
				'100%@percent.test',
				'other.test',
			]) {
				await t.as((tx) => addSuppression(tx, { target }));
			}
		});

		const emails = (filter: Partial<Parameters<typeof listSuppressions>[1]>) =>
			t.as((tx) => listSuppressions(tx, { ...ALL, ...filter })).then((list) => list.map((s) => s.email));

		it('lists the newest first, with every field', async () => {
			const listed = await t.as((tx) => listSuppressions(tx, ALL));
			expect(listed.map((s) => s.email)).toEqual([
				'other.test',
				'100%@percent.test',
				'under_score@other.test',
				'second@list.test',
				'list.test',
				'first@list.test',
			]);
			expect(listed[0]).toEqual({
				id: expect.any(String),
				scope: 'domain',
				email: 'other.test',
				reason: 'domain suppressed',
				campaignId: null,
				createdAt: expect.any(String),
			});
		});

		it('filters by scope', async () => {
			expect(await emails({ scope: 'domain' })).toEqual(['other.test', 'list.test']);
			expect(await emails({ scope: 'email' })).toEqual([
				'100%@percent.test',
				'under_score@other.test',
				'second@list.test',
				'first@list.test',
			]);
		});

		it('searches a substring, ignoring case, with % and _ matching only themselves', async () => {
			expect(await emails({ search: ' LIST ' })).toEqual(['second@list.test', 'list.test', 'first@list.test']);
			expect(await emails({ search: 'list', scope: 'email' })).toEqual(['second@list.test', 'first@list.test']);
			expect(await emails({ search: '%' })).toEqual(['100%@percent.test']);
			expect(await emails({ search: '_' })).toEqual(['under_score@other.test']);
			expect(await emails({ search: 'nothing-like-this' })).toEqual([]);
		});

		it('pages with limit and offset', async () => {
			expect(await emails({ limit: 2, offset: 0 })).toEqual(['other.test', '100%@percent.test']);
			expect(await emails({ limit: 2, offset: 2 })).toEqual(['under_score@other.test', 'second@list.test']);
			expect(await emails({ limit: 2, offset: 6 })).toEqual([]);
			expect(await emails({ limit: 1, offset: 1, scope: 'domain' })).toEqual(['list.test']);
		});

		it('refuses an unknown scope naming the field', async () => {
			await expect(emails({ scope: 'everything' as 'email' })).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Scope must be email or domain',
			});
		});
	});

	describe('removeSuppression', () => {
		let t: Tenant;

		beforeAll(async () => {
			t = await newTenant(db, 'remover');
		});

		it('removes an address, and says so; a second removal removes nothing', async () => {
			await t.as((tx) => addSuppression(tx, { target: 'gone@remove.test' }));
			expect(await t.as((tx) => removeSuppression(tx, 'Gone@Remove.TEST'))).toEqual({
				scope: 'email',
				email: 'gone@remove.test',
				removed: true,
			});
			expect((await t.as((tx) => checkSuppression(tx, 'gone@remove.test'))).suppressed).toBe(false);
			expect(await t.as((tx) => removeSuppression(tx, 'gone@remove.test'))).toEqual({
				scope: 'email',
				email: 'gone@remove.test',
				removed: false,
			});
		});

		it('removes a domain entry and keeps the address entries under it', async () => {
			await t.as((tx) => addSuppression(tx, { target: 'remove.test' }));
			await t.as((tx) => addSuppression(tx, { target: 'stays@remove.test' }));
			expect(await t.as((tx) => removeSuppression(tx, '@remove.test'))).toEqual({
				scope: 'domain',
				email: 'remove.test',
				removed: true,
			});
			expect(await t.as((tx) => checkSuppression(tx, 'stays@remove.test'))).toMatchObject({
				suppressed: true,
				matchedBy: 'email',
			});
			expect((await t.as((tx) => checkSuppression(tx, 'other@remove.test'))).suppressed).toBe(false);
		});

		it('does not bring cancelled emails back', async () => {
			const account = await addAccount(t.id);
			const campaign = await addCampaign(t.id);
			const lead = await addLead(t.id, campaign, 'back@remove.test');
			const queued = await addQueued(t.id, campaign, lead, account);
			await t.as((tx) => addSuppression(tx, { target: 'back@remove.test' }));
			await t.as((tx) => removeSuppression(tx, 'back@remove.test'));
			expect(await queueRows([queued])).toEqual({ [queued]: { status: 'cancelled', error: 'suppressed: suppressed' } });
		});

		it.each<[unknown]>([[''], ['nope'], ['a@@b.test'], [null]])(
			'refuses the target %j naming the field',
			async (target) => {
				await expect(t.as((tx) => removeSuppression(tx, target))).rejects.toMatchObject({
					name: 'InvalidInputError',
					message: BAD_TARGET,
				});
			},
		);
	});

	describe('tenant safety', () => {
		let b: Tenant;
		let entryA: Suppression;
		let leadA: string;
		let queuedA: string;
		const check = (tenant: Tenant, email: string) => tenant.as((tx) => checkSuppression(tx, email));

		beforeAll(async () => {
			b = await newTenant(db, 'intruder');
			entryA = await a.as((tx) => addSuppression(tx, { target: 'shared@tenants.test', reason: 'A’s reason' }));
			await a.as((tx) => addSuppression(tx, { target: 'a-only.test' }));
			leadA = await addLead(a.id, campaignA, 'victim@b-domain.test');
			queuedA = await addQueued(a.id, campaignA, leadA, accountA);
		});

		it('B’s list and checks never show A’s entries', async () => {
			expect(await b.as((tx) => listSuppressions(tx, ALL))).toEqual([]);
			expect(await b.as((tx) => listSuppressions(tx, { ...ALL, search: 'shared' }))).toEqual([]);
			expect(await check(b, 'shared@tenants.test')).toMatchObject({ suppressed: false, entry: null });
			expect(await check(b, 'anyone@a-only.test')).toMatchObject({ suppressed: false, entry: null });
		});

		it('B suppressing the same address gets an entry of its own and leaves A’s alone', async () => {
			const entryB = await b.as((tx) => addSuppression(tx, { target: 'shared@tenants.test', reason: 'B’s reason' }));
			expect(entryB).toMatchObject({ created: true, reason: 'B’s reason' });
			expect(entryB.id).not.toBe(entryA.id);
			expect((await check(a, 'shared@tenants.test')).entry).toMatchObject({ id: entryA.id, reason: 'A’s reason' });
			expect((await b.as((tx) => listSuppressions(tx, ALL))).map((s) => s.id)).toEqual([entryB.id]);
		});

		it('B’s suppressions neither suppress A’s addresses nor cancel A’s queue', async () => {
			const added = await b.as((tx) => addSuppression(tx, { target: 'b-domain.test' }));
			const addedAddress = await b.as((tx) => addSuppression(tx, { target: 'victim@b-domain.test' }));
			expect([added.cancelledEmails, addedAddress.cancelledEmails]).toEqual([0, 0]);
			expect(await queueRows([queuedA])).toEqual({ [queuedA]: { status: 'queued', error: null } });
			expect((await check(a, 'victim@b-domain.test')).suppressed).toBe(false);
		});

		it('B cannot remove A’s entries', async () => {
			await b.as((tx) => removeSuppression(tx, 'a-only.test')).then((r) => expect(r.removed).toBe(false));
			expect(await check(a, 'anyone@a-only.test')).toMatchObject({ suppressed: true, matchedBy: 'domain' });
		});

		it('B cannot tie an entry to A’s campaign: it is not found, as an unknown id is', async () => {
			const attempt = b.as((tx) => addSuppression(tx, { target: 'linked@tenants.test', campaignId: campaignA }));
			await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
			await expect(attempt).rejects.toThrow(`Campaign ${campaignA} was not found in this organization`);
			expect((await check(b, 'linked@tenants.test')).suppressed).toBe(false);
		});
	});
});
