import { randomUUID } from 'node:crypto';

import { SYSTEM_ORGANIZATION_ID } from '../db/connectionSettings';
import { NotFoundError, OphirError } from '../validation/errors';
import { requireUuid } from '../validation/ids';
import { camelCaseRow } from '../validation/rows';
import type { TenantTx } from '../db/tenantTransaction';
import { requiredText, storableJsonObject } from '../validation/text';

export interface Organization {
	id: string;
	name: string;
	planType: string;
	settings: Record<string, unknown>;
	createdAt: string;
	updatedAt: string;
}

const COLUMNS = 'id, name, plan_type, settings, created_at, updated_at';

/** An organizations row as COLUMNS selects it. */
interface OrganizationRow {
	id: string;
	name: string;
	plan_type: string;
	settings: Record<string, unknown>;
	created_at: Date;
	updated_at: Date;
}

/** Refuses a transaction that does not act for the system organization (the platform operator) to `action`. */
export function requireSystemOrganization(tx: TenantTx, action: string): void {
	if (tx.organizationId !== SYSTEM_ORGANIZATION_ID) {
		throw new OphirError(
			`Only a credential acting for the system organization can ${action}`,
			`Use a credential whose Organization ID is ${SYSTEM_ORGANIZATION_ID}.`,
		);
	}
}

/** Creates a tenant. Only a credential acting for the system organization (the platform operator) may. */
export async function createOrganization(
	tx: TenantTx,
	input: { name?: string; planType?: string; settings?: Record<string, unknown> },
): Promise<Organization> {
	requireSystemOrganization(tx, 'create organizations');
	const name = requiredText(input.name, 'Name', 255);
	const planType =
		input.planType === undefined || input.planType === '' ? 'free' : requiredText(input.planType, 'Plan Type', 50);
	const settings = storableJsonObject(input.settings, 'Settings', 'an object of names and values');
	const { rows } = await tx.query<OrganizationRow>(
		`INSERT INTO organizations (id, name, plan_type, settings) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
		[randomUUID(), name, planType, JSON.stringify(settings)],
	);
	return camelCaseRow<Organization>(rows[0]);
}

/** The system organization sees every organization; any other sees itself (row-level security says the same). */
export async function listOrganizations(tx: TenantTx): Promise<Organization[]> {
	const { rows } = await tx.query<OrganizationRow>(
		`SELECT ${COLUMNS} FROM organizations WHERE $1::uuid = $2::uuid OR id = $1 ORDER BY created_at, id`,
		[tx.organizationId, SYSTEM_ORGANIZATION_ID],
	);
	return rows.map((row) => camelCaseRow<Organization>(row));
}

/** One organization: the system organization sees any, any other only itself (another is not found). */
export async function getOrganization(tx: TenantTx, id: string): Promise<Organization> {
	const { rows } = await tx.query<OrganizationRow>(
		`SELECT ${COLUMNS} FROM organizations WHERE id = $3 AND ($1::uuid = $2::uuid OR id = $1)`,
		[tx.organizationId, SYSTEM_ORGANIZATION_ID, requireUuid(id, 'Organization')],
	);
	if (rows.length === 0) throw new NotFoundError('Organization', id);
	return camelCaseRow<Organization>(rows[0]);
}

/** Renames an organization or changes its plan (the platform operator only); a field left out keeps its value. */
export async function updateOrganization(
	tx: TenantTx,
	id: string,
	patch: { name?: string; planType?: string },
): Promise<Organization> {
	requireSystemOrganization(tx, 'update organizations');
	const { rows } = await tx.query<OrganizationRow>(
		`UPDATE organizations SET name = COALESCE($2, name), plan_type = COALESCE($3, plan_type)
		 WHERE id = $1 RETURNING ${COLUMNS}`,
		[
			requireUuid(id, 'Organization'),
			patch.name === undefined ? null : requiredText(patch.name, 'Name', 255),
			patch.planType === undefined ? null : requiredText(patch.planType, 'Plan Type', 50),
		],
	);
	if (rows.length === 0) throw new NotFoundError('Organization', id);
	return camelCaseRow<Organization>(rows[0]);
}
