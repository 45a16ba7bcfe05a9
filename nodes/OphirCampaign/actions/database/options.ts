/** A number parameter as n8n hands it over (an expression may give text); the core checks the range and names the field. */
export const numberOption = (value: unknown): number | undefined =>
	value === undefined ? undefined : typeof value === 'string' && value.trim() !== '' ? Number(value) : (value as number);
