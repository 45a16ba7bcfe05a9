/** snake_case column names to the camelCase keys n8n users read in item JSON. */
export function camelCaseRow<T>(row: Record<string, unknown>): T {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(row)) {
		out[key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())] = value instanceof Date ? value.toISOString() : value;
	}
	return out as T;
}

export interface Page {
	limit: number;
	offset: number;
}

/** Clamps paging input: at most 1000 rows a page (n8n items are held in memory). */
export function page(limit?: number, offset?: number): Page {
	return {
		limit: Math.min(Math.max(Math.trunc(limit ?? 50), 1), 1000),
		offset: Math.max(Math.trunc(offset ?? 0), 0),
	};
}
