import type { INodeProperties } from 'n8n-workflow';

import { withTenant } from '../../../core/db';
import { organizationWithQuotas, QUOTA_NAMES, type QuotaInput, QUOTAS } from '../../../core/outreach';
import { InvalidInputError } from '../../../core/validation';
import type { ItemParameters } from '../../../shared/parameters';
import type { ItemContext } from '../../../shared/runPerItem';

/** The organization an operation acts on, from the credential's organizations (nodes/shared/methods/organizations.ts). */
export const organizationField: INodeProperties = {
	displayName: 'Organization Name or ID',
	name: 'organizationId',
	type: 'options',
	typeOptions: { loadOptionsMethod: 'getOrganizations' },
	required: true,
	default: '',
	description:
		'A credential acting for the system organization lists every organization, any other only its own. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
};

const LIMIT = { type: 'number', typeOptions: { minValue: 0, numberPrecision: 0 } } as const;

/** The limits Organization → Update sets, and the ones it removes. */
export const quotaFields: INodeProperties[] = [
	{
		displayName: 'Quotas',
		name: 'quotas',
		type: 'collection',
		placeholder: 'Add Quota',
		default: {},
		description:
			'Limits to set. A quota not added keeps its current limit; 0 allows none (use Remove Limits for no limit).',
		options: [
			{
				...LIMIT,
				displayName: 'Max Active Campaigns',
				name: 'maxActiveCampaigns',
				default: 5,
				description: 'Campaigns active at once; activating or resuming one more is refused',
			},
			{
				...LIMIT,
				displayName: 'Max Email Accounts',
				name: 'maxEmailAccounts',
				default: 10,
				description: 'Sending mailboxes the organization may have; creating one more is refused',
			},
			{
				...LIMIT,
				displayName: 'Max Emails per Day',
				name: 'maxEmailsPerDay',
				default: 500,
				description:
					"Emails all its mailboxes may send together in a day (each mailbox's own day), those being sent included; the queue hands out no more",
			},
			{
				...LIMIT,
				displayName: 'Max Leads',
				name: 'maxLeads',
				default: 10000,
				description: 'Leads it may hold; an import or new lead that would go past it is refused whole',
			},
		],
	},
	{
		displayName: 'Remove Limits',
		name: 'removeLimits',
		type: 'multiOptions',
		options: QUOTA_NAMES.map((name) => ({ name: QUOTAS[name].label, value: name })).sort((a, b) =>
			a.name.localeCompare(b.name),
		),
		default: [],
		description: 'Quotas to lift: the organization gets no limit for them',
	},
];

/** What Quotas and Remove Limits ask for; a quota in both is refused, as it cannot be both. */
export function quotaInput(params: ItemParameters): QuotaInput {
	const set = params.collection('quotas');
	const input: QuotaInput = {};
	for (const name of QUOTA_NAMES) {
		if (set[name] !== undefined) input[name] = set[name] as number | string;
	}
	for (const name of params.raw<string[]>('removeLimits', []) ?? []) {
		const quota = QUOTA_NAMES.find((known) => known === name);
		if (!quota) throw new InvalidInputError('Remove Limits', `some of ${QUOTA_NAMES.join(', ')}`, name);
		if (input[quota] !== undefined) {
			throw new InvalidInputError('Remove Limits', `a quota not also set in Quotas (${QUOTAS[quota].label} is)`);
		}
		input[quota] = null;
	}
	return input;
}

/**
 * The organization with its quotas and their usage, read in the organization's own transaction: its mailboxes,
 * campaigns and leads are visible there only.
 */
export function withQuotas({ pool }: ItemContext, organizationId: string) {
	return withTenant(pool, organizationId, (tx) => organizationWithQuotas(tx));
}
