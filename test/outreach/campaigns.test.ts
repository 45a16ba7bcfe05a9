import { randomUUID } from 'node:crypto';

import {
	type Campaign,
	CAMPAIGN_STATUSES,
	type CampaignAction,
	type CampaignStatus,
	createCampaign,
	deleteCampaign,
	getCampaign,
	listCampaigns,
	transitionCampaign,
	updateCampaign,
} from '../../nodes/core/outreach';
import { ConflictError, InvalidInputError, NotFoundError, OphirError } from '../../nodes/core/validation';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { CONFIG_DEFAULTS, moveDraftTo } from '../support/outreach';
import { rawRows } from '../support/rawRows';
import { type ActAs, newTenant } from '../support/tenants';

type Tenant = { id: string; as: ActAs };

const POSTAL_ADDRESS = '1 Main Street, Springfield, IL 62701, USA';
const ONE_STEP = [{ subject: 'Hi {{firstName}}', body: 'Hello there' }];
const ACTIONS: CampaignAction[] = ['activate', 'pause', 'resume', 'complete', 'archive'];
/** Every allowed move: [from, action, to]. */
const VALID_MOVES: Array<[CampaignStatus, CampaignAction, CampaignStatus]> = [
	['draft', 'activate', 'active'],
	['active', 'pause', 'paused'],
	['paused', 'resume', 'active'],
	['active', 'complete', 'completed'],
	['paused', 'complete', 'completed'],
	['draft', 'archive', 'archived'],
	['paused', 'archive', 'archived'],
	['completed', 'archive', 'archived'],
];
const INVALID_MOVES = CAMPAIGN_STATUSES.flatMap((status) =>
	ACTIONS.filter((action) => !VALID_MOVES.some(([from, a]) => from === status && a === action)).map(
		(action) => [status, action] as [CampaignStatus, CampaignAction],
	),
);

