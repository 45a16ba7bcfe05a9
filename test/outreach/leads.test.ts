import { randomUUID } from 'node:crypto';

import {
	addSuppression,
	type Campaign,
	type CampaignStatus,
	changeTags,
	createCampaign,
	eraseLeads,
	exportLeadData,
	getLead,
	importLeads,
	type ImportOutcome,
	type Lead,
	LEAD_LIMITS,
	LEAD_STATUSES,
	type LeadInput,
	listLeads,
	saveLead,
	setLeadStatus,
	updateLead,
} from '../../nodes/core/outreach';
import { ConflictError, InvalidInputError, NotFoundError } from '../../nodes/core/validation';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { moveDraftTo } from '../support/outreach';
import { type ActAs, newTenant } from '../support/tenants';

type Tenant = { id: string; as: ActAs };

const INVALID_EMAIL = 'Email must be a valid email address such as jane@example.com';
const NOT_AN_OBJECT = 'Custom Fields (data) must be an object of field names and values';
const NO_NUL = (field: string) => `${field} must be text without NUL (\\u0000) characters`;
const NO_SURROGATE = (field: string) => `${field} must be valid Unicode text (no unpaired surrogate)`;
const ALL = { limit: 1000, offset: 0 };
const POSTAL_ADDRESS = '1 Main Street, Springfield, IL 62701, USA';

