/**
 * Errors the domain core raises. They carry what a user needs to fix the input (the field and what was
 * expected); the node layer adds the item index and turns them into n8n errors.
 */
export class OphirError extends Error {
	constructor(
		message: string,
		readonly description?: string,
	) {
		super(message);
		this.name = new.target.name;
	}
}

/** Input that can never succeed as given: a field with the wrong shape or value. */
export class InvalidInputError extends OphirError {
	constructor(
		readonly field: string,
		readonly expected: string,
		received?: unknown,
	) {
		super(`${field} must be ${expected}`, received === undefined ? undefined : `Received: ${describeValue(received)}`);
	}
}

/** A record that does not exist for the acting organization (another tenant's rows look the same). */
export class NotFoundError extends OphirError {
	constructor(kind: string, id: string) {
		super(`${kind} ${id} was not found in this organization`);
	}
}

/** A valid request the current state refuses: a duplicate, or a status that does not allow the change. */
export class ConflictError extends OphirError {}

function describeValue(value: unknown): string {
	if (value === null) return 'null';
	if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
	if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
	return String(value);
}
