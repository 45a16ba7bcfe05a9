import { requireEmail } from '../validation/emailAddress';
import { InvalidInputError } from '../validation/errors';
import { characterCount, optionalText, storableJsonObject, storableText } from '../validation/text';

/**
 * What one lead may hold (docs/nodes.md, Limits). Names and company are the columns' sizes; custom
 * fields and tags are bounded so that one spreadsheet row cannot bloat the table, every rendering and every export.
 */
export const LEAD_LIMITS = Object.freeze({
	firstNameCharacters: 100,
	lastNameCharacters: 100,
	companyCharacters: 255,
	/** Custom fields (`data`) as JSON text, in UTF-8 bytes. */
	customFieldsBytes: 64 * 1024,
	tags: 100,
	tagCharacters: 100,
});

/** A lead as callers give it: the address is required, everything else optional. */
export interface LeadInput {
	email: unknown;
	firstName?: unknown;
	lastName?: unknown;
	company?: unknown;
	data?: unknown;
	tags?: unknown;
}

/** A lead's fields checked against LEAD_LIMITS, as they are written. */
export interface CleanLead {
	email: string;
	firstName: string | null;
	lastName: string | null;
	company: string | null;
	data: Record<string, unknown>;
	tags: string[];
}

/** Names and companies may come from a spreadsheet as numbers: they are stored as their text. */
export function cellText(value: unknown, field: string, max: number): string | null {
	return optionalText(typeof value === 'number' ? String(value) : value, field, max);
}

/** Tags from an array or a comma-separated text: trimmed, without blanks or repeats. */
export function cleanTags(value: unknown): string[] {
	if (value === undefined || value === null || value === '') return [];
	const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
	const tags = list
		.map((tag) => {
			if (typeof tag !== 'string' && typeof tag !== 'number') {
				throw new InvalidInputError('Tags', 'a list of texts or a comma-separated text', value);
			}
			return storableText(String(tag).trim(), 'Tags');
		})
		.filter(Boolean);
	const distinct = [...new Set(tags)];
	const tooMany = tagCountError(distinct.length, 'given');
	if (tooMany) throw tooMany;
	for (const tag of distinct) {
		if (characterCount(tag) > LEAD_LIMITS.tagCharacters) {
			throw new InvalidInputError('Tags', `tags of at most ${LEAD_LIMITS.tagCharacters} characters`, tag);
		}
		// A tag is a word or a short phrase; control characters are never meant (and one of them separates tags in bulk writes).
		for (let i = 0; i < tag.length; i++) {
			const code = tag.charCodeAt(i);
			if (code < 0x20 || code === 0x7f) throw new InvalidInputError('Tags', 'tags without control characters', tag);
		}
	}
	return distinct;
}

/** `counted` says what was counted: the tags given, or those a lead would hold after a merge. */
export function tagCountError(count: number, counted: string): InvalidInputError | undefined {
	return count > LEAD_LIMITS.tags
		? new InvalidInputError('Tags', `at most ${LEAD_LIMITS.tags} tags (${count} ${counted})`)
		: undefined;
}

const CUSTOM_FIELDS = 'Custom Fields (data)';

export function customFieldsError(bytes: number, counted: string): InvalidInputError | undefined {
	const max = LEAD_LIMITS.customFieldsBytes;
	return bytes > max
		? new InvalidInputError(
				CUSTOM_FIELDS,
				`at most ${max / 1024} KB (${max} bytes) of JSON (${bytes} bytes ${counted})`,
			)
		: undefined;
}

/**
 * Bytes of a value as PostgreSQL prints it as jsonb (a space after each ':' and ','), the way merged fields are
 * measured in SQL: a lead accepted once is measured the same way when it is merged into later.
 */
function jsonbTextBytes(value: unknown): number {
	if (Array.isArray(value))
		return value.reduce<number>((sum, item) => sum + jsonbTextBytes(item), 2 + Math.max(0, 2 * value.length - 2));
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value);
		// '{', '}', and per field its key, ': ' and ', ' between fields.
		return entries.reduce<number>(
			(sum, [key, item]) => sum + Buffer.byteLength(JSON.stringify(key)) + 2 + jsonbTextBytes(item),
			2 + Math.max(0, 2 * entries.length - 2),
		);
	}
	return Buffer.byteLength(JSON.stringify(value) ?? 'null');
}

export function cleanData(value: unknown): Record<string, unknown> {
	const data = storableJsonObject(value, CUSTOM_FIELDS, 'an object of field names and values');
	const tooBig = customFieldsError(jsonbTextBytes(data), 'given');
	if (tooBig) throw tooBig;
	return data;
}

/** SQL for a lead's tags and custom fields with new ones merged in (Import's update, Update, Add Tags). */
export const mergedTags = (stored: string, added: string) =>
	`ARRAY(SELECT DISTINCT t FROM unnest(COALESCE(${stored}, '{}') || ${added}) AS t ORDER BY t)`;
export const mergedData = (stored: string, added: string) => `COALESCE(${stored}, '{}'::jsonb) || ${added}`;

/**
 * A merge must leave the lead within LEAD_LIMITS too, or repeated imports and updates would grow it without end.
 * Merged custom fields are measured as PostgreSQL prints jsonb, as jsonbTextBytes measures a single input.
 */
export const mergedTagCount = (stored: string, added: string) => `cardinality(${mergedTags(stored, added)})`;
export const jsonBytes = (json: string) => `octet_length((${json})::text)`;
export const WITH_STORED = "with the lead's stored ones";

export function cleanLead(input: LeadInput): CleanLead {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		throw new InvalidInputError('Lead', 'an object with an email field', input);
	}
	return {
		email: requireEmail(input.email),
		firstName: cellText(input.firstName, 'First Name', LEAD_LIMITS.firstNameCharacters),
		lastName: cellText(input.lastName, 'Last Name', LEAD_LIMITS.lastNameCharacters),
		company: cellText(input.company, 'Company', LEAD_LIMITS.companyCharacters),
		data: cleanData(input.data),
		tags: cleanTags(input.tags),
	};
}
