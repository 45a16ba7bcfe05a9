import { randomUUID } from 'node:crypto';

import { SYSTEM_ORGANIZATION_ID } from './connectionSettings';
import { InvalidInputError, OphirError } from './errors';
import { camelCaseRow } from './rows';
import type { TenantTx } from './tenantTransaction';

export interface Organization {
	id: string;
	name: string;
	planType: string;
	settings: Record<string, unknown>;
	createdAt: string;
	updatedAt: string;
}

const COLUMNS = 'id, name, plan_type, settings, created_at, updated_at';

/** Creates a tenant. Only a credential acting for the system organization (the platform operator) may. */
export async function createOrganization(
	tx: TenantTx,
	input: { name?: string; planType?: string; settings?: Record<string, unknown> },
): Promise<Organization> {
	if (tx.organizationId !== SYSTEM_ORGANIZATION_ID) {
		throw new OphirError(
			'Only a credential acting for the system organization can create organizations',
			`Use a credential whose Organization ID is ${SYSTEM_ORGANIZATION_ID}.`,
		);
	}
	const name = input.name?.trim();
	if (!name) throw new InvalidInputError('Name', 'a non-empty text', input.name);
	if (name.length > 255) throw new InvalidInputError('Name', 'at most 255 characters', name);
	const { rows } = await tx.client.query(
		`INSERT INTO organizations (id, name, plan_type, settings) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
		[randomUUID(), name, input.planType?.trim() || 'free', input.settings ?? {}],
	);
	return camelCaseRow<Organization>(rows[0]);
}

/** The system organization sees every organization; any other sees itself. */
export async function listOrganizations(tx: TenantTx): Promise<Organization[]> {
	const { rows } = await tx.client.query(`SELECT ${COLUMNS} FROM organizations ORDER BY created_at, id`);
	return rows.map((row) => camelCaseRow<Organization>(row));
}
