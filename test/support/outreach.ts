import {
	type AccountInput,
	type Campaign,
	type CampaignAction,
	type CampaignConfigInput,
	type CampaignStatus,
	createCampaign,
	createEmailAccount,
	importLeads,
	type LeadInput,
	transitionCampaign,
} from '../../nodes/core/outreach';
import { scheduleDueSteps, sendDueEmails } from '../../nodes/core/sending';
import { SecretBox } from '../../nodes/core/db';
import type { TestDatabase } from './database';
import { SINK_PASSWORD, type SmtpSink } from './smtpSink';
import { type ActAs, newTenant } from './tenants';

export const KEY = 'dummy-encryption-key-0123456789abcdef';
export const SECRET = 'dummy-tracking-secret-0123456789abcdef';
export const BASE = 'https://track.example.com/webhook/ophir';
export const ALWAYS = { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startHour: 0, endHour: 24 };
export const BROWSER =
	'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

/** The config a new campaign starts with, written out here rather than taken from the code under test. */
export const CONFIG_DEFAULTS = {
	sequence: [],
	timezone: 'UTC',
	sendingWindow: { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], startHour: 9, endHour: 17 },
	minGapSeconds: 120,
	jitterSeconds: 60,
	accountIds: [],
	stopRules: { onReply: true, onClick: false },
	tracking: { opens: true, clicks: true, returnPath: false },
	unsubscribeText: 'Unsubscribe from these emails',
};

const FIRST_STEP_BODY =
	'<p><a href="https://example.com/one">one</a> and <a href="https://example.com/two?x=1&amp;y=2">two</a></p>';

/**
 * A new organization with one mailbox on the sink and an active two-step campaign whose first step (two links)
 * went to `leads` leads through the real sending path; reads back what arrived.
 */
export async function sentFirstStep(
	db: TestDatabase,
	sink: SmtpSink,
	leads: number,
	{
		baseUrl = BASE,
		body = FIRST_STEP_BODY,
		config = {},
	}: { baseUrl?: string; body?: string; config?: Partial<CampaignConfigInput> } = {},
) {
	const box = new SecretBox(KEY);
	const tenant = await newTenant(db);
	const domain = `${tenant.id.slice(0, 8)}.example`;
	const account = await tenant.as((tx) =>
		createEmailAccount(tx, box, {
			email: `sales@${domain}`,
			smtp: { host: '127.0.0.1', port: sink.port, security: 'none' },
			password: SINK_PASSWORD,
			warmupStatus: 'warmed',
		}),
	);
	const campaign = await tenant.as(async (tx) => {
		const created = await createCampaign(tx, {
			name: 'Tracked',
			config: {
				sequence: [
					{ subject: 'Hi', body },
					{ delayDays: 1, subject: 'Again', body: 'Second' },
				],
				sendingWindow: ALWAYS,
				accountIds: [account.id],
				postalAddress: '1 Main Street',
				minGapSeconds: 0,
				jitterSeconds: 0,
				...config,
			},
		});
		return transitionCampaign(tx, created.id, 'activate');
	});
	await tenant.as((tx) =>
		importLeads(
			tx,
			Array.from({ length: leads }, (_, i) => ({ email: `lead${i}@${domain}` })),
			{ campaignId: campaign.id },
		),
	);
	const sentAt = new Date(Date.now() + 1000);
	await tenant.as((tx) => scheduleDueSteps(tx, { now: sentAt }));
	const sent = await sendDueEmails(tenant.as, box, {
		batchSize: 100,
		leaseSeconds: 60,
		tracking: { baseUrl, secret: SECRET },
		now: () => sentAt,
	});
	if (sent.sent !== leads) throw new Error(`expected ${leads} emails sent, got ${JSON.stringify(sent)}`);
	/** The tracking tokens and Message-ID of the email that arrived for `email`. */
	const received = (email: string) => {
		const mail = sink.to(email)[0];
		const html = String(mail.parsed.html);
		const find = (path: string) =>
			[...html.matchAll(new RegExp(`${baseUrl}/${path}\\?t=([\\w-]+)`, 'g'))].map((m) => m[1]);
		return {
			open: find('o\\.gif')[0],
			clicks: find('c'),
			unsubscribe: find('u')[0],
			messageId: String(mail.parsed.messageId),
			envelopeFrom: mail.from,
		};
	};
	return { tenant, account, campaign, domain, received, sentAt };
}

export const TRACKING = { baseUrl: BASE, secret: SECRET };

export interface OrganizationSetUp {
	/** One mailbox each (sender<i>@<tag>.example), over the defaults. */
	accounts?: Array<Partial<AccountInput>>;
	config?: Partial<CampaignConfigInput>;
	/** A number of leads (lead<i>@<tag>.example, first name Lead<i>), or the leads for the tenant's own domain tag. */
	leads?: number | ((tag: string) => LeadInput[]);
}

/**
 * The set-up the sending tests share: a new organization, its mailboxes, an active campaign over them (sending at
 * any time, without gaps) and its leads. `defaults` gives each test file's own, when a test runs (the database and
 * the SMTP server exist by then).
 */
export function organizationFactory(
	defaults: () => {
		db: TestDatabase;
		box: SecretBox;
		name: string;
		account: Partial<AccountInput>;
		config?: Partial<CampaignConfigInput>;
	},
) {
	return async ({ accounts = [{}], config = {}, leads = 3 }: OrganizationSetUp = {}) => {
		const base = defaults();
		const { box } = base;
		const tenant = await newTenant(base.db);
		const tag = tenant.id.slice(0, 8);
		const accountIds: string[] = [];
		for (const [i, account] of accounts.entries()) {
			const created = await tenant.as((tx) =>
				createEmailAccount(tx, box, {
					email: `sender${i}@${tag}.example`,
					provider: 'smtp',
					warmupStatus: 'warmed',
					...base.account,
					...account,
				}),
			);
			accountIds.push(created.id);
		}
		const campaign = await tenant.as(async (tx) => {
			const created = await createCampaign(tx, {
				name: base.name,
				config: {
					sequence: [{ subject: 'Hi {{firstName}}', body: 'Hello {{firstName}}' }],
					sendingWindow: ALWAYS,
					accountIds,
					postalAddress: '1 Main Street, Springfield',
					minGapSeconds: 0,
					jitterSeconds: 0,
					...base.config,
					...config,
				},
			});
			return transitionCampaign(tx, created.id, 'activate');
		});
		const inputs =
			typeof leads === 'number'
				? Array.from({ length: leads }, (_, i) => ({ email: `lead${i}@${tag}.example`, firstName: `Lead${i}` }))
				: leads(tag);
		const imported = await tenant.as((tx) => importLeads(tx, inputs, { campaignId: campaign.id }));
		return {
			tenant,
			tag,
			campaign,
			accountIds,
			leadIds: imported.map((o) => (o as { id: string }).id),
			leadEmails: imported.map((o) => (o as { email: string }).email),
		};
	};
}

/** The actions that take a new draft to each status. */
const FROM_DRAFT: Record<CampaignStatus, CampaignAction[]> = {
	draft: [],
	active: ['activate'],
	paused: ['activate', 'pause'],
	completed: ['activate', 'complete'],
	archived: ['archive'],
};

/** Takes a new draft campaign to `status` through the real transitions. */
export async function moveDraftTo(as: ActAs, draft: Campaign, status: CampaignStatus): Promise<Campaign> {
	let current = draft;
	for (const action of FROM_DRAFT[status]) current = await as((tx) => transitionCampaign(tx, draft.id, action));
	expect(current.status).toBe(status);
	return current;
}
