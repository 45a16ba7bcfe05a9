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

/**
 * Work an organization's quota leaves no room for: names the limit, its value, what is used and what was asked,
 * and who can raise it.
 */
export class QuotaExceededError extends ConflictError {
	constructor(
		readonly quota: string,
		readonly limit: number,
		readonly used: number,
		readonly adding: number,
		{ counting, source = 'this' }: { counting: string; source?: string },
	) {
		super(
			`Quota "${quota}" reached: the organization has ${grouped(used)} of ${grouped(limit)} ${counting} and ${source} adds ${grouped(adding)}`,
			'The platform operator can raise it: OPhir Campaign → Organization → Update, with a credential acting for the system organization.',
		);
	}
}

function describeValue(value: unknown): string {
	if (value === null) return 'null';
	if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
	if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
	return String(value);
}

/** 1234567 as 1,234,567. */
function grouped(n: number): string {
	return n.toLocaleString('en-US');
}
