import type { TenantTx } from '../db/tenantTransaction';
import { requireEmail } from '../validation/emailAddress';
import { ConflictError, InvalidInputError, NotFoundError } from '../validation/errors';
import { requireUuid } from '../validation/ids';
import { requiredText } from '../validation/text';

/**
 * How a person points at a record in the editor: by its ID (picked from a list or pasted), or by a natural key
 * (a campaign's or template's name, a lead's, mailbox's or user's email address).
 */
export interface RecordRef {
	by: 'id' | 'name' | 'email';
	value: string;
	/** The field it was given in, named in errors (e.g. "Campaign"). */
	field: string;
}

export type RecordKind = 'campaign' | 'lead' | 'template' | 'emailAccount' | 'user';

/** Where each kind lives and which natural key it may be found by; `label` names it in errors. */
const RECORDS: Record<RecordKind, { label: string; table: string; key: 'name' | 'email' }> = {
	campaign: { label: 'Campaign', table: 'campaigns', key: 'name' },
	lead: { label: 'Lead', table: 'leads', key: 'email' },
	template: { label: 'Template', table: 'templates', key: 'name' },
	emailAccount: { label: 'Email Account', table: 'email_accounts', key: 'email' },
	user: { label: 'User', table: 'users', key: 'email' },
};

const a = (label: string) => `${/^[AEIOU]/.test(label) ? 'an' : 'a'} ${label.toLowerCase()}`;

/** A kind as a sentence names one record: "a campaign", "an email account". */
export function oneRecordOf(kind: RecordKind): string {
	return a(RECORDS[kind].label);
}

/** The natural key each kind may be found by, as the editor offers it ("By Name" or "By Email"). */
export function naturalKeyOf(kind: RecordKind): 'name' | 'email' {
	return RECORDS[kind].key;
}

/**
 * The ID a reference names, within the transaction's organization. An ID is only checked for shape (the
 * operation that uses it reports a missing record); a name or email must match exactly one record, because
 * acting on a guess would change the wrong campaign.
 */
export async function resolveRecordId(
	tx: TenantTx,
	kind: RecordKind,
	{ by, value: given, field }: RecordRef,
): Promise<string> {
	if (by === 'id') return requireUuid(given, field);
	const { label, table, key } = RECORDS[kind];
	if (by !== key) throw new InvalidInputError(field, `an ID or ${a(label)}'s ${key}`, by);
	const value = key === 'email' ? requireEmail(given, field) : requiredText(given, field);
	// Emails are stored normalised, so they match as they are (and by the email indexes); names ignoring case.
	const matches = key === 'email' ? 'email = $2' : 'lower(name) = lower($2)';
	const { rows } = await tx.query<{ id: string }>(
		`SELECT id FROM ${table} WHERE organization_id = $1 AND ${matches} ORDER BY created_at LIMIT 2`,
		[tx.organizationId, value],
	);
	if (rows.length === 0) throw new NotFoundError(label, `${key} "${value}"`);
	if (rows.length > 1) {
		throw new ConflictError(
			`${field}: more than one ${label.toLowerCase()} has the ${key} "${value}"; pick it from the list or by ID`,
		);
	}
	return rows[0].id;
}

/** The IDs of several references (each item of a batch, say), looking each distinct reference up once. */
export async function resolveRecordIds(
	tx: TenantTx,
	kind: RecordKind,
	refs: ReadonlyArray<RecordRef | undefined>,
): Promise<Array<string | undefined>> {
	const ids = new Map<string, Promise<string>>();
	const idOf = (ref: RecordRef) => {
		const key = `${ref.by}:${ref.value}`;
		if (!ids.has(key)) ids.set(key, resolveRecordId(tx, kind, ref));
		return ids.get(key)!;
	};
	const resolved: Array<string | undefined> = [];
	// One at a time: a transaction runs one statement at a time anyway.
	for (const ref of refs) resolved.push(ref && (await idOf(ref)));
	return resolved;
}
