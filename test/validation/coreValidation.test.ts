import { randomUUID } from 'node:crypto';

import { campaignStats, updateAccountHealth } from '../../nodes/core/tracking';
import {
	addSuppression,
	changeTags,
	deleteCampaign,
	deleteEmailAccount,
	deleteTemplate,
	eraseLeads,
	getCampaign,
	getEmailAccount,
	getLead,
	getTemplate,
	importLeads,
	listCampaigns,
	listEmailAccounts,
	listLeads,
	listSuppressions,
	listTemplates,
	listUsers,
	mailboxSecret,
	previewTemplate,
	saveLead,
	setEmailAccountPaused,
	setLeadStatus,
	setUserPassword,
	transitionCampaign,
	updateCampaign,
	updateEmailAccount,
	updateLead,
	updateTemplate,
} from '../../nodes/core/outreach';
import { InvalidInputError } from '../../nodes/core/validation';
import { completeEmails, failEmails, scheduleDueSteps, sendDueEmails } from '../../nodes/core/sending';
import { SecretBox, type TenantTx } from '../../nodes/core/db';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { KEY, TRACKING } from '../support/outreach';
import { type ActAs, newTenant } from '../support/tenants';

/** Values that are no UUID: each must be refused naming the field, before PostgreSQL sees it. */
const NOT_UUIDS: unknown[] = ['not-a-uuid', '', NaN, -1, 1.5, Infinity, `${randomUUID()}x`];
/** Values that are no row count or position: each must be refused naming the field. */
const NOT_WHOLE_NUMBERS: unknown[] = [NaN, -1, 1.5, Infinity, -Infinity, 'ten'];

type Call = (tx: TenantTx, bad: never) => Promise<unknown>;

const box = new SecretBox(KEY);
const PAGE = { limit: 10, offset: 0 };
const ID = randomUUID();

/** [function, field, call]: every exported core function that takes a record ID. */
const ID_TAKERS: Array<[string, string, Call]> = [
	['getCampaign', 'Campaign ID', (tx, id) => getCampaign(tx, id)],
	['updateCampaign', 'Campaign ID', (tx, id) => updateCampaign(tx, id, { name: 'Renamed' })],
	['transitionCampaign', 'Campaign ID', (tx, id) => transitionCampaign(tx, id, 'pause')],
	['deleteCampaign', 'Campaign ID', (tx, id) => deleteCampaign(tx, id)],
	['getLead', 'Lead ID', (tx, id) => getLead(tx, id)],
	['updateLead', 'Lead ID', (tx, id) => updateLead(tx, id, { firstName: 'Ada' })],
	['changeTags', 'Lead ID', (tx, id) => changeTags(tx, id, ['vip'], 'add')],
	['setLeadStatus', 'Lead ID', (tx, id) => setLeadStatus(tx, id, 'paused')],
	['eraseLeads', 'Lead ID', (tx, id) => eraseLeads(tx, { id })],
	['getTemplate', 'Template ID', (tx, id) => getTemplate(tx, id)],
	['updateTemplate', 'Template ID', (tx, id) => updateTemplate(tx, id, { name: 'Renamed' })],
	['deleteTemplate', 'Template ID', (tx, id) => deleteTemplate(tx, id)],
	['previewTemplate (template)', 'Template ID', (tx, templateId) => previewTemplate(tx, { templateId }, { lead: {} })],
	[
		'previewTemplate (lead)',
		'Lead ID',
		(tx, leadId) => previewTemplate(tx, { subject: 'Hi', body: 'Hello' }, { leadId }),
	],
	['getEmailAccount', 'Email Account ID', (tx, id) => getEmailAccount(tx, id)],
	['updateEmailAccount', 'Email Account ID', (tx, id) => updateEmailAccount(tx, box, id, { fromName: 'Ada' })],
	['setEmailAccountPaused', 'Email Account ID', (tx, id) => setEmailAccountPaused(tx, id, true)],
	['deleteEmailAccount', 'Email Account ID', (tx, id) => deleteEmailAccount(tx, id)],
	['mailboxSecret', 'Email Account ID', (tx, id) => mailboxSecret(tx, box, id)],
	[
		'completeEmails (queue item)',
		'Queue ID',
		(tx, id) => completeEmails(tx, [{ id, leaseToken: ID, messageId: '<m@x.test>' }]),
	],
	[
		'completeEmails (lease)',
		'Lease Token',
		(tx, leaseToken) => completeEmails(tx, [{ id: ID, leaseToken, messageId: '<m@x.test>' }]),
	],
	[
		'failEmails (queue item)',
		'Queue ID',
		(tx, id) => failEmails(tx, [{ id, leaseToken: ID, kind: 'retry', error: 'x' }]),
	],
	[
		'failEmails (lease)',
		'Lease Token',
		(tx, leaseToken) => failEmails(tx, [{ id: ID, leaseToken, kind: 'retry', error: 'x' }]),
	],
	['updateAccountHealth', 'Email Account ID', (tx, id) => updateAccountHealth(tx, { accountIds: [id] })],
];