describe('leads', () => {
	let db: TestDatabase;
	const accounts = new Map<string, string>();

	/** The organization's mailbox (one per tenant), written as the database owner. */
	async function accountOf(organizationId: string): Promise<string> {
		if (!accounts.has(organizationId)) {
			const { rows } = await db.pool.query(
				`INSERT INTO email_accounts (organization_id, email, provider) VALUES ($1, $2, 'smtp') RETURNING id`,
				[organizationId, `box-${randomUUID().slice(0, 8)}@sender.test`],
			);
			accounts.set(organizationId, rows[0].id);
		}
		return accounts.get(organizationId)!;
	}

	/** A sendable campaign of `tenant`, brought to `status` through the transitions themselves. */
	async function campaignIn(tenant: Tenant, status: CampaignStatus = 'draft'): Promise<Campaign> {
		const config = {
			sequence: [{ subject: 'Hi', body: 'Hello' }],
			accountIds: [await accountOf(tenant.id)],
			postalAddress: POSTAL_ADDRESS,
		};
		const campaign = await tenant.as((tx) => createCampaign(tx, { name: `${status} campaign`, config }));
		return moveDraftTo(tenant.as, campaign, status);
	}

	/** A queue row of the organization, written as the database owner. */
	async function addQueued(
		organizationId: string,
		campaignId: string,
		leadId: string,
		status = 'queued',
	): Promise<string> {
		const { rows } = await db.pool.query(
			`INSERT INTO email_queue (organization_id, campaign_id, lead_id, email_account_id, subject, body, status, scheduled_at, sequence_step)
			 VALUES ($1, $2, $3, $4, 'Hi', 'Hello', $5, now(),
			         (SELECT COALESCE(max(sequence_step), 0) + 1 FROM email_queue WHERE campaign_id = $2 AND lead_id = $3)) RETURNING id`,
			[organizationId, campaignId, leadId, await accountOf(organizationId), status],
		);
		return rows[0].id;
	}

	async function addActivity(
		organizationId: string,
		campaignId: string,
		{ leadId = null, queueId = null }: { leadId?: string | null; queueId?: string | null },
		eventType = 'opened',
	): Promise<string> {
		const { rows } = await db.pool.query(
			`INSERT INTO email_activities (organization_id, campaign_id, lead_id, email_queue_id, event_type, ip_address, user_agent)
			 VALUES ($1, $2, $3, $4, $5, '203.0.113.7', 'Mail/1.0') RETURNING id`,
			[organizationId, campaignId, leadId, queueId, eventType],
		);
		return rows[0].id;
	}

	async function queueRows(ids: string[]): Promise<Record<string, { status: string; error: string | null }>> {
		const { rows } = await db.pool.query(
			`SELECT id, status, error_message FROM email_queue WHERE id = ANY($1::uuid[])`,
			[ids],
		);
		return Object.fromEntries(rows.map((r) => [r.id, { status: r.status, error: r.error_message }]));
	}

	/** Every stored lead of an organization, as the database owner reads it. */
	async function storedLeads(organizationId: string): Promise<Array<Record<string, unknown>>> {
		const { rows } = await db.pool.query(
			`SELECT * FROM leads WHERE organization_id = $1 ORDER BY email, campaign_id NULLS FIRST`,
			[organizationId],
		);
		return rows;
	}

	const emailsOf = async (organizationId: string) => (await storedLeads(organizationId)).map((row) => row.email);

	/** Everything an organization holds about leads: for "nothing changed" checks. */
	async function everything(organizationId: string) {
		const queue = await db.pool.query('SELECT * FROM email_queue WHERE organization_id = $1 ORDER BY id', [
			organizationId,
		]);
		const activities = await db.pool.query('SELECT * FROM email_activities WHERE organization_id = $1 ORDER BY id', [
			organizationId,
		]);
		const unsubscribes = await db.pool.query('SELECT * FROM unsubscribes WHERE organization_id = $1 ORDER BY id', [
			organizationId,
		]);
		return {
			leads: await storedLeads(organizationId),
			queue: queue.rows,
			activities: activities.rows,
			unsubscribes: unsubscribes.rows,
		};
	}

	const lead = (tenant: Tenant, input: LeadInput, campaignId?: string) =>
		tenant.as((tx) => saveLead(tx, input, { campaignId, onExisting: 'fail' })).then((saved) => saved.lead);

	beforeAll(async () => {
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await db.drop();
	});

	describe('importLeads', () => {
		it('creates new leads and reports one outcome per input, in input order', async () => {
			const t = await newTenant(db);
			const outcomes = await t.as((tx) =>
				importLeads(tx, [
					{
						email: 'ann@first.test',
						firstName: 'Ann',
						lastName: 'Lee',
						company: 'First',
						data: { city: 'Lyon' },
						tags: ['vip'],
					},
					{ email: 'not an address' },
					{ email: 'ben@second.test' },
					{ email: 'ann@first.test', firstName: 'Other Ann' },
				]),
			);
			expect(outcomes).toEqual([
				{ status: 'created', id: expect.any(String), email: 'ann@first.test' },
				{ status: 'invalid', email: 'not an address', reason: INVALID_EMAIL },
				{ status: 'created', id: expect.any(String), email: 'ben@second.test' },
				{ status: 'skipped', email: 'ann@first.test', reason: 'duplicate of item 0 in this import' },
			]);
			const stored = await storedLeads(t.id);
			expect(stored).toEqual([
				expect.objectContaining({
					id: (outcomes[0] as { id: string }).id,
					organization_id: t.id,
					campaign_id: null,
					email: 'ann@first.test',
					first_name: 'Ann',
					last_name: 'Lee',
					company: 'First',
					data: { city: 'Lyon' },
					status: 'active',
					tags: ['vip'],
				}),
				expect.objectContaining({
					id: (outcomes[2] as { id: string }).id,
					email: 'ben@second.test',
					first_name: null,
					last_name: null,
					company: null,
					data: {},
					tags: [],
				}),
			]);
		});

		it('returns nothing for no input and writes nothing', async () => {
			const t = await newTenant(db);
			expect(await t.as((tx) => importLeads(tx, []))).toEqual([]);
			expect(await storedLeads(t.id)).toEqual([]);
		});

		it('normalizes addresses (case and surrounding whitespace) before storing and matching them', async () => {
			const t = await newTenant(db);
			const [first] = await t.as((tx) => importLeads(tx, [{ email: '  Jane.Doe@Example.COM \t' }]));
			expect(first).toEqual({ status: 'created', id: expect.any(String), email: 'jane.doe@example.com' });
			const [again] = await t.as((tx) =>
				importLeads(tx, [{ email: '\uFEFFJANE.DOE@example.com\n', firstName: 'Jane' }]),
			);
			expect(again).toEqual({ status: 'updated', id: (first as { id: string }).id, email: 'jane.doe@example.com' });
			expect(await emailsOf(t.id)).toEqual(['jane.doe@example.com']);
		});

		it.each<[string, unknown]>([
			['an empty text', ''],
			['blanks', '   '],
			['no @', 'plainaddress'],
			['no domain', 'jane@'],
			['no local part', '@example.com'],
			['no top-level domain', 'jane@example'],
			['two @', 'jane@@example.com'],
			['a space inside', 'jane doe@example.com'],
			['two dots in a row', 'jane..doe@example.com'],
			['a leading dot', '.jane@example.com'],
			['a label starting with a hyphen', 'jane@-example.com'],
			['a one-letter top-level domain', 'jane@example.c'],
			['a local part over 64 characters', `${'x'.repeat(65)}@example.com`],
			[
				'an address over 254 characters',
				`${'x'.repeat(10)}@${'d'.repeat(60)}.${'d'.repeat(60)}.${'d'.repeat(60)}.${'d'.repeat(60)}.com`,
			],
			['a display name', 'Jane <jane@example.com>'],
			['a NUL character', 'ja\u0000ne@example.com'],
			['a number', 42],
			['null', null],
			['nothing', undefined],
			['a boolean', true],
			['an object', { address: 'jane@example.com' }],
			['an array', ['jane@example.com']],
		])('reports an address with %s as invalid, naming the field', async (_label, email) => {
			const t = await newTenant(db);
			const outcomes = await t.as((tx) =>
				importLeads(tx, [{ email: 'before@fine.test' }, { email }, { email: 'after@fine.test' }]),
			);
			expect(outcomes).toEqual([
				{ status: 'created', id: expect.any(String), email: 'before@fine.test' },
				{ status: 'invalid', email, reason: INVALID_EMAIL },
				{ status: 'created', id: expect.any(String), email: 'after@fine.test' },
			]);
			expect(await emailsOf(t.id)).toEqual(['after@fine.test', 'before@fine.test']);
		});

		it('keeps an entry the caller already found invalid as an invalid outcome in its place', async () => {
			const t = await newTenant(db);
			const outcomes = await t.as((tx) =>
				importLeads(tx, [
					new Error('Custom Fields (JSON) must be valid JSON'),
					{ email: 'one@place.test' },
					{ email: 'ONE@place.test' },
				]),
			);
			expect(outcomes).toEqual([
				{ status: 'invalid', reason: 'Custom Fields (JSON) must be valid JSON' },
				{ status: 'created', id: expect.any(String), email: 'one@place.test' },
				{ status: 'skipped', email: 'one@place.test', reason: 'duplicate of item 1 in this import' },
			]);
			expect(await emailsOf(t.id)).toEqual(['one@place.test']);
		});

		it('reports an input that is not an object as invalid', async () => {
			const t = await newTenant(db);
			const outcomes = await t.as((tx) =>
				importLeads(tx, [null, 'jane@example.com', { email: 'ok@fine.test' }] as unknown as LeadInput[]),
			);
			expect(outcomes).toEqual([
				{ status: 'invalid', email: undefined, reason: 'Lead must be an object with an email field' },
				{ status: 'invalid', email: undefined, reason: 'Lead must be an object with an email field' },
				{ status: 'created', id: expect.any(String), email: 'ok@fine.test' },
			]);
		});

		describe('other invalid fields', () => {
			const cyclic: Record<string, unknown> = { name: 'loop' };
			cyclic.self = cyclic;
			const BAD_FIELDS: Array<[string, Omit<LeadInput, 'email'>, string]> = [
				[
					'a first name over 100 characters',
					{ firstName: 'f'.repeat(101) },
					'First Name must be at most 100 characters',
				],
				['a last name over 100 characters', { lastName: 'l'.repeat(101) }, 'Last Name must be at most 100 characters'],
				['a company over 255 characters', { company: 'c'.repeat(256) }, 'Company must be at most 255 characters'],
				['a first name that is an object', { firstName: { given: 'Jane' } }, 'First Name must be a text'],
				['a company that is an array', { company: ['Acme'] }, 'Company must be a text'],
				['data given as the JSON text null', { data: 'null' }, NOT_AN_OBJECT],
				['data given as an array', { data: [1, 2] }, NOT_AN_OBJECT],
				['data given as JSON array text', { data: '[{"a":1}]' }, NOT_AN_OBJECT],
				['data given as a date', { data: new Date('2026-01-01T00:00:00Z') }, NOT_AN_OBJECT],
				['data given as a number', { data: 42 }, NOT_AN_OBJECT],
				['data given as a text that is not JSON', { data: '{city: Lyon}' }, 'Custom Fields (data) must be valid JSON'],
				[
					'data holding a BigInt',
					{ data: { revenue: BigInt(10) } },
					'Custom Fields (data) must be plain JSON values (text, numbers, true/false, null, lists, objects)',
				],
				[
					'data holding a cycle',
					{ data: cyclic },
					'Custom Fields (data) must be plain JSON values (text, numbers, true/false, null, lists, objects)',
				],
				['a NUL in the first name', { firstName: 'Ja\u0000ne' }, NO_NUL('First Name')],
				['a NUL in the last name', { lastName: '\u0000' }, NO_NUL('Last Name')],
				['a NUL in the company', { company: 'Ac\u0000me' }, NO_NUL('Company')],
				['a NUL in a tag', { tags: ['fine', 'b\u0000d'] }, NO_NUL('Tags')],
				['a NUL in a comma-separated tag', { tags: 'fine, b\u0000d' }, NO_NUL('Tags')],
				['a NUL in a data key', { data: { 'ci\u0000ty': 'Lyon' } }, NO_NUL('Custom Fields (data)')],
				['a NUL in a data value', { data: { city: 'Ly\u0000on' } }, NO_NUL('Custom Fields (data)')],
				['a NUL deep in the data', { data: { places: [{ city: 'Ly\u0000on' }] } }, NO_NUL('Custom Fields (data)')],
				['a NUL escaped in JSON text data', { data: '{"city":"Ly\\u0000on"}' }, NO_NUL('Custom Fields (data)')],
				['an unpaired high surrogate in the first name', { firstName: 'Jane\uD83D' }, NO_SURROGATE('First Name')],
				['an unpaired low surrogate in the last name', { lastName: '\uDE00Doe' }, NO_SURROGATE('Last Name')],
				['an unpaired surrogate in the company', { company: 'Ac\uDBFFme' }, NO_SURROGATE('Company')],
				['an unpaired surrogate in a tag', { tags: ['\uD800'] }, NO_SURROGATE('Tags')],
				['an unpaired surrogate in a data key', { data: { 'x\uDC00': 1 } }, NO_SURROGATE('Custom Fields (data)')],
				[
					'an unpaired surrogate in a data value',
					{ data: { city: ['Lyon', 'x\uD800'] } },
					NO_SURROGATE('Custom Fields (data)'),
				],
				[
					'an unpaired surrogate escaped in JSON text data',
					{ data: '{"city":"\\ud800"}' },
					NO_SURROGATE('Custom Fields (data)'),
				],
				['a tag over 100 characters', { tags: ['t'.repeat(101)] }, 'Tags must be tags of at most 100 characters'],
				[
					'a tag that is an object',
					{ tags: ['fine', { name: 'vip' }] },
					'Tags must be a list of texts or a comma-separated text',
				],
				['tags given as an object', { tags: { vip: true } }, 'Tags must be a list of texts or a comma-separated text'],
			];

			it('reports every bad row as invalid with the field and what was expected, and imports the good rows around them', async () => {
				const t = await newTenant(db);
				const inputs: LeadInput[] = BAD_FIELDS.flatMap(([, fields], index) => [
					{ email: `good${index}@fine.test`, firstName: 'Good' },
					{ email: `bad${index}@fine.test`, ...fields },
				]);
				const outcomes = await t.as((tx) => importLeads(tx, inputs));
				expect(outcomes).toEqual(
					BAD_FIELDS.flatMap(([, , reason], index) => [
						{ status: 'created', id: expect.any(String), email: `good${index}@fine.test` },
						{ status: 'invalid', email: `bad${index}@fine.test`, reason },
					]),
				);
				const stored = await emailsOf(t.id);
				expect(stored).toHaveLength(BAD_FIELDS.length);
				expect(stored.every((email) => (email as string).startsWith('good'))).toBe(true);
			});

			it.each(BAD_FIELDS)(
				'refuses %s in saveLead with an InvalidInputError, and stores nothing',
				async (_label, fields, reason) => {
					const t = await newTenant(db);
					const attempt = t.as((tx) =>
						saveLead(tx, { email: 'single@fine.test', ...fields }, { onExisting: 'update' }),
					);
					await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
					await expect(attempt).rejects.toMatchObject({ message: reason });
					expect(await storedLeads(t.id)).toEqual([]);
				},
			);

			it('accepts names exactly as long as the columns hold, counting characters rather than UTF-16 units', async () => {
				const t = await newTenant(db);
				const emoji = '😀'.repeat(100); // 100 characters, 200 UTF-16 units
				const [outcome] = await t.as((tx) =>
					importLeads(tx, [
						{ email: 'long@fine.test', firstName: 'f'.repeat(100), lastName: emoji, company: 'c'.repeat(255) },
					]),
				);
				expect(outcome.status).toBe('created');
				const [row] = await storedLeads(t.id);
				expect(row).toMatchObject({ first_name: 'f'.repeat(100), last_name: emoji, company: 'c'.repeat(255) });
			});

			it('counts a tag in characters: a tag of 100 emoji fits', async () => {
				const t = await newTenant(db);
				const tag = '🔥'.repeat(100);
				const [outcome] = await t.as((tx) => importLeads(tx, [{ email: 'hot@fine.test', tags: [tag] }]));
				expect(outcome.status).toBe('created');
				expect((await storedLeads(t.id))[0].tags).toEqual([tag]);
			});

			it('takes numbers as names, JSON text as data, comma-separated tags, and well-formed emoji everywhere', async () => {
				const t = await newTenant(db);
				const [outcome] = await t.as((tx) =>
					importLeads(tx, [
						{
							email: 'mixed@fine.test',
							firstName: '  Zoë 🙂 ',
							company: 3,
							data: '{"score": 7, "city": "Köln 🏙", "when": null}',
							tags: ' vip, 🔥 ,, vip, new ',
						},
						{
							email: 'dates@fine.test',
							firstName: '',
							data: { since: new Date('2026-01-02T03:04:05.000Z'), skip: undefined },
						},
					]),
				);
				expect(outcome.status).toBe('created');
				expect(await storedLeads(t.id)).toEqual([
					expect.objectContaining({
						email: 'dates@fine.test',
						first_name: null,
						data: { since: '2026-01-02T03:04:05.000Z' },
					}),
					expect.objectContaining({
						email: 'mixed@fine.test',
						first_name: 'Zoë 🙂',
						company: '3',
						data: { score: 7, city: 'Köln 🏙', when: null },
						tags: ['vip', '🔥', 'new'],
					}),
				]);
			});
		});

		it('skips repeats within the import, naming the first item with that address', async () => {
			const t = await newTenant(db);
			const outcomes = await t.as((tx) =>
				importLeads(tx, [
					{ email: 'bad' },
					{ email: 'a@dup.test', firstName: 'First' },
					{ email: 'B@dup.test' },
					{ email: ' A@DUP.test', firstName: 'Second' },
					{ email: 'b@dup.test' },
					{ email: 'a@dup.test' },
				]),
			);
			expect(outcomes).toEqual([
				{ status: 'invalid', email: 'bad', reason: INVALID_EMAIL },
				{ status: 'created', id: expect.any(String), email: 'a@dup.test' },
				{ status: 'created', id: expect.any(String), email: 'b@dup.test' },
				{ status: 'skipped', email: 'a@dup.test', reason: 'duplicate of item 1 in this import' },
				{ status: 'skipped', email: 'b@dup.test', reason: 'duplicate of item 2 in this import' },
				{ status: 'skipped', email: 'a@dup.test', reason: 'duplicate of item 1 in this import' },
			]);
			const stored = await storedLeads(t.id);
			expect(stored.map((row) => [row.email, row.first_name])).toEqual([
				['a@dup.test', 'First'],
				['b@dup.test', null],
			]);
		});

		describe('existing leads', () => {
			let t: Tenant;
			let existing: Lead;

			beforeEach(async () => {
				t = await newTenant(db);
				existing = await lead(t, {
					email: 'known@old.test',
					firstName: 'Jane',
					lastName: 'Doe',
					company: 'Acme',
					data: { city: 'Lyon', size: 10 },
					tags: ['y', 'x'],
				});
				await t.as((tx) => setLeadStatus(tx, existing.id, 'replied'));
			});

			it("merges new fields, data and tags in with onExisting 'update' (the default), keeping names not given", async () => {
				const outcomes = await t.as((tx) =>
					importLeads(tx, [
						{
							email: 'KNOWN@old.test',
							firstName: null,
							lastName: 'Smith',
							company: '  ',
							data: { size: 20, role: 'CTO' },
							tags: 'z, y',
						},
						{ email: 'fresh@old.test' },
					]),
				);
				expect(outcomes).toEqual([
					{ status: 'updated', id: existing.id, email: 'known@old.test' },
					{ status: 'created', id: expect.any(String), email: 'fresh@old.test' },
				]);
				const updated = await t.as((tx) => getLead(tx, existing.id));
				expect(updated).toEqual({
					...existing,
					firstName: 'Jane',
					lastName: 'Smith',
					company: 'Acme',
					data: { city: 'Lyon', size: 20, role: 'CTO' },
					tags: ['x', 'y', 'z'],
					status: 'replied',
					updatedAt: expect.any(String),
				});
				expect(await storedLeads(t.id)).toHaveLength(2);
			});

			it("leaves an existing lead alone with onExisting 'skip' and reports its id", async () => {
				const before = await storedLeads(t.id);
				const outcomes = await t.as((tx) =>
					importLeads(
						tx,
						[{ email: 'known@old.test', firstName: 'Changed', data: { city: 'Paris' } }, { email: 'fresh@old.test' }],
						{
							onExisting: 'skip',
						},
					),
				);
				expect(outcomes).toEqual([
					{ status: 'skipped', email: 'known@old.test', reason: 'already exists', id: existing.id },
					{ status: 'created', id: expect.any(String), email: 'fresh@old.test' },
				]);
				const after = await storedLeads(t.id);
				expect(after.find((row) => row.id === existing.id)).toEqual(before[0]);
			});

			it('refuses an unknown onExisting choice, naming the field', async () => {
				await expect(
					t.as((tx) => importLeads(tx, [{ email: 'x@old.test' }], { onExisting: 'replace' as 'skip' })),
				).rejects.toMatchObject({ name: 'InvalidInputError', message: "Existing Leads must be 'update' or 'skip'" });
				expect(await emailsOf(t.id)).toEqual(['known@old.test']);
			});
		});

		describe('suppression list', () => {
			it('skips suppressed addresses and every address of a suppressed domain', async () => {
				const t = await newTenant(db);
				await t.as((tx) => addSuppression(tx, { target: 'Blocked@Mixed.test' }));
				await t.as((tx) => addSuppression(tx, { target: 'banned.test' }));
				// Rows written directly, as an unsubscribe link or a bounce handler would.
				await db.pool.query(
					`INSERT INTO unsubscribes (organization_id, scope, email, reason) VALUES ($1, 'email', 'owner@mixed.test', 'unsubscribed'),
					 ($1, 'domain', 'gone.test', 'competitor')`,
					[t.id],
				);
				const outcomes = await t.as((tx) =>
					importLeads(tx, [
						{ email: 'blocked@mixed.test' },
						{ email: 'ceo@BANNED.test' },
						{ email: 'ok@mixed.test' },
						{ email: 'owner@mixed.test' },
						{ email: 'anyone@gone.test' },
						{ email: 'banned.test@elsewhere.test' },
					]),
				);
				expect(outcomes).toEqual([
					{ status: 'skipped', email: 'blocked@mixed.test', reason: 'address is suppressed (unsubscribed)' },
					{ status: 'skipped', email: 'ceo@banned.test', reason: 'domain is suppressed' },
					{ status: 'created', id: expect.any(String), email: 'ok@mixed.test' },
					{ status: 'skipped', email: 'owner@mixed.test', reason: 'address is suppressed (unsubscribed)' },
					{ status: 'skipped', email: 'anyone@gone.test', reason: 'domain is suppressed' },
					{ status: 'created', id: expect.any(String), email: 'banned.test@elsewhere.test' },
				]);
				expect(await emailsOf(t.id)).toEqual(['banned.test@elsewhere.test', 'ok@mixed.test']);
			});

			it('names the address when both it and its domain are suppressed', async () => {
				const t = await newTenant(db);
				await t.as((tx) => addSuppression(tx, { target: 'both.test' }));
				await t.as((tx) => addSuppression(tx, { target: 'me@both.test' }));
				expect(await t.as((tx) => importLeads(tx, [{ email: 'me@both.test' }]))).toEqual([
					{ status: 'skipped', email: 'me@both.test', reason: 'address is suppressed (unsubscribed)' },
				]);
			});

			it('does not update an existing lead whose address was suppressed since', async () => {
				const t = await newTenant(db);
				const existing = await lead(t, { email: 'later@opt.test', firstName: 'Before' });
				await t.as((tx) => addSuppression(tx, { target: 'later@opt.test' }));
				const before = await storedLeads(t.id);
				expect(await t.as((tx) => importLeads(tx, [{ email: 'later@opt.test', firstName: 'After' }]))).toEqual([
					{ status: 'skipped', email: 'later@opt.test', reason: 'address is suppressed (unsubscribed)' },
				]);
				expect(await storedLeads(t.id)).toEqual(before);
				expect(before[0].id).toBe(existing.id);
			});
		});

		describe('campaigns', () => {
			it('keeps one lead per address per campaign, and one without a campaign', async () => {
				const t = await newTenant(db);
				const one = await campaignIn(t, 'draft');
				const two = await campaignIn(t, 'active');
				const [inOne] = await t.as((tx) =>
					importLeads(tx, [{ email: 'same@scope.test', firstName: 'One' }], { campaignId: one.id }),
				);
				const [inTwo] = await t.as((tx) =>
					importLeads(tx, [{ email: 'same@scope.test', firstName: 'Two' }], { campaignId: two.id }),
				);
				const [loose] = await t.as((tx) =>
					importLeads(tx, [{ email: 'same@scope.test', firstName: 'None' }], { campaignId: null }),
				);
				const ids = [inOne, inTwo, loose].map((outcome) => {
					expect(outcome.status).toBe('created');
					return (outcome as { id: string }).id;
				});
				expect(new Set(ids).size).toBe(3);
				const [again] = await t.as((tx) =>
					importLeads(tx, [{ email: 'same@scope.test', lastName: 'Again' }], { campaignId: one.id }),
				);
				expect(again).toEqual({ status: 'updated', id: ids[0], email: 'same@scope.test' });
				const stored = await storedLeads(t.id);
				expect(stored.map((row) => [row.id, row.campaign_id, row.first_name, row.last_name])).toEqual(
					expect.arrayContaining([
						[ids[0], one.id, 'One', 'Again'],
						[ids[1], two.id, 'Two', null],
						[ids[2], null, 'None', null],
					]),
				);
				expect(stored).toHaveLength(3);
			});

			it.each(['draft', 'active', 'paused'] as CampaignStatus[])(
				'imports into a campaign that is %s',
				async (status) => {
					const t = await newTenant(db);
					const campaign = await campaignIn(t, status);
					const [outcome] = await t.as((tx) =>
						importLeads(tx, [{ email: 'in@open.test' }], { campaignId: campaign.id }),
					);
					expect(outcome.status).toBe('created');
					expect((await storedLeads(t.id))[0].campaign_id).toBe(campaign.id);
				},
			);

			it.each(['completed', 'archived'] as CampaignStatus[])(
				'refuses to import into a campaign that is %s, and stores nothing',
				async (status) => {
					const t = await newTenant(db);
					const campaign = await campaignIn(t, status);
					const attempt = t.as((tx) =>
						importLeads(tx, [{ email: 'late@closed.test' }, { email: 'bad' }], { campaignId: campaign.id }),
					);
					await expect(attempt).rejects.toBeInstanceOf(ConflictError);
					await expect(attempt).rejects.toThrow(`Campaign ${campaign.id} is ${status} and takes no new leads`);
					await expect(
						t.as((tx) =>
							saveLead(tx, { email: 'late@closed.test' }, { campaignId: campaign.id, onExisting: 'update' }),
						),
					).rejects.toThrow(`Campaign ${campaign.id} is ${status} and takes no new leads`);
					expect(await storedLeads(t.id)).toEqual([]);
				},
			);

			it('reports an unknown campaign, or another organization’s, as not found and stores nothing', async () => {
				const t = await newTenant(db);
				const other = await newTenant(db);
				const theirs = await campaignIn(other, 'active');
				for (const campaignId of [randomUUID(), theirs.id]) {
					const attempt = t.as((tx) => importLeads(tx, [{ email: 'lost@nowhere.test' }], { campaignId }));
					await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
					await expect(attempt).rejects.toThrow(`Campaign ${campaignId} was not found in this organization`);
				}
				expect(await storedLeads(t.id)).toEqual([]);
				expect(await storedLeads(other.id)).toEqual([]);
			});
		});

		describe('batches', () => {
			/** The same organization state and input, to import with different batch sizes. */
			async function scenario(): Promise<{ t: Tenant; inputs: LeadInput[]; existingId: string }> {
				const t = await newTenant(db);
				const existing = await lead(t, { email: 'existing@eq.test', data: { a: 1 }, tags: ['old'] });
				await t.as((tx) => addSuppression(tx, { target: 'blocked@eq.test' }));
				await t.as((tx) => addSuppression(tx, { target: 'gone.test' }));
				const inputs: LeadInput[] = [
					{ email: 'new1@eq.test', firstName: 'N1' },
					{ email: 'EXISTING@eq.test', data: { b: 2 }, tags: ['new'] },
					{ email: 'broken' },
					{ email: 'new2@eq.test', tags: 'a,b' },
					{ email: 'new1@eq.test', firstName: 'dup' },
					{ email: 'blocked@eq.test' },
					{ email: 'x@gone.test' },
					{ email: 'new3@eq.test', data: { n: 3 } },
					{ email: ' NEW3@EQ.TEST' },
					{ email: 'new4@eq.test', firstName: 'N\u0000' },
				];
				return { t, inputs, existingId: existing.id };
			}

			const EXPECTED = (existingId: string): ImportOutcome[] => [
				{ status: 'created', id: expect.any(String), email: 'new1@eq.test' },
				{ status: 'updated', id: existingId, email: 'existing@eq.test' },
				{ status: 'invalid', email: 'broken', reason: INVALID_EMAIL },
				{ status: 'created', id: expect.any(String), email: 'new2@eq.test' },
				{ status: 'skipped', email: 'new1@eq.test', reason: 'duplicate of item 0 in this import' },
				{ status: 'skipped', email: 'blocked@eq.test', reason: 'address is suppressed (unsubscribed)' },
				{ status: 'skipped', email: 'x@gone.test', reason: 'domain is suppressed' },
				{ status: 'created', id: expect.any(String), email: 'new3@eq.test' },
				{ status: 'skipped', email: 'new3@eq.test', reason: 'duplicate of item 7 in this import' },
				{ status: 'invalid', email: 'new4@eq.test', reason: NO_NUL('First Name') },
			];

			const contentOf = async (organizationId: string) =>
				(await storedLeads(organizationId)).map((row) => [row.email, row.first_name, row.data, row.tags]);

			it.each([1, 3, 4])('gives the same outcomes and rows with %i rows a batch as in one batch', async (batchSize) => {
				const whole = await scenario();
				const wholeOutcomes = await whole.t.as((tx) => importLeads(tx, whole.inputs));
				expect(wholeOutcomes).toEqual(EXPECTED(whole.existingId));

				const split = await scenario();
				const splitOutcomes = await split.t.as((tx) => importLeads(tx, split.inputs, { batchSize }));
				expect(splitOutcomes).toEqual(EXPECTED(split.existingId));

				expect(await contentOf(split.t.id)).toEqual(await contentOf(whole.t.id));
				expect(await contentOf(split.t.id)).toEqual([
					['existing@eq.test', null, { a: 1, b: 2 }, ['new', 'old']],
					['new1@eq.test', 'N1', {}, []],
					['new2@eq.test', null, {}, ['a', 'b']],
					['new3@eq.test', null, { n: 3 }, []],
				]);
				// Every reported id is the stored lead of that address.
				const idOf = new Map((await storedLeads(split.t.id)).map((row) => [row.email, row.id]));
				for (const outcome of splitOutcomes) {
					if (outcome.status === 'created' || outcome.status === 'updated')
						expect(idOf.get(outcome.email)).toBe(outcome.id);
				}
			});

			it.each([0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY])(
				'refuses the batch size %p and stores nothing',
				async (batchSize) => {
					const t = await newTenant(db);
					const attempt = t.as((tx) => importLeads(tx, [{ email: 'never@size.test' }], { batchSize }));
					await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
					await expect(attempt).rejects.toThrow('Batch Size must be a whole number from 1 to 100000');
					expect(await storedLeads(t.id)).toEqual([]);
				},
			);

			it('imports 20,000 rows with the right outcome for each', async () => {
				const t = await newTenant(db);
				await t.as((tx) =>
					importLeads(
						tx,
						Array.from({ length: 100 }, (_, i) => ({ email: `lead${i}@bulk.test` })),
					),
				);
				await t.as((tx) => addSuppression(tx, { target: 'blocked.test' }));
				const inputs: LeadInput[] = Array.from({ length: 20_000 }, (_, i) => {
					if (i % 1000 === 999) return { email: `broken${i}` };
					if (i % 1000 === 998) return { email: `LEAD${i - 1}@bulk.test` };
					if (i % 1000 === 500) return { email: `lead${i}@blocked.test` };
					return { email: `lead${i}@bulk.test`, firstName: `First ${i}`, data: { row: i }, tags: [`t${i % 7}`] };
				});
				const outcomes = await t.as((tx) => importLeads(tx, inputs));

				expect(outcomes).toHaveLength(20_000);
				const counts: Record<string, number> = {};
				for (const outcome of outcomes) counts[outcome.status] = (counts[outcome.status] ?? 0) + 1;
				expect(counts).toEqual({ created: 19_840, updated: 100, skipped: 40, invalid: 20 });
				expect(outcomes[0]).toEqual({ status: 'updated', id: expect.any(String), email: 'lead0@bulk.test' });
				expect(outcomes[100]).toEqual({ status: 'created', id: expect.any(String), email: 'lead100@bulk.test' });
				expect(outcomes[500]).toEqual({
					status: 'skipped',
					email: 'lead500@blocked.test',
					reason: 'domain is suppressed',
				});
				expect(outcomes[19_998]).toEqual({
					status: 'skipped',
					email: 'lead19997@bulk.test',
					reason: 'duplicate of item 19997 in this import',
				});
				expect(outcomes[19_999]).toEqual({ status: 'invalid', email: 'broken19999', reason: INVALID_EMAIL });
				const { rows } = await db.pool.query(
					`SELECT count(*)::int AS leads, count(DISTINCT id)::int AS ids, count(*) FILTER (WHERE data->>'row' IS NOT NULL)::int AS with_data
					 FROM leads WHERE organization_id = $1`,
					[t.id],
				);
				expect(rows[0]).toEqual({ leads: 19_940, ids: 19_940, with_data: 19_940 });
				const stored = await t.as((tx) => getLead(tx, (outcomes[12_345] as { id: string }).id));
				expect(stored).toMatchObject({
					email: 'lead12345@bulk.test',
					firstName: 'First 12345',
					data: { row: 12_345 },
					tags: ['t4'],
				});
			});
		});
	});

	describe('limits (LEAD_LIMITS)', () => {
		const KB64 = 65_536;
		/** Custom fields exactly `bytes` long as PostgreSQL prints them: {"note": "xxx…"}. */
		const dataOf = (bytes: number) => ({ note: 'x'.repeat(bytes - '{"note": ""}'.length) });
		const tagsOf = (count: number, prefix = 't') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
		const TOO_BIG = (bytes: number, counted = 'given') =>
			`Custom Fields (data) must be at most 64 KB (65536 bytes) of JSON (${bytes} bytes ${counted})`;
		const TOO_MANY = (count: number, counted = 'given') => `Tags must be at most 100 tags (${count} ${counted})`;
		const TEN_MB = 10 * 1024 * 1024;

		it('measure a single row as PostgreSQL measures a merge, so a lead at the limit can still take an Import update of its tags', async () => {
			const t = await newTenant(db);
			const nested = { a: [1, 'two', { three: null, four: [true, false] }], 'é ü': { x: 1.5, y: [] }, empty: {} };
			const printed = async (value: object) =>
				(await db.pool.query(`SELECT octet_length($1::jsonb::text) AS n`, [JSON.stringify(value)])).rows[0].n;
			const data = { ...nested, pad: 'p'.repeat(KB64 - (await printed({ ...nested, pad: '' }))) };
			const [created] = await t.as((tx) => importLeads(tx, [{ email: 'edge@limits.test', data }]));
			expect(created).toMatchObject({ status: 'created' });
			const { rows } = await db.pool.query(
				`SELECT octet_length(data::text) AS bytes FROM leads WHERE email = 'edge@limits.test'`,
			);
			expect(rows[0].bytes).toBe(KB64);
			const [updated] = await t.as((tx) => importLeads(tx, [{ email: 'edge@limits.test', tags: ['later'] }]));
			expect(updated).toMatchObject({ status: 'updated' });
			const [over] = await t.as((tx) =>
				importLeads(tx, [{ email: 'edge-over@limits.test', data: { ...data, pad: `${data.pad}p` } }]),
			);
			expect(over).toMatchObject({ status: 'invalid', reason: TOO_BIG(KB64 + 1) });
		});

		it('are documented numbers', () => {
			expect(LEAD_LIMITS).toEqual({
				firstNameCharacters: 100,
				lastNameCharacters: 100,
				companyCharacters: 255,
				customFieldsBytes: KB64,
				tags: 100,
				tagCharacters: 100,
			});
		});

		it('refuse 10 MB of custom fields and 20,000 tags in the rows that hold them, and import the rows around them at the limits', async () => {
			const t = await newTenant(db);
			const outcomes = await t.as((tx) =>
				importLeads(tx, [
					{ email: 'full@limits.test', data: dataOf(KB64), tags: tagsOf(100) },
					{ email: 'huge@limits.test', data: dataOf(TEN_MB) },
					{ email: 'tagged@limits.test', tags: tagsOf(20_000) },
					{ email: 'one-over@limits.test', data: JSON.stringify(dataOf(KB64 + 1)) },
					{ email: 'comma@limits.test', tags: tagsOf(101).join(',') },
					{ email: 'fine@limits.test', firstName: 'Fine' },
				]),
			);
			expect(outcomes).toEqual([
				{ status: 'created', id: expect.any(String), email: 'full@limits.test' },
				{ status: 'invalid', email: 'huge@limits.test', reason: TOO_BIG(TEN_MB) },
				{ status: 'invalid', email: 'tagged@limits.test', reason: TOO_MANY(20_000) },
				{ status: 'invalid', email: 'one-over@limits.test', reason: TOO_BIG(KB64 + 1) },
				{ status: 'invalid', email: 'comma@limits.test', reason: TOO_MANY(101) },
				{ status: 'created', id: expect.any(String), email: 'fine@limits.test' },
			]);
			expect(await emailsOf(t.id)).toEqual(['fine@limits.test', 'full@limits.test']);
		});

		it.each<[string, Omit<LeadInput, 'email'>, string]>([
			['10 MB of custom fields', { data: dataOf(TEN_MB) }, TOO_BIG(TEN_MB)],
			['20,000 tags', { tags: tagsOf(20_000) }, TOO_MANY(20_000)],
		])('refuse %s in Create and Upsert with an InvalidInputError, storing nothing', async (_case, fields, message) => {
			const t = await newTenant(db);
			for (const onExisting of ['fail', 'update'] as const) {
				const attempt = t.as((tx) => saveLead(tx, { email: 'big@limits.test', ...fields }, { onExisting }));
				await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
				await expect(attempt).rejects.toMatchObject({ message });
			}
			expect(await storedLeads(t.id)).toEqual([]);
		});

		it('refuse an Update over the limit, alone or merged with the stored custom fields, and change nothing', async () => {
			const t = await newTenant(db);
			const stored = await lead(t, { email: 'grow@limits.test', data: { a: 'x'.repeat(40_000) } });
			const before = await storedLeads(t.id);
			const alone = t.as((tx) => updateLead(tx, stored.id, { data: dataOf(TEN_MB) }));
			await expect(alone).rejects.toBeInstanceOf(InvalidInputError);
			await expect(alone).rejects.toMatchObject({ message: TOO_BIG(TEN_MB) });
			const merged = t.as((tx) => updateLead(tx, stored.id, { data: { b: 'y'.repeat(30_000) } }));
			await expect(merged).rejects.toBeInstanceOf(InvalidInputError);
			await expect(merged).rejects.toThrow(
				/^Custom Fields \(data\) must be at most 64 KB \(65536 bytes\) of JSON \(700\d\d bytes with the lead's stored ones\)$/,
			);
			expect(await storedLeads(t.id)).toEqual(before);
			// Replacing a stored field with a smaller one, or removing it, still works.
			await expect(
				t.as((tx) => updateLead(tx, stored.id, { data: { a: null, b: 'y'.repeat(30_000) } })),
			).resolves.toMatchObject({
				data: { b: 'y'.repeat(30_000) },
			});
		});

		it('refuse Add Tags past 100 tags with the stored ones, and change nothing', async () => {
			const t = await newTenant(db);
			const stored = await lead(t, { email: 'tags@limits.test', tags: tagsOf(90, 'old') });
			const attempt = t.as((tx) => changeTags(tx, stored.id, tagsOf(11, 'new'), 'add'));
			await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
			await expect(attempt).rejects.toMatchObject({ message: TOO_MANY(101, "with the lead's stored ones") });
			expect((await t.as((tx) => getLead(tx, stored.id))).tags).toHaveLength(90);
			// Tags it already has do not count twice.
			await expect(
				t.as((tx) => changeTags(tx, stored.id, [...tagsOf(90, 'old'), ...tagsOf(10, 'new')], 'add')),
			).resolves.toMatchObject({
				tags: expect.arrayContaining(tagsOf(10, 'new')),
			});
		});

		it('report an Import row whose merge into an existing lead would pass a limit as invalid, and update the others', async () => {
			const t = await newTenant(db);
			await t.as((tx) =>
				importLeads(tx, [
					{ email: 'tags@merge.test', tags: tagsOf(60, 'old') },
					{ email: 'data@merge.test', data: { a: 'x'.repeat(40_000) } },
					{ email: 'ok@merge.test', tags: ['old'] },
				]),
			);
			const before = await storedLeads(t.id);
			const outcomes = await t.as((tx) =>
				importLeads(tx, [
					{ email: 'tags@merge.test', firstName: 'Never', tags: tagsOf(50, 'new') },
					{ email: 'data@merge.test', data: { b: 'y'.repeat(30_000) } },
					{ email: 'ok@merge.test', tags: ['new'] },
				]),
			);
			expect(outcomes).toEqual([
				{ status: 'invalid', email: 'tags@merge.test', reason: TOO_MANY(110, "with the lead's stored ones") },
				{
					status: 'invalid',
					email: 'data@merge.test',
					reason: expect.stringMatching(
						/^Custom Fields \(data\) must be at most 64 KB .*with the lead's stored ones\)$/,
					),
				},
				{ status: 'updated', id: expect.any(String), email: 'ok@merge.test' },
			]);
			const after = await storedLeads(t.id);
			expect(after.filter((row) => row.email !== 'ok@merge.test')).toEqual(
				before.filter((row) => row.email !== 'ok@merge.test'),
			);
			expect(after.find((row) => row.email === 'ok@merge.test')?.tags).toEqual(['new', 'old']);
			// With Skip Them, existing leads are left alone as before, whatever the new row holds.
			const skipped = await t.as((tx) =>
				importLeads(tx, [{ email: 'tags@merge.test', tags: tagsOf(50, 'new') }], { onExisting: 'skip' }),
			);
			expect(skipped).toEqual([
				{ status: 'skipped', email: 'tags@merge.test', reason: 'already exists', id: expect.any(String) },
			]);
		});
	});

	describe('saveLead', () => {
		it('creates a lead and returns it whole', async () => {
			const t = await newTenant(db);
			const saved = await t.as((tx) =>
				saveLead(
					tx,
					{ email: ' Jane@Example.com ', firstName: ' Jane ', tags: 'vip, vip, new', data: '{"city":"Lyon"}' },
					{ onExisting: 'fail' },
				),
			);
			expect(saved).toEqual({
				action: 'created',
				lead: {
					id: expect.any(String),
					organizationId: t.id,
					campaignId: null,
					email: 'jane@example.com',
					firstName: 'Jane',
					lastName: null,
					company: null,
					data: { city: 'Lyon' },
					status: 'active',
					tags: ['vip', 'new'],
					createdAt: expect.any(String),
					updatedAt: expect.any(String),
				},
			});
			expect(await t.as((tx) => getLead(tx, saved.lead.id))).toEqual(saved.lead);
		});

		it('refuses to create a lead whose address exists, saying where and what to use instead, and changes nothing', async () => {
			const t = await newTenant(db);
			const campaign = await campaignIn(t, 'draft');
			const loose = await lead(t, { email: 'taken@create.test', firstName: 'Kept' });
			const inCampaign = await lead(t, { email: 'taken@create.test', firstName: 'Kept too' }, campaign.id);
			const before = await storedLeads(t.id);
			await expect(
				t.as((tx) => saveLead(tx, { email: 'TAKEN@create.test', firstName: 'New' }, { onExisting: 'fail' })),
			).rejects.toMatchObject({
				name: 'ConflictError',
				message: `A lead with email taken@create.test already exists without a campaign (${loose.id})`,
				description: 'Use the Upsert operation to update it instead.',
			});
			await expect(
				t.as((tx) =>
					saveLead(
						tx,
						{ email: 'taken@create.test', firstName: 'New' },
						{ campaignId: campaign.id, onExisting: 'fail' },
					),
				),
			).rejects.toThrow(
				`A lead with email taken@create.test already exists in campaign ${campaign.id} (${inCampaign.id})`,
			);
			expect(await storedLeads(t.id)).toEqual(before);
		});

		it('upserts: creates, then merges into the same lead', async () => {
			const t = await newTenant(db);
			const campaign = await campaignIn(t, 'active');
			const created = await t.as((tx) =>
				saveLead(
					tx,
					{ email: 'up@sert.test', firstName: 'Una', data: { a: 1 }, tags: ['x'] },
					{ campaignId: campaign.id, onExisting: 'update' },
				),
			);
			expect(created).toMatchObject({ action: 'created', lead: { campaignId: campaign.id, firstName: 'Una' } });
			const updated = await t.as((tx) =>
				saveLead(
					tx,
					{ email: 'UP@sert.test', lastName: 'Later', data: { b: 2 }, tags: 'y' },
					{ campaignId: campaign.id, onExisting: 'update' },
				),
			);
			expect(updated).toEqual({
				action: 'updated',
				lead: {
					...created.lead,
					lastName: 'Later',
					data: { a: 1, b: 2 },
					tags: ['x', 'y'],
					updatedAt: expect.any(String),
				},
			});
		});

		it('refuses an invalid address with an InvalidInputError that shows what was received', async () => {
			const t = await newTenant(db);
			const attempt = t.as((tx) => saveLead(tx, { email: 'nope' }, { onExisting: 'update' }));
			await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
			await expect(attempt).rejects.toMatchObject({ message: INVALID_EMAIL, description: 'Received: "nope"' });
		});

		it('refuses a suppressed address or domain, saying why', async () => {
			const t = await newTenant(db);
			await t.as((tx) => addSuppression(tx, { target: 'no@thanks.test' }));
			await t.as((tx) => addSuppression(tx, { target: 'closed.test' }));
			await expect(
				t.as((tx) => saveLead(tx, { email: 'no@thanks.test' }, { onExisting: 'update' })),
			).rejects.toMatchObject({
				name: 'ConflictError',
				message: 'no@thanks.test cannot be added: its address is suppressed (unsubscribed)',
			});
			await expect(t.as((tx) => saveLead(tx, { email: 'ceo@closed.test' }, { onExisting: 'fail' }))).rejects.toThrow(
				'ceo@closed.test cannot be added: its domain is suppressed',
			);
			expect(await storedLeads(t.id)).toEqual([]);
		});
	});

	describe('getLead', () => {
		it('reports an unknown id as not found in this organization', async () => {
			const t = await newTenant(db);
			const id = randomUUID();
			const attempt = t.as((tx) => getLead(tx, id));
			await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
			await expect(attempt).rejects.toThrow(`Lead ${id} was not found in this organization`);
		});

		it('reads a lead written without tags as having none', async () => {
			const t = await newTenant(db);
			const { rows } = await db.pool.query(
				`INSERT INTO leads (organization_id, email) VALUES ($1, 'bare@raw.test') RETURNING id`,
				[t.id],
			);
			expect(await t.as((tx) => getLead(tx, rows[0].id))).toMatchObject({ email: 'bare@raw.test', tags: [], data: {} });
		});
	});

	describe('listLeads', () => {
		let t: Tenant;
		let one: Campaign;
		let two: Campaign;
		let l: Lead[];

		const names = async (filter: Parameters<typeof listLeads>[1]) =>
			(await t.as((tx) => listLeads(tx, filter))).map((found) => found.email.split('@')[0]);

		beforeAll(async () => {
			t = await newTenant(db);
			one = await campaignIn(t, 'draft');
			two = await campaignIn(t, 'draft');
			// One transaction each, so that every lead has its own created_at.
			l = [];
			l.push(await lead(t, { email: 'alice@acme.test', firstName: 'Alice', company: 'Acme', tags: ['vip'] }, one.id));
			l.push(await lead(t, { email: 'bob@beta.test', lastName: 'snake_case', tags: ['cold'] }, one.id));
			l.push(await lead(t, { email: 'carol@gamma.test', company: '100% Organic', tags: ['vip', 'cold'] }, two.id));
			l.push(await lead(t, { email: 'dave@acme.test', firstName: 'Dave' }));
			l.push(await lead(t, { email: 'erin@delta.test', company: '100 Organic Farms', lastName: 'snakeXcase' }));
			l[1] = await t.as((tx) => setLeadStatus(tx, l[1].id, 'paused'));
		});

		it('lists the newest first, as stored', async () => {
			const listed = await t.as((tx) => listLeads(tx, ALL));
			expect(listed).toEqual([...l].reverse());
		});

		it('finds by address, normalized', async () => {
			expect(await names({ ...ALL, email: ' ALICE@Acme.TEST ' })).toEqual(['alice']);
			expect(await names({ ...ALL, email: 'alice' })).toEqual([]);
			expect(await names({ ...ALL, email: 'nobody@acme.test' })).toEqual([]);
		});

		it('searches address, names and company case-insensitively', async () => {
			expect(await names({ ...ALL, search: ' ACME ' })).toEqual(['dave', 'alice']);
			expect(await names({ ...ALL, search: 'organic' })).toEqual(['erin', 'carol']);
			expect(await names({ ...ALL, search: 'DAV' })).toEqual(['dave']);
			expect(await names({ ...ALL, search: '   ' })).toHaveLength(5);
		});

		it('treats %, _ and \\ in a search as plain characters', async () => {
			expect(await names({ ...ALL, search: '%' })).toEqual(['carol']);
			expect(await names({ ...ALL, search: '100%' })).toEqual(['carol']);
			expect(await names({ ...ALL, search: '_' })).toEqual(['bob']);
			expect(await names({ ...ALL, search: 'snake_case' })).toEqual(['bob']);
			expect(await names({ ...ALL, search: '\\' })).toEqual([]);
			expect(await names({ ...ALL, search: '%%' })).toEqual([]);
		});

		it('filters by campaign, status and tag, alone and together', async () => {
			expect(await names({ ...ALL, campaignId: one.id })).toEqual(['bob', 'alice']);
			expect(await names({ ...ALL, campaignId: two.id })).toEqual(['carol']);
			expect(await names({ ...ALL, status: 'paused' })).toEqual(['bob']);
			expect(await names({ ...ALL, status: 'active' })).toEqual(['erin', 'dave', 'carol', 'alice']);
			expect(await names({ ...ALL, status: 'bounced' })).toEqual([]);
			expect(await names({ ...ALL, tag: 'vip' })).toEqual(['carol', 'alice']);
			expect(await names({ ...ALL, tag: ' cold ' })).toEqual(['carol', 'bob']);
			expect(await names({ ...ALL, tag: 'vi' })).toEqual([]);
			expect(await names({ ...ALL, campaignId: one.id, tag: 'vip' })).toEqual(['alice']);
			expect(await names({ ...ALL, campaignId: one.id, status: 'active', search: 'acme' })).toEqual(['alice']);
			expect(await names({ ...ALL, campaignId: randomUUID() })).toEqual([]);
		});

		it('pages with limit and offset', async () => {
			expect(await names({ limit: 2, offset: 0 })).toEqual(['erin', 'dave']);
			expect(await names({ limit: 2, offset: 2 })).toEqual(['carol', 'bob']);
			expect(await names({ limit: 2, offset: 4 })).toEqual(['alice']);
			expect(await names({ limit: 2, offset: 5 })).toEqual([]);
			expect(await names({ limit: 1, offset: 1, tag: 'vip' })).toEqual(['alice']);
		});
	});

	describe('updateLead', () => {
		let t: Tenant;
		let original: Lead;

		beforeEach(async () => {
			t = await newTenant(db);
			original = await lead(t, {
				email: 'edit@me.test',
				firstName: 'Jane',
				lastName: 'Doe',
				company: 'Acme',
				data: { city: 'Lyon', size: 10, keep: true },
				tags: ['a'],
			});
		});

		it('merges custom fields into data, removing the ones set to null, and leaves the names alone', async () => {
			const updated = await t.as((tx) =>
				updateLead(tx, original.id, { data: { size: 20, city: null, extra: { nested: [1, 2] } } }),
			);
			expect(updated).toEqual({
				...original,
				data: { size: 20, keep: true, extra: { nested: [1, 2] } },
				updatedAt: expect.any(String),
			});
			expect(await t.as((tx) => getLead(tx, original.id))).toEqual(updated);
		});

		it('accepts the data as JSON text', async () => {
			const updated = await t.as((tx) => updateLead(tx, original.id, { data: '{"keep": null, "tz": "Europe/Paris"}' }));
			expect(updated.data).toEqual({ city: 'Lyon', size: 10, tz: 'Europe/Paris' });
		});

		it('changes the names given, clears those set to null or blank, and keeps the others', async () => {
			const updated = await t.as((tx) => updateLead(tx, original.id, { firstName: '  Janet ', lastName: null }));
			expect(updated).toEqual({ ...original, firstName: 'Janet', lastName: null, updatedAt: expect.any(String) });
			const cleared = await t.as((tx) => updateLead(tx, original.id, { company: '   ' }));
			expect(cleared).toMatchObject({ firstName: 'Janet', lastName: null, company: null, data: original.data });
		});

		it.each<[string, Parameters<typeof updateLead>[2], string]>([
			['data that is not an object', { data: '[1]' }, NOT_AN_OBJECT],
			['data given as the JSON text null', { data: 'null' }, NOT_AN_OBJECT],
			['a NUL in a data key', { data: { 'a\u0000': 1 } }, NO_NUL('Custom Fields (data)')],
			[
				'a first name over 100 characters',
				{ firstName: 'x'.repeat(101), data: { size: 1 } },
				'First Name must be at most 100 characters',
			],
			['an unpaired surrogate in the company', { company: '\uD800', firstName: 'Ok' }, NO_SURROGATE('Company')],
		])('refuses %s naming the field, and changes nothing', async (_label, patch, message) => {
			const attempt = t.as((tx) => updateLead(tx, original.id, patch));
			await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
			await expect(attempt).rejects.toThrow(message);
			expect(await t.as((tx) => getLead(tx, original.id))).toEqual(original);
		});

		it('reports an unknown lead as not found', async () => {
			const id = randomUUID();
			await expect(t.as((tx) => updateLead(tx, id, { firstName: 'X' }))).rejects.toMatchObject({
				name: 'NotFoundError',
				message: `Lead ${id} was not found in this organization`,
			});
		});
	});

	describe('changeTags', () => {
		let t: Tenant;

		beforeAll(async () => {
			t = await newTenant(db);
		});

		it('adds tags without repeats, and removes them', async () => {
			const tagged = await lead(t, { email: 'tags@me.test', tags: ['b', 'a'] });
			expect((await t.as((tx) => changeTags(tx, tagged.id, 'c, a, c', 'add'))).tags).toEqual(['a', 'b', 'c']);
			expect((await t.as((tx) => changeTags(tx, tagged.id, ['d', ' d '], 'add'))).tags).toEqual(['a', 'b', 'c', 'd']);
			expect((await t.as((tx) => changeTags(tx, tagged.id, 'a, missing', 'remove'))).tags).toEqual(['b', 'c', 'd']);
			expect((await t.as((tx) => changeTags(tx, tagged.id, ['b', 'c', 'd'], 'remove'))).tags).toEqual([]);
			expect((await t.as((tx) => getLead(tx, tagged.id))).tags).toEqual([]);
		});

		it('adds to a lead stored without tags', async () => {
			const { rows } = await db.pool.query(
				`INSERT INTO leads (organization_id, email) VALUES ($1, 'null-tags@me.test') RETURNING id`,
				[t.id],
			);
			expect((await t.as((tx) => changeTags(tx, rows[0].id, 'first', 'add'))).tags).toEqual(['first']);
			expect((await t.as((tx) => changeTags(tx, rows[0].id, 'first', 'remove'))).tags).toEqual([]);
		});

		it.each<[string, unknown]>([
			['an empty text', ''],
			['only commas and blanks', ' , ,'],
			['an empty list', []],
			['nothing', null],
		])('refuses %s as the tags, and changes nothing', async (_label, tags) => {
			const tagged = await lead(t, { email: `${randomUUID()}@me.test`, tags: ['keep'] });
			for (const change of ['add', 'remove'] as const) {
				const attempt = t.as((tx) => changeTags(tx, tagged.id, tags, change));
				await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
				await expect(attempt).rejects.toThrow('Tags must be at least one tag');
			}
			expect((await t.as((tx) => getLead(tx, tagged.id))).tags).toEqual(['keep']);
		});

		it('refuses bad tags and unknown changes, naming the field', async () => {
			const tagged = await lead(t, { email: `${randomUUID()}@me.test`, tags: ['keep'] });
			await expect(t.as((tx) => changeTags(tx, tagged.id, ['ok', 'n\u0000'], 'add'))).rejects.toThrow(NO_NUL('Tags'));
			await expect(t.as((tx) => changeTags(tx, tagged.id, 'x'.repeat(101), 'add'))).rejects.toThrow(
				'Tags must be tags of at most 100 characters',
			);
			await expect(t.as((tx) => changeTags(tx, tagged.id, 'ok', 'toggle' as 'add'))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: "Change must be 'add' or 'remove'",
			});
			expect((await t.as((tx) => getLead(tx, tagged.id))).tags).toEqual(['keep']);
		});

		it('reports an unknown lead as not found', async () => {
			const id = randomUUID();
			await expect(t.as((tx) => changeTags(tx, id, 'x', 'add'))).rejects.toThrow(
				`Lead ${id} was not found in this organization`,
			);
		});
	});

	describe('setLeadStatus', () => {
		let t: Tenant;
		let campaign: Campaign;

		beforeAll(async () => {
			t = await newTenant(db);
			campaign = await campaignIn(t, 'active');
		});

		it.each([...LEAD_STATUSES])('sets the status %s', async (status) => {
			const target = await lead(t, { email: `${status}@status.test` }, campaign.id);
			const updated = await t.as((tx) => setLeadStatus(tx, target.id, status));
			expect(updated).toEqual({ ...target, status, updatedAt: expect.any(String) });
			expect((await t.as((tx) => getLead(tx, target.id))).status).toBe(status);
		});

		it.each(['deleted', 'Active', ''])(
			'refuses the status %p naming the allowed ones, and changes nothing',
			async (status) => {
				const target = await lead(t, { email: `${randomUUID()}@status.test` }, campaign.id);
				const queued = await addQueued(t.id, campaign.id, target.id);
				const attempt = t.as((tx) => setLeadStatus(tx, target.id, status));
				await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
				await expect(attempt).rejects.toMatchObject({
					message: 'Status must be one of active, paused, completed, replied, bounced, unsubscribed, not_interested',
					description: `Received: ${JSON.stringify(status)}`,
				});
				expect(await t.as((tx) => getLead(tx, target.id))).toEqual(target);
				expect(await queueRows([queued])).toEqual({ [queued]: { status: 'queued', error: null } });
			},
		);

		it.each(LEAD_STATUSES.filter((status) => status !== 'active'))(
			'%s: cancels what is queued for that lead only, and keeps what was sent',
			async (status) => {
				const target = await lead(t, { email: `${randomUUID()}@queue.test` }, campaign.id);
				const other = await lead(t, { email: `${randomUUID()}@queue.test` }, campaign.id);
				const queued1 = await addQueued(t.id, campaign.id, target.id);
				const queued2 = await addQueued(t.id, campaign.id, target.id);
				const sent = await addQueued(t.id, campaign.id, target.id, 'sent');
				const failed = await addQueued(t.id, campaign.id, target.id, 'failed');
				const othersQueued = await addQueued(t.id, campaign.id, other.id);

				await t.as((tx) => setLeadStatus(tx, target.id, status));

				expect(await queueRows([queued1, queued2, sent, failed, othersQueued])).toEqual({
					[queued1]: { status: 'cancelled', error: `lead ${status}` },
					[queued2]: { status: 'cancelled', error: `lead ${status}` },
					[sent]: { status: 'sent', error: null },
					[failed]: { status: 'failed', error: null },
					[othersQueued]: { status: 'queued', error: null },
				});
			},
		);

		it('active: keeps the queue as it is', async () => {
			const target = await lead(t, { email: `${randomUUID()}@queue.test` }, campaign.id);
			const queued = await addQueued(t.id, campaign.id, target.id);
			await t.as((tx) => setLeadStatus(tx, target.id, 'active'));
			expect(await queueRows([queued])).toEqual({ [queued]: { status: 'queued', error: null } });
		});

		it('reports an unknown lead as not found', async () => {
			const id = randomUUID();
			await expect(t.as((tx) => setLeadStatus(tx, id, 'paused'))).rejects.toThrow(
				`Lead ${id} was not found in this organization`,
			);
		});
	});

	describe('eraseLeads', () => {
		let t: Tenant;
		let one: Campaign;
		let two: Campaign;

		beforeEach(async () => {
			t = await newTenant(db);
			one = await campaignIn(t, 'active');
			two = await campaignIn(t, 'active');
		});

		/** A lead with two emails (one sent, one queued) and three activities (one tied only to the email). */
		async function leadWithHistory(email: string, campaignId: string) {
			const target = await lead(t, { email, firstName: 'Erase' }, campaignId);
			const sent = await addQueued(t.id, campaignId, target.id, 'sent');
			const queued = await addQueued(t.id, campaignId, target.id, 'queued');
			const activities = [
				await addActivity(t.id, campaignId, { leadId: target.id, queueId: sent }, 'sent'),
				await addActivity(t.id, campaignId, { leadId: target.id, queueId: sent }, 'opened'),
				await addActivity(t.id, campaignId, { queueId: sent }, 'clicked'),
			];
			return { lead: target, queue: [sent, queued], activities };
		}

		const exists = async (table: string, ids: string[]) =>
			(await db.pool.query(`SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`, [ids])).rows
				.map((row) => row.id)
				.sort();

		it('erases one lead by id with its emails and activities, and nothing else', async () => {
			const doomed = await leadWithHistory('gone@erase.test', one.id);
			const sameAddress = await leadWithHistory('gone@erase.test', two.id);
			const neighbour = await leadWithHistory('stay@erase.test', one.id);

			expect(await t.as((tx) => eraseLeads(tx, { id: doomed.lead.id }))).toEqual({
				erasedLeads: 1,
				erasedEmails: 2,
				erasedActivities: 3,
				stillSuppressed: false,
			});

			expect(await exists('leads', [doomed.lead.id, sameAddress.lead.id, neighbour.lead.id])).toEqual(
				[sameAddress.lead.id, neighbour.lead.id].sort(),
			);
			expect(await exists('email_queue', [...doomed.queue, ...sameAddress.queue, ...neighbour.queue])).toEqual(
				[...sameAddress.queue, ...neighbour.queue].sort(),
			);
			expect(
				await exists('email_activities', [...doomed.activities, ...sameAddress.activities, ...neighbour.activities]),
			).toEqual([...sameAddress.activities, ...neighbour.activities].sort());
		});

		it('erases every lead with an address by email (normalized), and keeps its suppression entry', async () => {
			const inOne = await leadWithHistory('gdpr@erase.test', one.id);
			const inTwo = await leadWithHistory('gdpr@erase.test', two.id);
			const loose = await lead(t, { email: 'gdpr@erase.test' });
			const neighbour = await leadWithHistory('stay@erase.test', one.id);
			const suppression = await t.as((tx) => addSuppression(tx, { target: 'gdpr@erase.test', reason: 'unsubscribed' }));
			const neighbourBefore = await storedLeads(t.id).then((rows) => rows.find((row) => row.id === neighbour.lead.id));

			expect(await t.as((tx) => eraseLeads(tx, { email: '  GDPR@Erase.test ' }))).toEqual({
				erasedLeads: 3,
				erasedEmails: 4,
				erasedActivities: 6,
				stillSuppressed: true,
			});

			expect(await emailsOf(t.id)).toEqual(['stay@erase.test']);
			expect((await storedLeads(t.id))[0]).toEqual(neighbourBefore);
			expect(await exists('leads', [inOne.lead.id, inTwo.lead.id, loose.id])).toEqual([]);
			expect(await exists('email_queue', [...inOne.queue, ...inTwo.queue])).toEqual([]);
			expect(await exists('email_activities', [...inOne.activities, ...inTwo.activities])).toEqual([]);
			expect(await exists('email_queue', neighbour.queue)).toEqual([...neighbour.queue].sort());
			expect(await exists('email_activities', neighbour.activities)).toEqual([...neighbour.activities].sort());
			const { rows } = await db.pool.query('SELECT scope, email, reason FROM unsubscribes WHERE id = $1', [
				suppression.id,
			]);
			expect(rows).toEqual([{ scope: 'email', email: 'gdpr@erase.test', reason: 'unsubscribed' }]);
			// Still suppressed: a later import skips the address.
			expect(await t.as((tx) => importLeads(tx, [{ email: 'gdpr@erase.test' }]))).toEqual([
				{ status: 'skipped', email: 'gdpr@erase.test', reason: 'address is suppressed (unsubscribed)' },
			]);
		});

		it('reports the address as still suppressed when its whole domain is', async () => {
			await lead(t, { email: 'someone@blocked-domain.test' });
			await t.as((tx) => addSuppression(tx, { target: 'blocked-domain.test' }));
			expect(await t.as((tx) => eraseLeads(tx, { email: 'someone@blocked-domain.test' }))).toEqual({
				erasedLeads: 1,
				erasedEmails: 0,
				erasedActivities: 0,
				stillSuppressed: true,
			});
		});

		it('reports unknown leads as not found and a bad address as invalid, erasing nothing', async () => {
			await leadWithHistory('keep@erase.test', one.id);
			const before = await everything(t.id);
			const id = randomUUID();
			await expect(t.as((tx) => eraseLeads(tx, { id }))).rejects.toMatchObject({
				name: 'NotFoundError',
				message: `Lead ${id} was not found in this organization`,
			});
			await expect(t.as((tx) => eraseLeads(tx, { email: 'Nobody@erase.test' }))).rejects.toMatchObject({
				name: 'NotFoundError',
				message: 'Lead nobody@erase.test was not found in this organization',
			});
			await expect(t.as((tx) => eraseLeads(tx, { email: 'keep' }))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: INVALID_EMAIL,
			});
			expect(await everything(t.id)).toEqual(before);
		});
	});

	describe('exportLeadData', () => {
		it('returns the leads, emails, activities and suppressions of that address only', async () => {
			const t = await newTenant(db);
			const campaign = await campaignIn(t, 'active');
			const inCampaign = await lead(
				t,
				{ email: 'me@export.test', firstName: 'Me', data: { city: 'Lyon' } },
				campaign.id,
			);
			const loose = await lead(t, { email: 'me@export.test' });
			const other = await lead(t, { email: 'other@export.test' }, campaign.id);
			const sent = await addQueued(t.id, campaign.id, inCampaign.id, 'sent');
			const othersEmail = await addQueued(t.id, campaign.id, other.id, 'sent');
			const opened = await addActivity(t.id, campaign.id, { leadId: inCampaign.id, queueId: sent }, 'opened');
			const clicked = await addActivity(t.id, campaign.id, { queueId: sent }, 'clicked');
			await addActivity(t.id, campaign.id, { leadId: other.id, queueId: othersEmail }, 'opened');
			await t.as((tx) => addSuppression(tx, { target: 'me@export.test', reason: 'asked' }));
			await t.as((tx) => addSuppression(tx, { target: 'export.test', reason: 'whole company' }));
			await t.as((tx) => addSuppression(tx, { target: 'other@export.test' }));
			await t.as((tx) => addSuppression(tx, { target: 'elsewhere.test' }));

			const exported = await t.as((tx) => exportLeadData(tx, ' ME@export.test '));

			expect(exported).toEqual({
				email: 'me@export.test',
				exportedAt: expect.any(String),
				leads: [inCampaign, loose],
				emails: [
					expect.objectContaining({
						id: sent,
						leadId: inCampaign.id,
						campaignId: campaign.id,
						subject: 'Hi',
						body: 'Hello',
						status: 'sent',
					}),
				],
				activities: expect.arrayContaining([
					expect.objectContaining({
						id: opened,
						leadId: inCampaign.id,
						eventType: 'opened',
						ipAddress: '203.0.113.7',
						userAgent: 'Mail/1.0',
					}),
					expect.objectContaining({ id: clicked, leadId: null, emailQueueId: sent, eventType: 'clicked' }),
				]),
				suppressions: [
					{ scope: 'email', email: 'me@export.test', reason: 'asked', campaignId: null, createdAt: expect.any(String) },
					{
						scope: 'domain',
						email: 'export.test',
						reason: 'whole company',
						campaignId: null,
						createdAt: expect.any(String),
					},
				],
			});
			expect(exported.activities).toHaveLength(2);
			expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
		});

		it('returns empty lists for an address it holds nothing about, and refuses a bad address', async () => {
			const t = await newTenant(db);
			expect(await t.as((tx) => exportLeadData(tx, 'unknown@export.test'))).toEqual({
				email: 'unknown@export.test',
				exportedAt: expect.any(String),
				leads: [],
				emails: [],
				activities: [],
				suppressions: [],
			});
			await expect(t.as((tx) => exportLeadData(tx, 'not-an-address'))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: INVALID_EMAIL,
			});
		});
	});

	describe('tenant safety', () => {
		let a: Tenant;
		let b: Tenant;
		let campaignA: Campaign;
		let leadA: Lead;
		let looseA: Lead;
		let queuedA: string;
		let before: Awaited<ReturnType<typeof everything>>;

		beforeAll(async () => {
			a = await newTenant(db, 'alpha');
			b = await newTenant(db, 'intruder');
			campaignA = await campaignIn(a, 'active');
			leadA = await lead(
				a,
				{ email: 'secret@alpha.test', firstName: 'Secret', company: 'Alpha', data: { k: 'v' }, tags: ['vip'] },
				campaignA.id,
			);
			looseA = await lead(a, { email: 'loose@alpha.test' });
			await a.as((tx) => addSuppression(tx, { target: 'secret@alpha.test' }));
			queuedA = await addQueued(a.id, campaignA.id, leadA.id);
			await addActivity(a.id, campaignA.id, { leadId: leadA.id, queueId: queuedA }, 'opened');
			// B has a lead of its own, so its lists are not empty by accident.
			await lead(b, { email: 'own@beta.test', firstName: 'Own' });
			before = await everything(a.id);
		});

		const notFound = (id: string) => ({
			name: 'NotFoundError',
			message: `Lead ${id} was not found in this organization`,
		});

		it('does not let B get, update, tag, set the status of, or erase A’s leads', async () => {
			for (const target of [leadA, looseA]) {
				await expect(b.as((tx) => getLead(tx, target.id))).rejects.toMatchObject(notFound(target.id));
				await expect(
					b.as((tx) => updateLead(tx, target.id, { firstName: 'Hijacked', data: { k: null } })),
				).rejects.toMatchObject(notFound(target.id));
				for (const change of ['add', 'remove'] as const) {
					await expect(b.as((tx) => changeTags(tx, target.id, 'vip', change))).rejects.toMatchObject(
						notFound(target.id),
					);
				}
				for (const status of LEAD_STATUSES) {
					await expect(b.as((tx) => setLeadStatus(tx, target.id, status))).rejects.toMatchObject(notFound(target.id));
				}
				await expect(b.as((tx) => eraseLeads(tx, { id: target.id }))).rejects.toMatchObject(notFound(target.id));
				await expect(b.as((tx) => eraseLeads(tx, { email: target.email }))).rejects.toMatchObject(
					notFound(target.email),
				);
			}
		});

		it('exports nothing of A to B', async () => {
			expect(await b.as((tx) => exportLeadData(tx, 'secret@alpha.test'))).toEqual({
				email: 'secret@alpha.test',
				exportedAt: expect.any(String),
				leads: [],
				emails: [],
				activities: [],
				suppressions: [],
			});
		});

		it('never lists A’s leads to B, whatever the filter', async () => {
			const filters = [
				{},
				{ email: 'secret@alpha.test' },
				{ search: 'alpha' },
				{ campaignId: campaignA.id },
				{ tag: 'vip' },
				{ status: 'active' as const },
			];
			for (const filter of filters) {
				const listed = await b.as((tx) => listLeads(tx, { ...filter, ...ALL }));
				expect(listed.every((found) => found.organizationId === b.id)).toBe(true);
			}
			expect((await b.as((tx) => listLeads(tx, ALL))).map((found) => found.email)).toEqual(['own@beta.test']);
		});

		it('does not let B import into A’s campaign', async () => {
			await expect(
				b.as((tx) => importLeads(tx, [{ email: 'x@beta.test' }], { campaignId: campaignA.id })),
			).rejects.toMatchObject({
				name: 'NotFoundError',
				message: `Campaign ${campaignA.id} was not found in this organization`,
			});
		});

		it('keeps each organization’s leads and suppression list separate', async () => {
			// A suppressed secret@alpha.test: that binds A only. B's import of the same address makes B's own lead.
			const [own] = await b.as((tx) =>
				importLeads(tx, [{ email: 'secret@alpha.test', firstName: 'B copy' }, { email: 'loose@alpha.test' }]),
			);
			expect(own).toEqual({ status: 'created', id: expect.any(String), email: 'secret@alpha.test' });
			expect((own as { id: string }).id).not.toBe(leadA.id);
			// B suppressing an address does not stop A.
			await b.as((tx) => addSuppression(tx, { target: 'shared@gamma.test' }));
			await b.as((tx) => addSuppression(tx, { target: 'gamma.test' }));
			const [forA] = await a.as((tx) => importLeads(tx, [{ email: 'shared@gamma.test' }]));
			expect(forA.status).toBe('created');
			await a.as((tx) => eraseLeads(tx, { email: 'shared@gamma.test' }));
			// B erasing its copies leaves A's leads.
			expect(await b.as((tx) => eraseLeads(tx, { email: 'secret@alpha.test' }))).toMatchObject({
				erasedLeads: 1,
				stillSuppressed: false,
			});
			expect(await b.as((tx) => eraseLeads(tx, { email: 'loose@alpha.test' }))).toMatchObject({ erasedLeads: 1 });
		});

		it('leaves A’s leads, queue, activities and suppressions exactly as they were', async () => {
			expect(await everything(a.id)).toEqual(before);
			expect(await a.as((tx) => getLead(tx, leadA.id))).toEqual(leadA);
			expect(await queueRows([queuedA])).toEqual({ [queuedA]: { status: 'queued', error: null } });
		});
	});
});
