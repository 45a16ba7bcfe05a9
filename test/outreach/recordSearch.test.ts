import { SecretBox } from '../../nodes/core/db';
import {
	createCampaign,
	createEmailAccount,
	createTemplate,
	createUser,
	importLeads,
	type RecordKind,
	type RecordSearch,
	searchRecords,
	setEmailAccountPaused,
} from '../../nodes/core/outreach';
import { InvalidInputError } from '../../nodes/core/validation';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type ActAs, newTenant } from '../support/tenants';

type Tenant = { id: string; as: ActAs };

const KEY = 'dummy-encryption-key-0123456789abcdef';
const PASSWORD = 'dummy-mailbox-password-1a2b';
const ALL = { limit: 1000, offset: 0 };

/**
 * The records behind the editor's "From List" pickers: what a person types finds them (any searched column,
 * ignoring case, wildcards taken literally), labels say which record it is, pages never overlap, and another
 * organization's records never appear.
 */
describe('record search', () => {
	let db: TestDatabase;
	let a: Tenant;
	let b: Tenant;
	/** IDs of organization A's records by a short name. */
	const ids: Record<string, string> = {};

	function search(tenant: Tenant, kind: RecordKind, query: Partial<RecordSearch> = {}) {
		return tenant.as((tx) => searchRecords(tx, kind, { ...ALL, ...query }));
	}

	async function labels(tenant: Tenant, kind: RecordKind, filter?: string): Promise<string[]> {
		return (await search(tenant, kind, { filter })).records.map((record) => record.label);
	}

	/** A's records and, under the same names and words, B's, so that every filter that finds A's would find B's. */
	async function seed(tenant: Tenant, domain: string) {
		const box = new SecretBox(KEY);
		return tenant.as(async (tx) => {
			const spring = await createCampaign(tx, { name: 'Spring launch' });
			const autumn = await createCampaign(tx, { name: 'Autumn follow-up' });
			await importLeads(
				tx,
				[
					{ email: `jane@${domain}`, firstName: 'Jane', lastName: 'Doe', company: 'Acme Corp' },
					{ email: `ann@${domain}`, firstName: 'Ann' },
					{ email: `nameless@${domain}` },
				],
				{ campaignId: spring.id },
			);
			await importLeads(tx, [{ email: `jane@${domain}`, firstName: 'Jane', lastName: 'Doe' }], {
				campaignId: autumn.id,
			});
			await importLeads(tx, [{ email: `loner@${domain}`, lastName: 'Solo', company: 'Freelance' }]);
			const intro = await createTemplate(tx, {
				name: 'Intro',
				category: 'Onboarding',
				subject: 'Quick question',
				body: 'Hi',
			});
			await createTemplate(tx, { name: 'Plain', subject: 'Hello there', body: 'Hi' });
			const sales = await createEmailAccount(tx, box, {
				email: `sales@${domain}`,
				provider: 'gmail',
				password: PASSWORD,
			});
			const ops = await createEmailAccount(tx, box, { email: `ops@${domain}`, provider: 'gmail', password: PASSWORD });
			await setEmailAccountPaused(tx, ops.id, true, 'bounces');
			const admin = await createUser(tx, {
				email: `ann.lee@${domain}`,
				firstName: 'Ann',
				lastName: 'Lee',
				role: 'admin',
			});
			await createUser(tx, { email: `bob@${domain}`, role: 'viewer' });
			return { spring: spring.id, intro: intro.id, sales: sales.id, ops: ops.id, admin: admin.id };
		});
	}

	beforeAll(async () => {
		db = await createTestDatabase();
		a = await newTenant(db);
		b = await newTenant(db);
		Object.assign(ids, await seed(a, 'a.test'));
		await seed(b, 'b.test');
		// Health falls with bounces and complaints (tracking/); written here as the database owner.
		await db.pool.query('UPDATE email_accounts SET health_score = 80 WHERE id = $1', [ids.ops]);
		await db.pool.query(`UPDATE campaigns SET status = 'paused' WHERE id = $1`, [ids.spring]);
	});

	afterAll(async () => {
		await db?.drop();
	});

	describe('labels', () => {
		it('campaign: name (status)', async () => {
			expect(await labels(a, 'campaign')).toEqual(['Autumn follow-up (draft)', 'Spring launch (paused)']);
		});

		it('lead: email — full name · campaign, leaving out the parts a lead has not', async () => {
			expect(await labels(a, 'lead')).toEqual([
				'ann@a.test — Ann · Spring launch',
				'jane@a.test — Jane Doe · Autumn follow-up',
				'jane@a.test — Jane Doe · Spring launch',
				'loner@a.test — Solo',
				'nameless@a.test · Spring launch',
			]);
		});

		it('template: name · category, or the name alone', async () => {
			expect(await labels(a, 'template')).toEqual(['Intro · Onboarding', 'Plain']);
		});

		it('email account: email · status · health', async () => {
			expect(await labels(a, 'emailAccount')).toEqual([
				'ops@a.test · paused · health 80',
				'sales@a.test · active · health 100',
			]);
		});

		it('user: email — full name (role)', async () => {
			expect(await labels(a, 'user')).toEqual(['ann.lee@a.test — Ann Lee (admin)', 'bob@a.test (viewer)']);
		});

		it('gives each record its own ID', async () => {
			expect((await search(a, 'campaign', { filter: 'spring' })).records).toEqual([
				{ id: ids.spring, label: 'Spring launch (paused)' },
			]);
			expect((await search(a, 'template', { filter: 'intro' })).records).toEqual([
				{ id: ids.intro, label: 'Intro · Onboarding' },
			]);
			expect((await search(a, 'emailAccount', { filter: 'sales' })).records).toEqual([
				{ id: ids.sales, label: 'sales@a.test · active · health 100' },
			]);
			expect((await search(a, 'user', { filter: 'lee' })).records).toEqual([
				{ id: ids.admin, label: 'ann.lee@a.test — Ann Lee (admin)' },
			]);
		});
	});

	describe('filter', () => {
		it.each<[RecordKind, string, string[]]>([
			['campaign', 'launch', ['Spring launch (paused)']],
			['lead', 'loner@', ['loner@a.test — Solo']],
			['lead', 'jane', ['jane@a.test — Jane Doe · Autumn follow-up', 'jane@a.test — Jane Doe · Spring launch']],
			['lead', 'Solo', ['loner@a.test — Solo']],
			['lead', 'acme', ['jane@a.test — Jane Doe · Spring launch']],
			['lead', 'Jane Doe', ['jane@a.test — Jane Doe · Autumn follow-up', 'jane@a.test — Jane Doe · Spring launch']],
			['template', 'plain', ['Plain']],
			['template', 'boarding', ['Intro · Onboarding']],
			['template', 'hello', ['Plain']],
			['emailAccount', 'ops@', ['ops@a.test · paused · health 80']],
			['user', 'bob', ['bob@a.test (viewer)']],
			['user', 'Ann', ['ann.lee@a.test — Ann Lee (admin)']],
			['user', 'Lee', ['ann.lee@a.test — Ann Lee (admin)']],
			['user', 'ann lee', ['ann.lee@a.test — Ann Lee (admin)']],
		])('%s by "%s"', async (kind, filter, expected) => {
			expect(await labels(a, kind, filter)).toEqual(expected);
		});

		it('ignores case, in the filter and in the record', async () => {
			expect(await labels(a, 'campaign', 'SPRING')).toEqual(['Spring launch (paused)']);
			expect(await labels(a, 'lead', 'JANE@A.TEST')).toHaveLength(2);
			expect(await labels(a, 'template', 'qUiCk')).toEqual(['Intro · Onboarding']);
			expect(await labels(a, 'emailAccount', 'SALES')).toEqual(['sales@a.test · active · health 100']);
		});

		it('lists everything for a blank filter, and nothing for one that matches nothing', async () => {
			expect(await labels(a, 'campaign', '   ')).toHaveLength(2);
			expect(await search(a, 'campaign', { filter: 'no such campaign' })).toEqual({ records: [], hasMore: false });
			expect(await search(a, 'lead', { filter: 'nobody@' })).toEqual({ records: [], hasMore: false });
		});

		it('takes %, _ and \\ literally', async () => {
			const c = await newTenant(db);
			await c.as(async (tx) => {
				for (const name of ['50% off', '50 percent', '500 leads', 'a_b test', 'acb test', 'back\\slash', 'backslash']) {
					await createCampaign(tx, { name });
				}
			});
			expect(await labels(c, 'campaign', '50%')).toEqual(['50% off (draft)']);
			expect(await labels(c, 'campaign', '%')).toEqual(['50% off (draft)']);
			expect(await labels(c, 'campaign', 'a_b')).toEqual(['a_b test (draft)']);
			expect(await labels(c, 'campaign', '_')).toEqual(['a_b test (draft)']);
			expect(await labels(c, 'campaign', 'k\\s')).toEqual(['back\\slash (draft)']);
		});
	});

	describe('pages', () => {
		let p: Tenant;
		let created: string[];

		beforeAll(async () => {
			p = await newTenant(db);
			// 40 names three times over: equal names must still keep one order across pages.
			created = await p.as(async (tx) => {
				const made: string[] = [];
				for (let i = 0; i < 120; i++) {
					made.push((await createCampaign(tx, { name: `Bulk ${String(i % 40).padStart(2, '0')}` })).id);
				}
				return made;
			});
		});

		it('pages 120 campaigns as 50, 50 and 20, with hasMore until the last, without overlap', async () => {
			const pages = [];
			for (const offset of [0, 50, 100]) pages.push(await search(p, 'campaign', { limit: 50, offset }));
			expect(pages.map((page) => [page.records.length, page.hasMore])).toEqual([
				[50, true],
				[50, true],
				[20, false],
			]);
			const paged = pages.flatMap((page) => page.records);
			expect(new Set(paged.map((record) => record.id)).size).toBe(120);
			expect(paged.map((record) => record.id).sort()).toEqual([...created].sort());
			// The same order as one long page, and again on a second reading.
			expect(paged).toEqual((await search(p, 'campaign')).records);
			expect((await search(p, 'campaign', { limit: 50, offset: 50 })).records).toEqual(pages[1].records);
			const names = paged.map((record) => record.label);
			expect(names).toEqual([...names].sort());
		});

		it('pages a filtered list too', async () => {
			const first = await search(p, 'campaign', { filter: 'bulk 0', limit: 20, offset: 0 });
			const second = await search(p, 'campaign', { filter: 'bulk 0', limit: 20, offset: 20 });
			expect([first.records.length, first.hasMore, second.records.length, second.hasMore]).toEqual([
				20,
				true,
				10,
				false,
			]);
			expect(new Set([...first.records, ...second.records].map((record) => record.id)).size).toBe(30);
		});

		it('ends exactly at the last record: a full last page has no more', async () => {
			expect((await search(p, 'campaign', { limit: 60, offset: 60 })).hasMore).toBe(false);
			expect((await search(p, 'campaign', { limit: 60, offset: 120 })).records).toEqual([]);
		});

		it('refuses a limit or offset out of range', async () => {
			for (const paging of [{ limit: 0 }, { limit: 1001 }, { limit: 2.5 }, { offset: -1 }, { offset: Number.NaN }]) {
				await expect(search(p, 'campaign', paging)).rejects.toBeInstanceOf(InvalidInputError);
			}
		});
	});

	describe('organizations', () => {
		it("never lists another organization's records, even when they match", async () => {
			const kinds: RecordKind[] = ['campaign', 'lead', 'template', 'emailAccount', 'user'];
			for (const kind of kinds) {
				const ofA = await labels(a, kind);
				const ofB = await labels(b, kind);
				expect(ofA.length).toBeGreaterThan(0);
				expect(ofB).toHaveLength(ofA.length);
				const idsOfA = (await search(a, kind)).records.map((record) => record.id);
				const idsOfB = (await search(b, kind)).records.map((record) => record.id);
				expect(idsOfA.filter((id) => idsOfB.includes(id))).toEqual([]);
			}
			// B's records carry the same names and words: only the addresses tell them apart.
			expect(await labels(a, 'lead', 'jane doe')).not.toContainEqual(expect.stringContaining('b.test'));
			expect(await labels(b, 'campaign', 'spring')).toEqual(['Spring launch (draft)']);
			expect(await labels(a, 'user', 'b.test')).toEqual([]);
			expect(await labels(a, 'emailAccount', 'b.test')).toEqual([]);
		});

		it('finds nothing in an organization that has no records', async () => {
			const empty = await newTenant(db);
			for (const kind of ['campaign', 'lead', 'template', 'emailAccount', 'user'] as RecordKind[]) {
				expect(await search(empty, kind)).toEqual({ records: [], hasMore: false });
			}
		});
	});
});