describe('campaigns', () => {
	let db: TestDatabase;
	const { addLead, addQueued, queueRows } = rawRows(() => db);
	let a: Tenant;
	let accountA: string;

	/** A mailbox row of the organization, written as the database owner. */
	async function addAccount(organizationId: string): Promise<string> {
		const { rows } = await db.pool.query(
			`INSERT INTO email_accounts (organization_id, email, provider) VALUES ($1, $2, 'smtp') RETURNING id`,
			[organizationId, `box-${randomUUID().slice(0, 8)}@sender.test`],
		);
		return rows[0].id;
	}

	async function addTemplate(organizationId: string): Promise<string> {
		const { rows } = await db.pool.query(
			`INSERT INTO templates (organization_id, name, subject, body) VALUES ($1, 'intro', 'Hi', 'Hello') RETURNING id`,
			[organizationId],
		);
		return rows[0].id;
	}

	/** What a campaign needs to activate: a step, a mailbox of the organization, a postal address. */
	const sendable = (accountId: string, extra: Record<string, unknown> = {}) => ({
		sequence: ONE_STEP,
		accountIds: [accountId],
		postalAddress: POSTAL_ADDRESS,
		...extra,
	});

	/** A sendable campaign of `tenant`, brought to `status` through the transitions themselves. */
	async function campaignIn(tenant: Tenant, accountId: string, status: CampaignStatus): Promise<Campaign> {
		const campaign = await tenant.as((tx) =>
			createCampaign(tx, { name: `${status} campaign`, config: sendable(accountId) }),
		);
		return moveDraftTo(tenant.as, campaign, status);
	}

	const statusOf = async (tenant: Tenant, id: string) => (await tenant.as((tx) => getCampaign(tx, id))).status;

	beforeAll(async () => {
		db = await createTestDatabase();
		a = await newTenant(db, 'alpha');
		accountA = await addAccount(a.id);
	});
	afterAll(async () => {
		await db.drop();
	});

	describe('createCampaign', () => {
		it('creates a draft of the acting organization with every config default filled in', async () => {
			const campaign = await a.as((tx) => createCampaign(tx, { name: '  Q3 outreach  ' }));
			expect(campaign).toEqual({
				id: expect.any(String),
				organizationId: a.id,
				name: 'Q3 outreach',
				status: 'draft',
				config: CONFIG_DEFAULTS,
				createdBy: null,
				createdAt: expect.any(String),
				updatedAt: expect.any(String),
			});
			const { rows } = await db.pool.query(
				'SELECT organization_id, name, status, config FROM campaigns WHERE id = $1',
				[campaign.id],
			);
			expect(rows).toEqual([{ organization_id: a.id, name: 'Q3 outreach', status: 'draft', config: CONFIG_DEFAULTS }]);
		});

		it('completes a partial config and keeps what was given', async () => {
			const campaign = await a.as((tx) =>
				createCampaign(tx, {
					name: 'Partial',
					config: {
						sequence: [
							{ subject: 'First', body: 'One' },
							{
								delayDays: 3,
								variants: [
									{ subject: 'A', body: 'a', weight: 2 },
									{ subject: 'B', body: 'b' },
								],
							},
						],
						timezone: 'Europe/Paris',
						sendingWindow: { startHour: 8 },
						postalAddress: POSTAL_ADDRESS,
					},
				}),
			);
			expect(campaign.config).toEqual({
				...CONFIG_DEFAULTS,
				sequence: [
					{ subject: 'First', body: 'One', delayDays: 0, delayHours: 0, delayMinutes: 0 },
					{
						delayDays: 3,
						delayHours: 0,
						delayMinutes: 0,
						variants: [
							{ subject: 'A', body: 'a', weight: 2 },
							{ subject: 'B', body: 'b', weight: 1 },
						],
					},
				],
				timezone: 'Europe/Paris',
				sendingWindow: { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], startHour: 8, endHour: 17 },
				postalAddress: POSTAL_ADDRESS,
			});
			expect((await a.as((tx) => getCampaign(tx, campaign.id))).config).toEqual(campaign.config);
		});

		it('accepts the config as JSON text and records who created it', async () => {
			const { rows } = await db.pool.query(
				`INSERT INTO users (organization_id, email) VALUES ($1, 'creator@alpha.test') RETURNING id`,
				[a.id],
			);
			const campaign = await a.as((tx) =>
				createCampaign(tx, {
					name: 'From JSON',
					config: JSON.stringify({ timezone: 'Asia/Tokyo' }),
					createdBy: rows[0].id,
				}),
			);
			expect(campaign.config).toEqual({ ...CONFIG_DEFAULTS, timezone: 'Asia/Tokyo' });
			expect(campaign.createdBy).toBe(rows[0].id);
		});

		it('refuses as creator another organization’s user exactly like an unknown one, and stores nothing', async () => {
			const other = await newTenant(db, 'creator-elsewhere');
			const { rows } = await db.pool.query(
				`INSERT INTO users (organization_id, email) VALUES ($1, 'someone@elsewhere.test') RETURNING id`,
				[other.id],
			);
			const before = await a.as((tx) => listCampaigns(tx, { limit: 1000, offset: 0 }));
			for (const user of [rows[0].id as string, randomUUID()]) {
				await expect(
					a.as((tx) => createCampaign(tx, { name: 'Borrowed creator', createdBy: user })),
				).rejects.toMatchObject({
					name: 'NotFoundError',
					message: `User ${user} was not found in this organization`,
				});
			}
			await expect(a.as((tx) => createCampaign(tx, { name: 'Bad creator', createdBy: 'admin' }))).rejects.toThrow(
				'Created By must be a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7',
			);
			expect(await a.as((tx) => listCampaigns(tx, { limit: 1000, offset: 0 }))).toHaveLength(before.length);
		});

		it('rejects an invalid config naming the path of the problem, and stores nothing', async () => {
			const before = await a.as((tx) => listCampaigns(tx, { limit: 1000, offset: 0 }));
			await expect(
				a.as((tx) =>
					createCampaign(tx, {
						name: 'Broken',
						config: {
							sequence: [
								{ subject: 'a', body: 'b' },
								{ delayDays: -1, subject: 'c', body: 'd' },
							],
						},
					}),
				),
			).rejects.toMatchObject({
				name: 'OphirError',
				message: 'Invalid campaign config: config.sequence[1].delayDays must be >= 0',
			});
			await expect(
				a.as((tx) => createCampaign(tx, { name: 'Broken', config: { timezone: 'Mars/Olympus', trackng: {} } })),
			).rejects.toThrow(
				'Invalid campaign config: config.timezone must be an IANA time zone such as America/New_York; config.trackng is not a known setting',
			);
			expect(await a.as((tx) => listCampaigns(tx, { limit: 1000, offset: 0 }))).toHaveLength(before.length);
		});

		it.each(['', '   '])('rejects the empty name %j naming the field', async (name) => {
			const error = a.as((tx) => createCampaign(tx, { name }));
			await expect(error).rejects.toBeInstanceOf(InvalidInputError);
			await expect(error).rejects.toMatchObject({ message: 'Name must be a non-empty text' });
		});

		it('rejects a name longer than the column holds, naming the field', async () => {
			await expect(a.as((tx) => createCampaign(tx, { name: 'x'.repeat(256) }))).rejects.toMatchObject({
				name: 'InvalidInputError',
				message: 'Name must be at most 255 characters',
			});
			const campaign = await a.as((tx) => createCampaign(tx, { name: 'x'.repeat(255) }));
			expect(campaign.name).toHaveLength(255);
		});
	});

	describe('getCampaign and listCampaigns', () => {
		let t: Tenant;
		let created: Campaign[];

		beforeAll(async () => {
			t = await newTenant(db, 'lister');
			const account = await addAccount(t.id);
			created = [];
			// One transaction each, so that every campaign has its own created_at.
			for (const name of ['first', 'second', 'third', 'fourth']) {
				created.push(await t.as((tx) => createCampaign(tx, { name, config: sendable(account) })));
			}
			created[1] = await t.as((tx) => transitionCampaign(tx, created[1].id, 'activate'));
			created[3] = await t.as((tx) => transitionCampaign(tx, created[3].id, 'activate'));
		});

		it('gets a campaign by id as it was stored', async () => {
			const campaign = await t.as((tx) => getCampaign(tx, created[1].id));
			expect(campaign).toEqual(created[1]);
		});

		it('reports an unknown id as not found in this organization', async () => {
			const id = randomUUID();
			const error = t.as((tx) => getCampaign(tx, id));
			await expect(error).rejects.toBeInstanceOf(NotFoundError);
			await expect(error).rejects.toThrow(`Campaign ${id} was not found in this organization`);
		});

		it('lists the newest first', async () => {
			const listed = await t.as((tx) => listCampaigns(tx, { limit: 50, offset: 0 }));
			expect(listed.map((c) => c.name)).toEqual(['fourth', 'third', 'second', 'first']);
			expect(listed[0]).toEqual(created[3]);
		});

		it('filters by status', async () => {
			const active = await t.as((tx) => listCampaigns(tx, { status: 'active', limit: 50, offset: 0 }));
			expect(active.map((c) => c.name)).toEqual(['fourth', 'second']);
			const drafts = await t.as((tx) => listCampaigns(tx, { status: 'draft', limit: 50, offset: 0 }));
			expect(drafts.map((c) => c.name)).toEqual(['third', 'first']);
			expect(await t.as((tx) => listCampaigns(tx, { status: 'archived', limit: 50, offset: 0 }))).toEqual([]);
		});

		it('pages with limit and offset', async () => {
			const page = (limit: number, offset: number, status?: CampaignStatus) =>
				t.as((tx) => listCampaigns(tx, { status, limit, offset })).then((list) => list.map((c) => c.name));
			expect(await page(2, 0)).toEqual(['fourth', 'third']);
			expect(await page(2, 2)).toEqual(['second', 'first']);
			expect(await page(2, 4)).toEqual([]);
			expect(await page(1, 1, 'active')).toEqual(['second']);
		});
	});

	describe('updateCampaign', () => {
		it('renames a campaign and leaves its config alone', async () => {
			const campaign = await a.as((tx) => createCampaign(tx, { name: 'Old', config: { timezone: 'Europe/Berlin' } }));
			const updated = await a.as((tx) => updateCampaign(tx, campaign.id, { name: '  New name ' }));
			expect(updated).toMatchObject({ id: campaign.id, name: 'New name', status: 'draft', config: campaign.config });
			expect(await a.as((tx) => getCampaign(tx, campaign.id))).toEqual(updated);
		});

		it('replaces the top-level config keys given and keeps the others', async () => {
			const campaign = await a.as((tx) =>
				createCampaign(tx, {
					name: 'Config',
					config: {
						sequence: [ONE_STEP[0], { delayDays: 2, subject: 'Follow-up', body: 'Again' }],
						timezone: 'America/New_York',
						tracking: { opens: false, clicks: true },
						fromName: 'Jane',
					},
				}),
			);
			const updated = await a.as((tx) =>
				updateCampaign(tx, campaign.id, {
					config: { sequence: [{ subject: 'Only', body: 'One' }], tracking: { clicks: false } },
				}),
			);
			expect(updated.name).toBe('Config');
			expect(updated.config).toEqual({
				...CONFIG_DEFAULTS,
				// Arrays and objects are replaced whole, then completed with their defaults (opens is back to true).
				sequence: [{ subject: 'Only', body: 'One', delayDays: 0, delayHours: 0, delayMinutes: 0 }],
				tracking: { opens: true, clicks: false, returnPath: false },
				timezone: 'America/New_York',
				fromName: 'Jane',
			});
			expect((await a.as((tx) => getCampaign(tx, campaign.id))).config).toEqual(updated.config);
		});

		it('rejects an invalid config or empty name naming the problem, and keeps the stored campaign', async () => {
			const campaign = await a.as((tx) => createCampaign(tx, { name: 'Keep me' }));
			await expect(
				a.as((tx) =>
					updateCampaign(tx, campaign.id, { config: { sequence: [{ subject: 'x', body: 'y', delayHours: -2 }] } }),
				),
			).rejects.toThrow('Invalid campaign config: config.sequence[0].delayHours must be >= 0');
			await expect(a.as((tx) => updateCampaign(tx, campaign.id, { name: '  ' }))).rejects.toThrow(
				'Name must be a non-empty text',
			);
			await expect(a.as((tx) => updateCampaign(tx, campaign.id, { name: 'y'.repeat(256) }))).rejects.toThrow(
				'Name must be at most 255 characters',
			);
			expect(await a.as((tx) => getCampaign(tx, campaign.id))).toEqual(campaign);
		});

		it('refuses any change to an archived campaign', async () => {
			const campaign = await campaignIn(a, accountA, 'archived');
			for (const patch of [{ name: 'Revived' }, { config: { timezone: 'Europe/Rome' } }]) {
				await expect(a.as((tx) => updateCampaign(tx, campaign.id, patch))).rejects.toMatchObject({
					name: 'ConflictError',
					message: `Campaign ${campaign.id} is archived and can no longer change`,
				});
			}
			expect(await a.as((tx) => getCampaign(tx, campaign.id))).toEqual(campaign);
		});

		it('lets an active campaign change into another sendable config', async () => {
			const campaign = await campaignIn(a, accountA, 'active');
			const updated = await a.as((tx) =>
				updateCampaign(tx, campaign.id, { name: 'Still live', config: { timezone: 'Europe/Madrid' } }),
			);
			expect(updated).toMatchObject({
				status: 'active',
				name: 'Still live',
				config: { ...campaign.config, timezone: 'Europe/Madrid' },
			});
		});

		it('refuses to turn an active campaign into one that cannot send, and keeps the stored one', async () => {
			const campaign = await campaignIn(a, accountA, 'active');
			await expect(a.as((tx) => updateCampaign(tx, campaign.id, { config: { accountIds: [] } }))).rejects.toMatchObject(
				{
					name: 'ConflictError',
					message: 'The campaign cannot send yet: it has no sending account (config.accountIds)',
				},
			);
			await expect(a.as((tx) => updateCampaign(tx, campaign.id, { config: { sequence: [] } }))).rejects.toThrow(
				'it has no sequence step (config.sequence)',
			);
			const foreign = randomUUID();
			await expect(
				a.as((tx) => updateCampaign(tx, campaign.id, { config: { accountIds: [foreign] } })),
			).rejects.toThrow(`unknown sending accounts: ${foreign}`);
			expect(await a.as((tx) => getCampaign(tx, campaign.id))).toEqual(campaign);
		});

		it('lets a draft hold a config that cannot send yet', async () => {
			const campaign = await a.as((tx) => createCampaign(tx, { name: 'Draft', config: sendable(accountA) }));
			const updated = await a.as((tx) => updateCampaign(tx, campaign.id, { config: { accountIds: [], sequence: [] } }));
			expect(updated.config).toMatchObject({ accountIds: [], sequence: [], postalAddress: POSTAL_ADDRESS });
		});
	});

	describe('transitions', () => {
		it.each(VALID_MOVES)('moves a %s campaign on %s to %s', async (from, action, to) => {
			const campaign = await campaignIn(a, accountA, from);
			const moved = await a.as((tx) => transitionCampaign(tx, campaign.id, action));
			expect(moved).toMatchObject({ id: campaign.id, status: to, name: campaign.name, config: campaign.config });
			expect(await statusOf(a, campaign.id)).toBe(to);
		});

		it.each(INVALID_MOVES)('refuses to move a %s campaign on %s, naming its status', async (from, action) => {
			const campaign = await campaignIn(a, accountA, from);
			await expect(a.as((tx) => transitionCampaign(tx, campaign.id, action))).rejects.toMatchObject({
				name: 'ConflictError',
				message: expect.stringMatching(
					new RegExp(`^Cannot ${action} campaign ${campaign.id}: it is ${from}, and only an? [a-z ]+ campaign can be `),
				),
			});
			expect(await statusOf(a, campaign.id)).toBe(from);
		});

		it('explains the invalid moves in plain words', async () => {
			const draft = await campaignIn(a, accountA, 'draft');
			await expect(a.as((tx) => transitionCampaign(tx, draft.id, 'pause'))).rejects.toThrow(
				new RegExp(
					`^Cannot pause campaign ${draft.id}: it is draft, and only an active campaign can be moved to paused$`,
				),
			);
			await expect(a.as((tx) => transitionCampaign(tx, draft.id, 'resume'))).rejects.toThrow(
				new RegExp(`^Cannot resume campaign ${draft.id}: it is draft, and only a paused campaign can be resumed$`),
			);
			const archived = await campaignIn(a, accountA, 'archived');
			await expect(a.as((tx) => transitionCampaign(tx, archived.id, 'activate'))).rejects.toThrow(
				new RegExp(
					`^Cannot activate campaign ${archived.id}: it is archived, and only a draft campaign can be moved to active$`,
				),
			);
			const active = await campaignIn(a, accountA, 'active');
			await expect(a.as((tx) => transitionCampaign(tx, active.id, 'archive'))).rejects.toThrow(
				new RegExp(
					`^Cannot archive campaign ${active.id}: it is active, and only a draft or paused or completed campaign can be moved to archived$`,
				),
			);
		});

		describe('activation requirements', () => {
			let b: Tenant;
			let accountB: string;
			let templateA: string;
			let templateB: string;

			beforeAll(async () => {
				b = await newTenant(db, 'beta');
				accountB = await addAccount(b.id);
				templateA = await addTemplate(a.id);
				templateB = await addTemplate(b.id);
			});

			async function activating(config: Record<string, unknown>) {
				const campaign = await a.as((tx) => createCampaign(tx, { name: 'Not ready', config }));
				const attempt = a.as((tx) => transitionCampaign(tx, campaign.id, 'activate'));
				return { campaign, attempt };
			}

			async function expectRefused(config: Record<string, unknown>, problem: string) {
				const { campaign, attempt } = await activating(config);
				await expect(attempt).rejects.toMatchObject({
					name: 'ConflictError',
					message: `The campaign cannot send yet: ${problem}`,
				});
				expect(await statusOf(a, campaign.id)).toBe('draft');
			}

			it('activates a campaign with steps, its own mailbox and template, and a postal address', async () => {
				const { attempt } = await activating(
					sendable(accountA, { sequence: [ONE_STEP[0], { delayDays: 1, templateId: templateA }] }),
				);
				await expect(attempt).resolves.toMatchObject({ status: 'active' });
			});

			it('needs a sequence step', () =>
				expectRefused({ ...sendable(accountA), sequence: [] }, 'it has no sequence step (config.sequence)'));

			it('needs a sending account', () =>
				expectRefused({ ...sendable(accountA), accountIds: [] }, 'it has no sending account (config.accountIds)'));

			it.each([undefined, '   '])('needs the sender’s postal address (%j)', (postalAddress) =>
				expectRefused(
					{ ...sendable(accountA), postalAddress },
					'the sender’s postal address is missing (config.postalAddress; required by CAN-SPAM)',
				),
			);

			it('refuses a sending account that does not exist', async () => {
				const missing = randomUUID();
				await expectRefused(
					sendable(accountA, { accountIds: [accountA, missing] }),
					`unknown sending accounts: ${missing}`,
				);
			});

			it('refuses a sending account of another organization, as if it did not exist', () =>
				expectRefused(sendable(accountB), `unknown sending accounts: ${accountB}`));

			it('refuses a template of another organization, in a step or in a variant', async () => {
				await expectRefused(
					sendable(accountA, { sequence: [ONE_STEP[0], { delayDays: 2, templateId: templateB }] }),
					`unknown templates: ${templateB}`,
				);
				await expectRefused(
					sendable(accountA, {
						sequence: [{ variants: [{ templateId: templateA }, { templateId: templateB, weight: 2 }] }],
					}),
					`unknown templates: ${templateB}`,
				);
			});

			it('lists every problem at once', () =>
				expectRefused(
					{},
					'it has no sequence step (config.sequence); it has no sending account (config.accountIds); ' +
						'the sender’s postal address is missing (config.postalAddress; required by CAN-SPAM)',
				));

			it('checks again on resume: a paused campaign whose mailbox is gone stays paused', async () => {
				const account = await addAccount(a.id);
				const campaign = await campaignIn(a, account, 'paused');
				await db.pool.query('DELETE FROM email_accounts WHERE id = $1', [account]);
				await expect(a.as((tx) => transitionCampaign(tx, campaign.id, 'resume'))).rejects.toThrow(
					`The campaign cannot send yet: unknown sending accounts: ${account}`,
				);
				expect(await statusOf(a, campaign.id)).toBe('paused');
			});
		});

		describe('stopping a campaign cancels what it has queued', () => {
			it.each([
				['active', 'complete', 'completed'],
				['paused', 'complete', 'completed'],
				['paused', 'archive', 'archived'],
				['completed', 'archive', 'archived'],
			] as Array<[CampaignStatus, CampaignAction, CampaignStatus]>)(
				'%s campaign on %s: only its queued emails become cancelled',
				async (from, action, to) => {
					const campaign = await campaignIn(a, accountA, from);
					const other = await campaignIn(a, accountA, 'active');
					const lead = await addLead(a.id, campaign.id, 'lead@prospect.test');
					const otherLead = await addLead(a.id, other.id, 'lead@prospect.test');
					const queued1 = await addQueued(a.id, campaign.id, lead, accountA, 'queued');
					const queued2 = await addQueued(a.id, campaign.id, lead, accountA, 'queued');
					const sent = await addQueued(a.id, campaign.id, lead, accountA, 'sent');
					const failed = await addQueued(a.id, campaign.id, lead, accountA, 'failed');
					const otherQueued = await addQueued(a.id, other.id, otherLead, accountA, 'queued');

					await a.as((tx) => transitionCampaign(tx, campaign.id, action));

					expect(await queueRows([queued1, queued2, sent, failed, otherQueued])).toEqual({
						[queued1]: { status: 'cancelled', error: `campaign ${to}` },
						[queued2]: { status: 'cancelled', error: `campaign ${to}` },
						[sent]: { status: 'sent', error: null },
						[failed]: { status: 'failed', error: null },
						[otherQueued]: { status: 'queued', error: null },
					});
				},
			);

			it('pausing keeps the queue as it is', async () => {
				const campaign = await campaignIn(a, accountA, 'active');
				const lead = await addLead(a.id, campaign.id, 'paused@prospect.test');
				const queued = await addQueued(a.id, campaign.id, lead, accountA, 'queued');
				await a.as((tx) => transitionCampaign(tx, campaign.id, 'pause'));
				expect(await queueRows([queued])).toEqual({ [queued]: { status: 'queued', error: null } });
			});
		});
	});

	describe('deleteCampaign', () => {
		it('deletes a draft and its leads, and nothing of other campaigns', async () => {
			const draft = await a.as((tx) => createCampaign(tx, { name: 'Doomed' }));
			const keep = await a.as((tx) => createCampaign(tx, { name: 'Kept' }));
			await addLead(a.id, draft.id, 'one@prospect.test');
			await addLead(a.id, draft.id, 'two@prospect.test');
			const kept = await addLead(a.id, keep.id, 'one@prospect.test');
			const { rows } = await db.pool.query(
				`INSERT INTO unsubscribes (organization_id, email, campaign_id) VALUES ($1, 'one@prospect.test', $2) RETURNING id`,
				[a.id, draft.id],
			);

			expect(await a.as((tx) => deleteCampaign(tx, draft.id))).toEqual({ id: draft.id, deletedLeads: 2 });

			await expect(a.as((tx) => getCampaign(tx, draft.id))).rejects.toBeInstanceOf(NotFoundError);
			const leads = await db.pool.query('SELECT id FROM leads WHERE campaign_id = $1 OR id = $2', [draft.id, kept]);
			expect(leads.rows).toEqual([{ id: kept }]);
			// The suppression outlives the campaign it came from.
			const unsubscribe = await db.pool.query('SELECT campaign_id FROM unsubscribes WHERE id = $1', [rows[0].id]);
			expect(unsubscribe.rows).toEqual([{ campaign_id: null }]);
			expect(await statusOf(a, keep.id)).toBe('draft');
		});

		it.each(['active', 'paused', 'completed', 'archived'] as CampaignStatus[])(
			'refuses to delete a %s campaign and keeps its leads',
			async (status) => {
				const campaign = await campaignIn(a, accountA, status);
				const lead = await addLead(a.id, campaign.id, 'stay@prospect.test');
				await expect(a.as((tx) => deleteCampaign(tx, campaign.id))).rejects.toMatchObject({
					name: 'ConflictError',
					message: `Cannot delete campaign ${campaign.id}: it is ${status}; only drafts can be deleted (archive it instead)`,
				});
				expect(await statusOf(a, campaign.id)).toBe(status);
				expect((await db.pool.query('SELECT 1 FROM leads WHERE id = $1', [lead])).rowCount).toBe(1);
			},
		);

		it('reports an unknown campaign as not found', async () => {
			const id = randomUUID();
			await expect(a.as((tx) => deleteCampaign(tx, id))).rejects.toThrow(
				`Campaign ${id} was not found in this organization`,
			);
		});
	});

	describe('tenant safety', () => {
		let b: Tenant;
		let draft: Campaign;
		let active: Campaign;
		let paused: Campaign;

		beforeAll(async () => {
			b = await newTenant(db, 'intruder');
			draft = await campaignIn(a, accountA, 'draft');
			active = await campaignIn(a, accountA, 'active');
			paused = await campaignIn(a, accountA, 'paused');
			// B has campaigns of its own, so its list is not empty by accident.
			await b.as((tx) => createCampaign(tx, { name: 'B’s own' }));
		});

		const notFound = (id: string) => ({
			name: 'NotFoundError',
			message: `Campaign ${id} was not found in this organization`,
		});

		it('does not let B get, update or delete A’s campaigns', async () => {
			for (const campaign of [draft, active, paused]) {
				await expect(b.as((tx) => getCampaign(tx, campaign.id))).rejects.toMatchObject(notFound(campaign.id));
				await expect(b.as((tx) => updateCampaign(tx, campaign.id, { name: 'hijacked' }))).rejects.toMatchObject(
					notFound(campaign.id),
				);
				await expect(
					b.as((tx) => updateCampaign(tx, campaign.id, { config: { postalAddress: 'elsewhere' } })),
				).rejects.toMatchObject(notFound(campaign.id));
				await expect(b.as((tx) => deleteCampaign(tx, campaign.id))).rejects.toMatchObject(notFound(campaign.id));
			}
		});

		it.each(ACTIONS)('does not let B %s A’s campaigns', async (action) => {
			for (const campaign of [draft, active, paused]) {
				await expect(b.as((tx) => transitionCampaign(tx, campaign.id, action))).rejects.toMatchObject(
					notFound(campaign.id),
				);
			}
		});

		it('never lists A’s campaigns to B', async () => {
			for (const status of [undefined, ...CAMPAIGN_STATUSES]) {
				const listed = await b.as((tx) => listCampaigns(tx, { status, limit: 1000, offset: 0 }));
				expect(listed.every((c) => c.organizationId === b.id)).toBe(true);
			}
			expect((await b.as((tx) => listCampaigns(tx, { limit: 1000, offset: 0 }))).map((c) => c.name)).toEqual([
				'B’s own',
			]);
		});

		it('leaves A’s campaigns exactly as they were', async () => {
			for (const campaign of [draft, active, paused]) {
				expect(await a.as((tx) => getCampaign(tx, campaign.id))).toEqual(campaign);
			}
		});

		it('creates campaigns in the acting organization only', async () => {
			const mine = await b.as((tx) => createCampaign(tx, { name: 'Mine' }));
			expect(mine.organizationId).toBe(b.id);
			await expect(a.as((tx) => getCampaign(tx, mine.id))).rejects.toBeInstanceOf(NotFoundError);
		});
	});

	it('raises OphirErrors the node layer can report', async () => {
		const draft = await a.as((tx) => createCampaign(tx, { name: 'Typed' }));
		await expect(a.as((tx) => transitionCampaign(tx, draft.id, 'complete'))).rejects.toBeInstanceOf(OphirError);
	});

	it('raises a ConflictError for what the campaign’s status refuses, and keeps bad input an InvalidInputError', async () => {
		const archived = await a.as((tx) => createCampaign(tx, { name: 'Conflicted' }));
		await a.as((tx) => transitionCampaign(tx, archived.id, 'archive'));
		await expect(a.as((tx) => transitionCampaign(tx, archived.id, 'activate'))).rejects.toBeInstanceOf(ConflictError);
		await expect(a.as((tx) => updateCampaign(tx, archived.id, { name: 'Renamed' }))).rejects.toBeInstanceOf(
			ConflictError,
		);
		await expect(a.as((tx) => deleteCampaign(tx, archived.id))).rejects.toBeInstanceOf(ConflictError);
		const blank = a.as((tx) => createCampaign(tx, { name: ' ' }));
		await expect(blank).rejects.toBeInstanceOf(InvalidInputError);
		await expect(blank).rejects.not.toBeInstanceOf(ConflictError);
	});
});
