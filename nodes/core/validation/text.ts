import { InvalidInputError } from './errors';
import { jsonObject } from './json';

// The text checks every core module shares, so that each field is refused in the same words. PostgreSQL text
// and jsonb hold neither NUL characters nor unpaired UTF-16 surrogates, and VARCHAR(n) counts characters (code
// points), not UTF-16 units: an emoji is one character.

/** Characters as PostgreSQL counts them: code points. */
export function characterCount(text: string): number {
	return [...text].length;
}

/** The text itself, if PostgreSQL can store it. */
export function storableText(text: string, field: string): string {
	if (text.includes('\u0000')) throw new InvalidInputError(field, 'text without NUL (\\u0000) characters', text);
	if (!text.isWellFormed()) throw new InvalidInputError(field, 'valid Unicode text (no unpaired surrogate)', text);
	return text;
}

function withinLength(text: string, field: string, max: number | undefined): string {
	if (max !== undefined && characterCount(text) > max)
		throw new InvalidInputError(field, `at most ${max} characters`, text);
	return text;
}

/**
 * Non-empty, storable text of at most `max` characters, trimmed; `trim: false` keeps the surrounding whitespace
 * as written (an HTML body) while still refusing a blank one.
 */
export function requiredText(value: unknown, field: string, max?: number, { trim = true } = {}): string {
	const trimmed = typeof value === 'string' ? value.trim() : '';
	if (!trimmed) throw new InvalidInputError(field, 'a non-empty text', value);
	return withinLength(storableText(trim ? trimmed : (value as string), field), field, max);
}

/**
 * Text that may be left out: undefined, null or blank give null. Anything but text is refused, so that an object
 * never ends up stored as "[object Object]".
 */
export function optionalText(value: unknown, field: string, max?: number): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'string') throw new InvalidInputError(field, 'a text', value);
	return withinLength(storableText(value.trim(), field), field, max) || null;
}

/** Every key and text value of a JSON value, at any depth, checked as storableText checks text. */
export function assertStorableJson(value: unknown, field: string): void {
	if (typeof value === 'string') storableText(value, field);
	else if (Array.isArray(value)) value.forEach((entry) => assertStorableJson(entry, field));
	else if (value && typeof value === 'object') {
		for (const [key, entry] of Object.entries(value)) {
			storableText(key, field);
			assertStorableJson(entry, field);
		}
	}
}

/**
 * An object of names and values (or its JSON text) exactly as a jsonb column will hold it. It goes through JSON
 * here, so that a value JSON cannot hold (a BigInt, a cycle) is refused naming the field, and what is checked is
 * what gets stored (dates as text, undefined fields dropped).
 */
export function storableJsonObject(value: unknown, field: string, expected: string): Record<string, unknown> {
	const object = jsonObject(value, field, expected);
	let stored: Record<string, unknown>;
	try {
		stored = JSON.parse(JSON.stringify(object));
	} catch {
		throw new InvalidInputError(field, 'plain JSON values (text, numbers, true/false, null, lists, objects)');
	}
	assertStorableJson(stored, field);
	return stored;
}

/**
 * A LIKE / ILIKE pattern finding `text` anywhere, its own %, _ and \ matching only themselves (PostgreSQL's default
 * escape character is \); null when nothing but blanks is given, for "no filter".
 */
export function containsPattern(text: string | undefined | null): string | null {
	const trimmed = text?.trim();
	return trimmed ? `%${trimmed.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
}
