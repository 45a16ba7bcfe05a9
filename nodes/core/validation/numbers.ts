import { InvalidInputError } from './errors';

/** A number as a node parameter gives it: a number, or its digits in text (an n8n expression may give either). */
export type NumberInput = number | string;

/** A whole number within [min, max], given as a number or as its digits in text (n8n expressions may give either). */
export function wholeNumber(value: unknown, field: string, min: number, max: number): number {
	const n =
		typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
	if (!Number.isInteger(n) || n < min || n > max)
		throw new InvalidInputError(field, `a whole number from ${min} to ${max}`, value);
	return n;
}

/**
 * A whole number that may be left out, checked as wholeNumber checks one: undefined, null or blank text (an empty
 * credential field, an unset environment variable) give the fallback.
 */
export function optionalWholeNumber(value: unknown, field: string, min: number, max: number, fallback: number): number {
	return value === undefined || value === null || value === '' ? fallback : wholeNumber(value, field, min, max);
}
