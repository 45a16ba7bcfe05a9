import { SYSTEM_ORGANIZATION_ID } from '../db/connectionSettings';
import type { TenantTx } from '../db/tenantTransaction';
import { NotFoundError, OphirError } from '../validation/errors';
import { requireUuid } from '../validation/ids';

// Platform mode: one credential acting for the system organization (the platform operator) runs an operation for
// many organizations. Only the list of organizations is read across tenants (the operator's own row-level security
// policy on `organizations` allows it); each organization's work then runs in its own tenant transaction, so every
// statement of it is bound to that organization exactly as when its own credential runs it.

/**
 * Which organizations an operation runs for: the credential's own, every one it may act for (all of them for the
 * platform operator, the system organization; its own for any other), or those named.
 */
export type OrganizationScope = 'this' | 'all' | string[];

export interface PlatformOrganization {
	id: string;
	name: string;
}

/**
 * The organizations of `scope`, read in the acting organization's transaction, in a stable order. "All" is what
 * the organizations table's row-level security lets the acting organization see, so the same workflow serves one
 * organization with its own credential and every organization with the operator's.
 */
export async function organizationsInScope(tx: TenantTx, scope: OrganizationScope): Promise<PlatformOrganization[]> {
	const operator = tx.organizationId === SYSTEM_ORGANIZATION_ID;
	const ids =
		scope === 'this'
			? [tx.organizationId]
			: scope === 'all'
				? null
				: scope.map((id) => requireUuid(id, 'Organizations'));
	if (ids?.length === 0) {
		throw new OphirError('No organization selected', 'Pick at least one organization, or choose "All Organizations".');
	}
	if (!operator && ids?.some((id) => id.toLowerCase() !== tx.organizationId.toLowerCase())) {
		throw new OphirError(
			'Only a credential acting for the system organization can run for other organizations',
			`Choose "This Organization" or "All Organizations", or use the platform operator's credential (Organization ID ${SYSTEM_ORGANIZATION_ID}).`,
		);
	}
	const { rows } = await tx.query<PlatformOrganization>(
		`SELECT id, name FROM organizations
		 WHERE ($1::uuid[] IS NULL OR id = ANY($1::uuid[])) AND ($2 OR id = $3)
		 ORDER BY created_at, id`,
		[ids, operator, tx.organizationId],
	);
	const missing = (ids ?? []).filter((id) => !rows.some((row) => row.id === id.toLowerCase()));
	if (missing.length > 0) throw new NotFoundError('Organization', missing.join(', '));
	return rows;
}

/** One organization's share of a platform run: what its work returned, or the error that stopped it. */
export type OrganizationOutcome<T, O = PlatformOrganization> = { organization: O } & (
	| { result: T; error?: never }
	| { error: Error; result?: never }
);

/**
 * Runs `work` for each organization, at most `concurrency` at a time (each holds a pooled connection), and collects
 * each one's result or error: one organization's failure never stops the others. Outcomes keep the given order.
 */
export async function forEachOrganization<O, T>(
	organizations: O[],
	work: (organization: O, index: number) => Promise<T>,
	{ concurrency = 4 }: { concurrency?: number } = {},
): Promise<Array<OrganizationOutcome<T, O>>> {
	const outcomes = new Array<OrganizationOutcome<T, O>>(organizations.length);
	let next = 0;
	const lane = async () => {
		while (next < organizations.length) {
			const index = next++;
			const organization = organizations[index];
			outcomes[index] = await work(organization, index).then(
				(result) => ({ organization, result }),
				(error: unknown) => ({ organization, error: error instanceof Error ? error : new Error(String(error)) }),
			);
		}
	};
	await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), organizations.length) }, lane));
	return outcomes;
}

/** What a platform run reports: the totals over the organizations that succeeded, and each organization's own. */
export interface PlatformSummary {
	organizations: Array<Record<string, unknown> & { organizationId: string; organizationName: string }>;
	failedOrganizations: number;
	[total: string]: unknown;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * One summary for a platform run, in the shape a single organization's result has, so the same workflow reads both:
 * top-level counts are summed (only the `summed` ones when given: a setting such as a number of days is not a
 * count) and lists concatenated (each listed record tagged with its organization); other values stay in the
 * organization's own entry. An organization that failed is listed with its error and counted apart; what it did
 * before failing (a result beside the error) still counts.
 */
export function combineOutcomes(
	outcomes: Array<{ organization: PlatformOrganization; result?: object; error?: Error }>,
	{ summed }: { summed?: readonly string[] } = {},
): PlatformSummary {
	const totals: Record<string, unknown> = {};
	for (const { organization, result } of outcomes) {
		if (!result) continue;
		for (const [key, value] of Object.entries(result)) {
			if (typeof value === 'number' && (!summed || summed.includes(key))) {
				totals[key] = ((totals[key] as number | undefined) ?? 0) + value;
			} else if (Array.isArray(value)) {
				const tagged = value.map((entry) =>
					isPlainObject(entry) ? { ...entry, organizationId: organization.id } : entry,
				);
				totals[key] = [...((totals[key] as unknown[] | undefined) ?? []), ...tagged];
			}
		}
	}
	return {
		...totals,
		failedOrganizations: outcomes.filter((outcome) => outcome.error).length,
		organizations: outcomes.map(({ organization, result, error }) => ({
			organizationId: organization.id,
			organizationName: organization.name,
			...result,
			...(error ? { error: error.message } : {}),
		})),
	};
}
