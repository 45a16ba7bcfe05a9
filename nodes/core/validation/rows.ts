import { wholeNumber } from './numbers';

/** snake_case column names to the camelCase keys n8n users read in item JSON. */
export function camelCaseRow<T>(row: object): T {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(row)) {
		out[key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())] =
			value instanceof Date ? value.toISOString() : value;
	}
	return out as T;
}

export interface Page {
	limit: number;
	offset: number;
}

/** Rows a page holds at most: n8n items are held in memory. */
export const MAX_PAGE_SIZE = 1000;

/** Clamps paging input to 1..MAX_PAGE_SIZE rows a page. */
export function page(limit?: number, offset?: number): Page {
	return {
		limit: Math.min(Math.max(Math.trunc(limit ?? 50), 1), MAX_PAGE_SIZE),
		offset: Math.max(Math.trunc(offset ?? 0), 0),
	};
}

/** Paging as the list queries take it, checked: a NaN or a fraction never reaches LIMIT / OFFSET. */
export function checkedPage({ limit, offset }: Page): Page {
	return {
		limit: wholeNumber(limit, 'Limit', 1, MAX_PAGE_SIZE),
		offset: wholeNumber(offset, 'Offset', 0, Number.MAX_SAFE_INTEGER),
	};
}

/** A filter that takes one value or several: null (no filter) when none is given (blanks ignored), else the list. */
export function anyOf<T>(value: T | readonly T[] | undefined | null): T[] | null {
	const list = (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined && v !== null && v !== '');
	return list.length === 0 ? null : (list as T[]);
}
