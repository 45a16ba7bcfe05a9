import {
	addSuppression,
	type Campaign,
	createCampaign,
	createEmailAccount,
	importLeads,
	type LeadInput,
	organizationQuotas,
	organizationWithQuotas,
	type QuotaInput,
	saveLead,
	setOrganizationQuotas,
	transitionCampaign,
} from '../../nodes/core/outreach';
import { claimDueEmails, completeEmails, failEmails, scheduleDueSteps } from '../../nodes/core/sending';
import { SecretBox } from '../../nodes/core/db';
import { ConflictError, QuotaExceededError } from '../../nodes/core/validation';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { KEY, organizationFactory } from '../support/outreach';
import { type ActAs, newTenant, systemTenant } from '../support/tenants';

type Tenant = { id: string; as: ActAs };

const POSTAL_ADDRESS = '1 Main Street, Springfield, IL 62701, USA';
const OPERATOR = 'The platform operator can raise it: OPhir Campaign → Organization → Update';
const NO_LIMITS = {
	maxEmailAccounts: { limit: null, used: 0 },
	maxEmailsPerDay: { limit: null, used: 0 },
	maxActiveCampaigns: { limit: null, used: 0 },
	maxLeads: { limit: null, used: 0 },
};

/** Per-organization quotas on a real PostgreSQL: set by the operator only, enforced in the work's own transaction. */
describe('organization quotas', () => {
	let db: TestDatabase;
	const box = new SecretBox(KEY);
	const SMTP = { smtp: { host: '127.0.0.1', port: 2525, security: 'none' as const }, password: 'mailbox-password' };

	beforeAll(async () => {
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await db.drop();
	});

	const setQuotas = (organizationId: string, input: QuotaInput) =>
		systemTenant(db).as((tx) => setOrganizationQuotas(tx, organizationId, input));

	/** An organization's rows, counted as the database owner (row-level security does not hide any). */
	async function counts(organizationId: string) {
		const { rows } = await db.pool.query(
			`SELECT (SELECT count(*)::int FROM leads WHERE organization_id = $1) AS leads,
			        (SELECT count(*)::int FROM email_accounts WHERE organization_id = $1) AS accounts,
			        (SELECT count(*)::int FROM campaigns WHERE organization_id = $1 AND status = 'active') AS active`,
			[organizationId],
		);
		return rows[0] as { leads: number; accounts: number; active: number };
	}

	const leadsFor = (prefix: string, n: number, domain = 'example.com'): LeadInput[] =>
		Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@${domain}` }));

	const mailbox = (tenant: Tenant, email: string) => tenant.as((tx) => createEmailAccount(tx, box, { email, ...SMTP }));

	/** A draft campaign that may be activated: a step, a mailbox of the organization, a postal address. */
	async function sendableDraft(tenant: Tenant, accountId: string, name = 'Campaign'): Promise<Campaign> {
		return tenant.as((tx) =>
			createCampaign(tx, {
				name,
				config: {
					sequence: [{ subject: 'Hi', body: 'Hello' }],
					accountIds: [accountId],
					postalAddress: POSTAL_ADDRESS,
				},
			}),
		);
	}

	/** Runs all at once; each outcome is the result or the error it failed with. */
	const settled = <T>(works: Array<Promise<T>>) =>
		Promise.allSettled(works).then((all) => all.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error))));

	describe('setting and reading', () => {
		it('reports no limits and the usage of an organization the operator never limited', async () => {
			const tenant = await newTenant(db);
			await tenant.as((tx) => importLeads(tx, leadsFor('a', 2)));
			expect(await tenant.as((tx) => organizationQuotas(tx))).toEqual({
				...NO_LIMITS,
				maxLeads: { limit: null, used: 2 },
			});
		});

		it('lets the operator set, change and remove limits; a quota left out keeps its limit', async () => {
			const tenant = await newTenant(db);
			expect(await setQuotas(tenant.id, { maxLeads: 100, maxEmailsPerDay: '250' })).toEqual({
				maxEmailAccounts: null,
				maxEmailsPerDay: 250,
				maxActiveCampaigns: null,
				maxLeads: 100,
			});
			expect(await setQuotas(tenant.id, { maxLeads: null, maxActiveCampaigns: 0 })).toEqual({
				maxEmailAccounts: null,
				maxEmailsPerDay: 250,
				maxActiveCampaigns: 0,
				maxLeads: null,
			});
			expect(await setQuotas(tenant.id, { maxEmailsPerDay: '' })).toMatchObject({ maxEmailsPerDay: null });
			const own = await tenant.as((tx) => organizationWithQuotas(tx));
			expect(own).toMatchObject({ id: tenant.id, quotas: { ...NO_LIMITS, maxActiveCampaigns: { limit: 0, used: 0 } } });
		});

		it('refuses a limit that is not a whole number of at least 0, naming the quota, and writes nothing', async () => {
			const tenant = await newTenant(db);
			for (const [input, message] of [
				[{ maxLeads: -1 }, 'Max Leads must be a whole number from 0 to 2147483647'],
				[{ maxEmailsPerDay: 1.5 }, 'Max Emails per Day must be a whole number from 0 to 2147483647'],
				[{ maxEmailAccounts: 'ten' }, 'Max Email Accounts must be a whole number from 0 to 2147483647'],
				[{ maxActiveCampaigns: 3_000_000_000 }, 'Max Active Campaigns must be a whole number from 0 to 2147483647'],
			] as Array<[QuotaInput, string]>) {
				await expect(setQuotas(tenant.id, input)).rejects.toThrow(message);
			}
			const { rows } = await db.pool.query('SELECT * FROM organization_quotas WHERE organization_id = $1', [tenant.id]);
			expect(rows).toEqual([]);
			await expect(setQuotas('7c9e6679-7425-40de-944b-e07fc1f90ae7', { maxLeads: 1 })).rejects.toThrow(
				'Organization 7c9e6679-7425-40de-944b-e07fc1f90ae7 was not found in this organization',
			);
		});

		it('lets no organization set its own quota, in code or in SQL (row-level security), nor read another’s', async () => {
			const tenant = await newTenant(db);
			const other = await newTenant(db);
			await setQuotas(tenant.id, { maxLeads: 10 });
			await setQuotas(other.id, { maxLeads: 20 });
			await expect(tenant.as((tx) => setOrganizationQuotas(tx, tenant.id, { maxLeads: 1000 }))).rejects.toThrow(
				'Only a credential acting for the system organization can set quotas',
			);
			const raised = await tenant.as((tx) =>
				tx.query('UPDATE organization_quotas SET max_leads = 1000 WHERE organization_id = $1', [tenant.id]),
			);
			expect(raised.rowCount).toBe(0);
			const removed = await tenant.as((tx) =>
				tx.query('DELETE FROM organization_quotas WHERE organization_id = $1', [tenant.id]),
			);
			expect(removed.rowCount).toBe(0);
			const fresh = await newTenant(db);
			await expect(
				fresh.as((tx) =>
					tx.query('INSERT INTO organization_quotas (organization_id, max_leads) VALUES ($1, 1000)', [fresh.id]),
				),
			).rejects.toThrow(/row-level security/);
			const visible = await tenant.as((tx) => tx.query('SELECT organization_id, max_leads FROM organization_quotas'));
			expect(visible.rows).toEqual([{ organization_id: tenant.id, max_leads: 10 }]);
			expect((await tenant.as((tx) => organizationQuotas(tx))).maxLeads).toEqual({ limit: 10, used: 0 });
		});
	});

	describe('enforcement', () => {
		it('Max Leads: counts only new leads, refuses a whole import past it and writes nothing of it', async () => {
			const tenant = await newTenant(db);
			await setQuotas(tenant.id, { maxLeads: 5 });
			await tenant.as((tx) => importLeads(tx, leadsFor('a', 3)));
			// Two updates of existing leads and two new ones: 5 of 5.
			const outcomes = await tenant.as((tx) =>
				importLeads(tx, [...leadsFor('a', 2).map((l) => ({ ...l, firstName: 'Ada' })), ...leadsFor('b', 2)]),
			);
			expect(outcomes.map((o) => o.status)).toEqual(['updated', 'updated', 'created', 'created']);

			const over = tenant.as((tx) =>
				importLeads(tx, [{ email: 'a0@example.com', firstName: 'Grace' }, ...leadsFor('c', 1)]),
			);
			await expect(over).rejects.toThrow(
				new QuotaExceededError('Max Leads', 5, 5, 1, { counting: 'leads', source: 'this import' }),
			);
			await expect(over).rejects.toThrow(
				'Quota "Max Leads" reached: the organization has 5 of 5 leads and this import adds 1',
			);
			await expect(over).rejects.toBeInstanceOf(ConflictError);
			await expect(over).rejects.toMatchObject({ description: expect.stringContaining(OPERATOR) });
			const { rows } = await db.pool.query(
				`SELECT first_name FROM leads WHERE organization_id = $1 AND email = 'a0@example.com'`,
				[tenant.id],
			);
			expect(rows).toEqual([{ first_name: 'Ada' }]);
			expect(await counts(tenant.id)).toMatchObject({ leads: 5 });

			// At the limit, what adds no lead still works: an update by address, a suppressed address (skipped).
			await tenant.as((tx) => addSuppression(tx, { target: 'blocked.example' }));
			const atLimit = await tenant.as((tx) =>
				importLeads(tx, [{ email: 'b0@example.com', company: 'Acme' }, { email: 'x@blocked.example' }]),
			);
			expect(atLimit.map((o) => o.status)).toEqual(['updated', 'skipped']);
			await expect(
				tenant.as((tx) => saveLead(tx, { email: 'new@example.com' }, { onExisting: 'update' })),
			).rejects.toThrow('Quota "Max Leads" reached: the organization has 5 of 5 leads and this import adds 1');
			expect(await counts(tenant.id)).toMatchObject({ leads: 5 });

			await setQuotas(tenant.id, { maxLeads: 6 });
			await tenant.as((tx) => saveLead(tx, { email: 'new@example.com' }, { onExisting: 'fail' }));
			expect((await tenant.as((tx) => organizationQuotas(tx))).maxLeads).toEqual({ limit: 6, used: 6 });
		});

		it('Max Email Accounts: refuses another mailbox, and a duplicate still fails as a duplicate', async () => {
			const tenant = await newTenant(db);
			await setQuotas(tenant.id, { maxEmailAccounts: 1 });
			await mailbox(tenant, 'one@sender.example');
			await expect(mailbox(tenant, 'two@sender.example')).rejects.toThrow(
				'Quota "Max Email Accounts" reached: the organization has 1 of 1 email accounts and this adds 1',
			);
			await expect(mailbox(tenant, 'one@sender.example')).rejects.toThrow(
				'A sending account for one@sender.example already exists in this organization',
			);
			expect(await counts(tenant.id)).toMatchObject({ accounts: 1 });
		});

		it('Max Active Campaigns: refuses activating or resuming one more; a paused one frees its place', async () => {
			const tenant = await newTenant(db);
			const account = await mailbox(tenant, 'sender@sender.example');
			const [first, second] = [await sendableDraft(tenant, account.id), await sendableDraft(tenant, account.id)];
			await setQuotas(tenant.id, { maxActiveCampaigns: 1 });
			await tenant.as((tx) => transitionCampaign(tx, first.id, 'activate'));
			const refused =
				'Quota "Max Active Campaigns" reached: the organization has 1 of 1 active campaigns and this adds 1';
			await expect(tenant.as((tx) => transitionCampaign(tx, second.id, 'activate'))).rejects.toThrow(refused);
			await tenant.as((tx) => transitionCampaign(tx, first.id, 'pause'));
			await tenant.as((tx) => transitionCampaign(tx, second.id, 'activate'));
			await expect(tenant.as((tx) => transitionCampaign(tx, first.id, 'resume'))).rejects.toThrow(refused);
			expect(await counts(tenant.id)).toMatchObject({ active: 1 });
			// A campaign not ready to send says so first, whatever the quota.
			const empty = await tenant.as((tx) => createCampaign(tx, { name: 'Empty' }));
			await expect(tenant.as((tx) => transitionCampaign(tx, empty.id, 'activate'))).rejects.toThrow(
				'The campaign cannot send yet',
			);
		});

		it('a limit of 0 allows none; removing the limits gives the unlimited behaviour back', async () => {
			const tenant = await newTenant(db);
			await setQuotas(tenant.id, { maxLeads: 0, maxEmailAccounts: 0 });
			await expect(tenant.as((tx) => importLeads(tx, leadsFor('z', 1)))).rejects.toThrow(
				'the organization has 0 of 0 leads and this import adds 1',
			);
			await expect(mailbox(tenant, 'zero@sender.example')).rejects.toThrow('has 0 of 0 email accounts');
			await setQuotas(tenant.id, { maxLeads: null, maxEmailAccounts: null });
			await tenant.as((tx) => importLeads(tx, leadsFor('z', 1_200)));
			await mailbox(tenant, 'zero@sender.example');
			expect(await counts(tenant.id)).toMatchObject({ leads: 1_200, accounts: 1 });
		});

		it('writes 1,000 and more with thousands separators', async () => {
			const tenant = await newTenant(db);
			await setQuotas(tenant.id, { maxLeads: 1_000 });
			await tenant.as((tx) => importLeads(tx, leadsFor('k', 990)));
			await expect(tenant.as((tx) => importLeads(tx, leadsFor('m', 20)))).rejects.toThrow(
				'Quota "Max Leads" reached: the organization has 990 of 1,000 leads and this import adds 20',
			);
		});
	});

	describe('under concurrency', () => {
		it('8 concurrent imports of 30 leads against Max Leads 100: exactly the 3 that fit land', async () => {
			const tenant = await newTenant(db);
			await setQuotas(tenant.id, { maxLeads: 100 });
			const results = await settled(
				Array.from({ length: 8 }, (_, i) => tenant.as((tx) => importLeads(tx, leadsFor(`import${i}-`, 30)))),
			);
			const refused = results.filter((r) => r instanceof Error);
			expect(refused).toHaveLength(5);
			for (const error of refused) {
				expect(error).toBeInstanceOf(QuotaExceededError);
				expect((error as Error).message).toBe(
					'Quota "Max Leads" reached: the organization has 90 of 100 leads and this import adds 30',
				);
			}
			expect(await counts(tenant.id)).toMatchObject({ leads: 90 });
		});

		it('concurrent imports of the same addresses count each new lead once', async () => {
			const tenant = await newTenant(db);
			await setQuotas(tenant.id, { maxLeads: 30 });
			const results = await settled(
				Array.from({ length: 6 }, () => tenant.as((tx) => importLeads(tx, leadsFor('same', 30)))),
			);
			expect(results.filter((r) => r instanceof Error)).toEqual([]);
			expect(await counts(tenant.id)).toMatchObject({ leads: 30 });
		});

		it('8 concurrent mailbox creations against Max Email Accounts 3: exactly 3 are created', async () => {
			const tenant = await newTenant(db);
			await setQuotas(tenant.id, { maxEmailAccounts: 3 });
			const created = await settled(Array.from({ length: 8 }, (_, i) => mailbox(tenant, `box${i}@sender.example`)));
			expect(created.filter((r) => r instanceof QuotaExceededError)).toHaveLength(5);
			expect(await counts(tenant.id)).toMatchObject({ accounts: 3 });
		});

		it('6 concurrent activations against Max Active Campaigns 2: exactly 2 become active', async () => {
			const tenant = await newTenant(db);
			const account = await mailbox(tenant, 'sender@sender.example');
			const drafts: Campaign[] = [];
			for (let i = 0; i < 6; i++) drafts.push(await sendableDraft(tenant, account.id, `Draft ${i}`));
			await setQuotas(tenant.id, { maxActiveCampaigns: 2 });
			const activated = await settled(
				drafts.map((draft) => tenant.as((tx) => transitionCampaign(tx, draft.id, 'activate'))),
			);
			expect(activated.filter((r) => r instanceof QuotaExceededError)).toHaveLength(4);
			expect(await counts(tenant.id)).toMatchObject({ active: 2 });
		});
	});

	describe('Max Emails per Day and claims', () => {
		const organization = organizationFactory(() => ({
			db,
			box,
			name: 'Quota test',
			account: { ...SMTP, dailyLimit: 100 },
		}));

		/** An organization whose mailboxes (`dailyLimit` each) have due emails for `leads` leads. */
		async function scheduled(accounts: number, leads: number, dailyLimit = 100) {
			const set = await organization({ accounts: Array.from({ length: accounts }, () => ({ dailyLimit })), leads });
			const now = new Date(Date.now() + 1000);
			await set.tenant.as((tx) => scheduleDueSteps(tx, { now }));
			return { ...set, now };
		}

		const claim = (tenant: Tenant, now: Date, limit = 5) =>
			tenant.as((tx) => claimDueEmails(tx, { limit, leaseSeconds: 300, now }));

		async function leasedOrSent(organizationId: string) {
			const { rows } = await db.pool.query(
				`SELECT (SELECT count(*)::int FROM email_queue WHERE organization_id = $1 AND status IN ('sending', 'sent')) AS emails,
				        (SELECT count(DISTINCT email_account_id)::int FROM email_queue WHERE organization_id = $1 AND status = 'sending') AS mailboxes`,
				[organizationId],
			);
			return rows[0] as { emails: number; mailboxes: number };
		}

		it('without a limit claims as before', async () => {
			const { tenant, now } = await scheduled(2, 12);
			expect(await claim(tenant, now, 10)).toHaveLength(10);
		});

		it('parallel claims over several mailboxes hand out no more than the day allows, sent and in flight together', async () => {
			// Three mailboxes of 10 a day with 8 due each: 12 takes at least two of them.
			const { tenant, now } = await scheduled(3, 24, 10);
			await setQuotas(tenant.id, { maxEmailsPerDay: 12 });
			const claims = await settled(Array.from({ length: 8 }, () => claim(tenant, now)));
			expect(claims.filter((r) => r instanceof Error)).toEqual([]);
			const claimed = claims.flatMap((r) => r as Awaited<ReturnType<typeof claim>>);
			expect(claimed).toHaveLength(12);
			expect(await leasedOrSent(tenant.id)).toMatchObject({ emails: 12 });
			expect(new Set(claimed.map((e) => e.account.id)).size).toBeGreaterThanOrEqual(2);
			expect((await tenant.as((tx) => organizationQuotas(tx, { now }))).maxEmailsPerDay).toEqual({
				limit: 12,
				used: 12,
			});

			// Sent ones still count; a retry frees its place (it was not sent).
			const later = new Date(now.getTime() + 120_000);
			await tenant.as((tx) =>
				completeEmails(
					tx,
					claimed.slice(0, 8).map((e, i) => ({ id: e.id, leaseToken: e.leaseToken, messageId: `<m${i}@quota.test>` })),
					{ now: later },
				),
			);
			await tenant.as((tx) =>
				failEmails(
					tx,
					claimed.slice(8, 10).map((e) => ({ id: e.id, leaseToken: e.leaseToken, kind: 'retry', error: 'try later' })),
					{ now: later },
				),
			);
			expect(await claim(tenant, later, 10)).toHaveLength(2);
			expect(await Promise.all([claim(tenant, later), claim(tenant, later)])).toEqual([[], []]);
			expect(await leasedOrSent(tenant.id)).toMatchObject({ emails: 12 });

			// Raised: the rest of the day's allowance is handed out, and no more (the mailboxes could send 18).
			await setQuotas(tenant.id, { maxEmailsPerDay: 14 });
			const more = await settled(Array.from({ length: 4 }, () => claim(tenant, later)));
			expect(more.flatMap((r) => r as unknown[])).toHaveLength(2);
			expect(await leasedOrSent(tenant.id)).toMatchObject({ emails: 14 });
		});

		it('a limit of 0 claims nothing and leaves the queue as it was', async () => {
			const { tenant, now } = await scheduled(1, 3);
			await setQuotas(tenant.id, { maxEmailsPerDay: 0 });
			expect(await claim(tenant, now)).toEqual([]);
			const { rows } = await db.pool.query(`SELECT status FROM email_queue WHERE organization_id = $1`, [tenant.id]);
			expect(rows.map((r) => r.status)).toEqual(['queued', 'queued', 'queued']);
		});
	});
});
