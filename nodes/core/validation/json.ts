import { InvalidInputError } from './errors';

/** Parses JSON text a user typed, failing with the field's name and the parser's reason. */
export function parseJson(text: string, field: string): unknown {
	let reason: string;
	try {
		return JSON.parse(text);
	} catch (error) {
		reason = (error as Error).message;
	}
	throw new InvalidInputError(field, 'valid JSON', reason);
}

/** An object of names and values, given as an object or as JSON text; nothing given is an empty object. */
export function jsonObject(value: unknown, field: string, expected: string): Record<string, unknown> {
	if (value === undefined || value === null || value === '') return {};
	const parsed = typeof value === 'string' ? parseJson(value, field) : value;
	if (Object.prototype.toString.call(parsed) !== '[object Object]') throw new InvalidInputError(field, expected, value);
	return parsed as Record<string, unknown>;
}
