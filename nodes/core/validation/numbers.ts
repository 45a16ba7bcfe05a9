import { InvalidInputError } from './errors';

/** A whole number within [min, max], given as a number or as its digits in text (n8n expressions may give either). */
export function wholeNumber(value: unknown, field: string, min: number, max: number): number {
	const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
	if (!Number.isInteger(n) || n < min || n > max) throw new InvalidInputError(field, `a whole number from ${min} to ${max}`, value);
	return n;
}