/** Functions whose ID is optional: blank means "none", anything else must be a UUID. */
const OPTIONAL_ID_TAKERS: Array<[string, string, Call]> = [
	['listLeads', 'Campaign ID', (tx, campaignId) => listLeads(tx, { ...PAGE, campaignId })],
	['importLeads', 'Campaign ID', (tx, campaignId) => importLeads(tx, [{ email: 'ada@example.com' }], { campaignId })],
	[
		'saveLead',
		'Campaign ID',
		(tx, campaignId) => saveLead(tx, { email: 'ada@example.com' }, { campaignId, onExisting: 'update' }),
	],
	['campaignStats', 'Campaign ID', (tx, campaignId) => campaignStats(tx, { campaignId })],
	['addSuppression', 'Campaign ID', (tx, campaignId) => addSuppression(tx, { target: 'ada@example.com', campaignId })],
	['setUserPassword', 'User ID', (tx, id) => setUserPassword(tx, { id }, 'a long enough passphrase')],
];

/** [function, field, call]: every exported core function that takes a row count, a limit or an offset. */
const NUMBER_TAKERS: Array<[string, string, Call]> = [
	...(
		[
			['listCampaigns', (tx, paging) => listCampaigns(tx, paging)],
			['listLeads', (tx, paging) => listLeads(tx, paging)],
			['listTemplates', (tx, paging) => listTemplates(tx, paging)],
			['listEmailAccounts', (tx, paging) => listEmailAccounts(tx, paging)],
			['listSuppressions', (tx, paging) => listSuppressions(tx, paging)],
			['listUsers', (tx, paging) => listUsers(tx, paging)],
		] as Array<[string, (tx: TenantTx, paging: { limit: number; offset: number }) => Promise<unknown>]>
	).flatMap(
		([name, list]): Array<[string, string, Call]> => [
			[name, 'Limit', (tx, limit) => list(tx, { limit, offset: 0 })],
			[name, 'Offset', (tx, offset) => list(tx, { limit: 10, offset })],
		],
	),
	['importLeads', 'Batch Size', (tx, batchSize) => importLeads(tx, [{ email: 'ada@example.com' }], { batchSize })],
	['scheduleDueSteps', 'Max Emails per Run', (tx, limit) => scheduleDueSteps(tx, { limit })],
	['updateAccountHealth', 'Minimum Emails', (tx, minSent) => updateAccountHealth(tx, { minSent })],
	['updateAccountHealth', 'Window (Days)', (tx, windowDays) => updateAccountHealth(tx, { windowDays })],
	[
		'failEmails',
		'Max Attempts',
		(tx, maxAttempts) =>
			failEmails(tx, [{ id: ID, leaseToken: ID, kind: 'retry', error: 'x' }], {
				policy: { maxAttempts, backoffSeconds: 60 },
			}),
	],
	[
		'failEmails',
		'Retry After (Seconds)',
		(tx, backoffSeconds) =>
			failEmails(tx, [{ id: ID, leaseToken: ID, kind: 'retry', error: 'x' }], {
				policy: { maxAttempts: 5, backoffSeconds },
			}),
	],
];

const cases = (takers: Array<[string, string, Call]>, values: unknown[]) =>
	takers.flatMap(([name, field, call]) =>
		values.map((value): [string, string, string, Call, unknown] => [
			name,
			field,
			String(value === '' ? "''" : value),
			call,
			value,
		]),
	);

describe('core boundary validation', () => {
	let db: TestDatabase;
	let as: ActAs;

	beforeAll(async () => {
		db = await createTestDatabase();
		({ as } = await newTenant(db));
	});
	afterAll(async () => {
		await db.drop();
	});

	async function expectRefused(call: Call, value: unknown, field: string): Promise<void> {
		const attempt = as((tx) => call(tx, value as never));
		await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
		await expect(attempt).rejects.toMatchObject({
			field,
			message: expect.stringMatching(new RegExp(`^${field.replace(/[()]/g, '\\$&')} must be `)),
		});
	}

	it.each(cases(ID_TAKERS, NOT_UUIDS))(
		'%s refuses the %s %s as an InvalidInputError, not a PostgreSQL error',
		async (_name, field, _shown, call, value) => expectRefused(call, value, field),
	);

	it.each(
		cases(
			OPTIONAL_ID_TAKERS,
			NOT_UUIDS.filter((value) => value !== ''),
		),
	)('%s refuses the %s %s as an InvalidInputError, not a PostgreSQL error', async (_name, field, _shown, call, value) =>
		expectRefused(call, value, field),
	);

	it.each(cases(NUMBER_TAKERS, NOT_WHOLE_NUMBERS))(
		'%s refuses the %s %s as an InvalidInputError, not a PostgreSQL error',
		async (_name, field, _shown, call, value) => expectRefused(call, value, field),
	);

	it.each(NOT_WHOLE_NUMBERS)(
		'sendDueEmails refuses the Concurrency %p before claiming anything',
		async (concurrency) => {
			const attempt = sendDueEmails(as, box, {
				batchSize: 10,
				leaseSeconds: 60,
				concurrency: concurrency as number,
				tracking: TRACKING,
			});
			await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
			await expect(attempt).rejects.toMatchObject({ field: 'Concurrency' });
		},
	);

	it('says what a UUID looks like, as the nodes do', async () => {
		await expect(as((tx) => getLead(tx, 'lead-1'))).rejects.toMatchObject({
			message: 'Lead ID must be a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7',
			description: 'Received: "lead-1"',
		});
	});

	it('still answers a well-formed but unknown ID as not found, and good paging with rows', async () => {
		await expect(as((tx) => getCampaign(tx, ID))).rejects.toThrow(`Campaign ${ID} was not found in this organization`);
		await expect(as((tx) => listLeads(tx, { ...PAGE, campaignId: '' }))).resolves.toEqual([]);
		await expect(as((tx) => listCampaigns(tx, { limit: 1000, offset: 0 }))).resolves.toEqual([]);
	});
});
