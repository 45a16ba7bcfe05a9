import type { INodeProperties } from 'n8n-workflow';

import { type TenantRunner, withTenant } from '../core/db';
import { ORGANIZATION_LANES } from '../core/sending';
import {
	combineOutcomes,
	forEachOrganization,
	type OrganizationScope,
	organizationsInScope,
	type PlatformOrganization,
} from '../core/outreach';
import { FROM_VERSION_2, shownOnly } from './locators';
import type { ItemContext } from './runPerItem';

/**
 * The Organizations option of the operations that run for a whole organization (scheduling, sending, counters,
 * health, maintenance, statistics). "This Organization" is the credential's, as before; the other two are for the
 * platform operator's credential (the system organization), so one set of workflows serves every organization.
 */
export const organizationsFields: INodeProperties[] = [
	{
		displayName: 'Organizations',
		name: 'organizations',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'All Organizations',
				value: 'all',
				description:
					'Every organization the credential may act for, each in its own transaction: all of them for the platform operator’s credential, its own for any other',
			},
			{
				name: 'Selected Organizations',
				value: 'selected',
				description: 'The organizations picked below (platform operator’s credential only)',
			},
			{ name: 'This Organization', value: 'this', description: 'The credential’s own organization' },
		],
		default: 'this',
		description:
			'Which organizations to run for. A credential acting for the system organization (the platform operator) can run one set of workflows for every organization.',
	},
	{
		displayName: 'Organization Names or IDs',
		name: 'organizationIds',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getOrganizations' },
		default: [],
		description:
			'Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
		displayOptions: { show: { organizations: ['selected'] } },
	},
];

/** The Organizations option for nodes whose version 1 is kept as it was released: shown from version 2 on. */
export const organizationsFieldsFromVersion2 = organizationsFields.map((field) => shownOnly(field, FROM_VERSION_2));

/**
 * Organizations worked on at the same time, each in a transaction on a pooled connection: up to ORGANIZATION_LANES,
 * leaving two of the credential's connections for everything else.
 */
export function lanesOf({ credentials }: Pick<ItemContext, 'credentials'>): { concurrency: number } {
	return { concurrency: Math.max(1, Math.min(ORGANIZATION_LANES, credentials.database.pool.max - 2)) };
}

/** The scope the item's Organizations option names. */
export function organizationScopeOf({ params }: Pick<ItemContext, 'params'>): OrganizationScope {
	const choice = params.raw<string>('organizations', 'this');
	if (choice === 'all') return 'all';
	if (choice !== 'selected') return 'this';
	const ids = params.raw<unknown>('organizationIds', []);
	return (Array.isArray(ids) ? ids : String(ids).split(',')).map((id) => String(id).trim()).filter(Boolean);
}

/** The organizations an item runs for, each with a runner of its own tenant transactions. */
export async function organizationsOf(
	context: Pick<ItemContext, 'params' | 'pool' | 'tenant'>,
): Promise<Array<PlatformOrganization & { run: TenantRunner }>> {
	const organizations = await context.tenant((tx) => organizationsInScope(tx, organizationScopeOf(context)));
	return organizations.map((organization) => ({
		...organization,
		run: (work) => withTenant(context.pool, organization.id, work),
	}));
}

/**
 * Runs an operation's work for the organizations of its Organizations option. For this organization the result is
 * exactly today's; for several, one summary in the same shape (counts summed, lists joined) with each organization's
 * own result or error under `organizations`: one organization's failure never fails the item.
 */
export async function forOrganizations(
	context: ItemContext,
	work: (tenant: TenantRunner) => Promise<object>,
): Promise<object> {
	if (organizationScopeOf(context) === 'this') return work(context.tenant);
	const organizations = await organizationsOf(context);
	return combineOutcomes(
		unlessAllFailed(
			await forEachOrganization(organizations, (organization) => work(organization.run), lanesOf(context)),
		),
	);
}

/**
 * The outcomes, unless every organization failed: then the item fails with the first one's error, as one
 * organization's work does (so an organization's own credential, whose "all" is itself, fails as it always did, and
 * the Error Log workflow hears of it).
 */
export function unlessAllFailed<T extends { error?: Error }>(outcomes: T[]): T[] {
	const failed = outcomes.find((outcome) => outcome.error);
	if (failed && outcomes.every((outcome) => outcome.error)) throw failed.error;
	return outcomes;
}

/**
 * Like forOrganizations, for an operation whose result is a list of rows (one output item each): for several
 * organizations, every organization's rows tagged with it, and one row with the error of each that failed.
 */
export async function rowsForOrganizations(
	context: ItemContext,
	work: (tenant: TenantRunner) => Promise<object[]>,
): Promise<object[]> {
	if (organizationScopeOf(context) === 'this') return work(context.tenant);
	const organizations = await organizationsOf(context);
	const outcomes = unlessAllFailed(
		await forEachOrganization(organizations, (organization) => work(organization.run), lanesOf(context)),
	);
	return outcomes.flatMap(({ organization, result, error }) => {
		const tag = { organizationId: organization.id, organizationName: organization.name };
		return error ? [{ ...tag, error: error.message }] : result.map((row) => ({ ...tag, ...row }));
	});
}
