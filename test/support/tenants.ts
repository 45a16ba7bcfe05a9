import { randomUUID } from 'node:crypto';

import { SYSTEM_ORGANIZATION_ID, type TenantTx, withTenant } from '../../nodes/core/db';
import type { TestDatabase } from './database';

/** Runs `work` in a transaction acting for `organizationId`, exactly as the nodes do. */
export type ActAs = <T>(work: (tx: TenantTx) => Promise<T>) => Promise<T>;

export function actingFor(db: TestDatabase, organizationId: string): ActAs {
	return (work) => withTenant(db.pool, organizationId, work);
}

/** A new organization (written as the database owner) and a way to act for it. */
export async function newTenant(
	db: TestDatabase,
	name = `org-${randomUUID().slice(0, 8)}`,
): Promise<{ id: string; as: ActAs }> {
	const id = randomUUID();
	await db.pool.query('INSERT INTO organizations (id, name) VALUES ($1, $2)', [id, name]);
	return { id, as: actingFor(db, id) };
}

export const systemTenant = (db: TestDatabase) => ({
	id: SYSTEM_ORGANIZATION_ID,
	as: actingFor(db, SYSTEM_ORGANIZATION_ID),
});
