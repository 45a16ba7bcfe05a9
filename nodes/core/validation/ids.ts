import { InvalidInputError } from './errors';

/** The example every "must be a UUID" message shows, in the nodes and in the core alike. */
export const UUID_EXAMPLE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
	return typeof value === 'string' && UUID_PATTERN.test(value);
}

/**
 * A record ID as the core takes it: checked before any SQL sees it, so a bad one is refused naming its field
 * rather than with PostgreSQL's "invalid input syntax for type uuid".
 */
export function requireUuid(value: unknown, field: string): string {
	if (!isUuid(value)) throw new InvalidInputError(field, `a UUID such as ${UUID_EXAMPLE}`, value);
	return value;
}

/** An ID that may be left out: undefined, null or blank give null. */
export function optionalUuid(value: unknown, field: string): string | null {
	return value === undefined || value === null || value === '' ? null : requireUuid(value, field);
}

/** Every ID of a list, each checked as requireUuid checks one. */
export function requireUuids(values: readonly unknown[], field: string): string[] {
	return values.map((value) => requireUuid(value, field));
}
