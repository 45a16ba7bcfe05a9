import type { IDataObject, IExecuteFunctions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import type { RecordRef } from '../core/outreach';
import { page, parseJson, requiredText, requireUuid, wholeNumber } from '../core/validation';
import { toNodeError } from './itemErrors';

/** Reads node parameters for one item and checks them, so a bad value fails naming its field and the item. */
export class ItemParameters {
	constructor(
		private readonly context: IExecuteFunctions,
		private readonly itemIndex: number,
	) {}

	raw<T = unknown>(name: string, fallback?: T): T {
		return this.context.getNodeParameter(name, this.itemIndex, fallback) as T;
	}

	string(name: string, label: string): string {
		const value = this.raw<unknown>(name, '');
		return requiredText(typeof value === 'number' ? String(value) : value, label);
	}

	optionalString(name: string): string | undefined {
		const value = this.raw<unknown>(name, '');
		return value === undefined || value === null || String(value).trim() === '' ? undefined : String(value).trim();
	}

	uuid(name: string, label: string): string {
		return requireUuid(this.string(name, label), label);
	}

	/**
	 * A record reference from a recordLocator parameter: a resource locator's mode and value, or the plain ID text
	 * of a workflow saved with version 1. "From List" and "By ID" both hold an ID. Errors name the field as the
	 * node shows it: "Campaign" for a locator, "Campaign ID" (or `version1Label`) for version 1's text field.
	 */
	ref(name: string, label: string, version1Label = `${label} ID`): RecordRef {
		const raw = this.raw<unknown>(name, '');
		const locator = typeof raw === 'object' && raw !== null ? (raw as { mode?: string; value?: unknown }) : undefined;
		const field = locator ? label : version1Label;
		const value = requiredText(locator ? locator.value : raw, field);
		const mode = locator?.mode;
		return mode === 'name' || mode === 'email'
			? { by: mode, value, field }
			: { by: 'id', value: requireUuid(value, field), field };
	}

	/** A record reference that may be left empty: undefined then. */
	optionalRef(name: string, label: string, version1Label?: string): RecordRef | undefined {
		const raw = this.raw<unknown>(name, '');
		const value = typeof raw === 'object' && raw !== null ? (raw as { value?: unknown }).value : raw;
		return value === undefined || value === null || String(value).trim() === ''
			? undefined
			: this.ref(name, label, version1Label);
	}

	/** A whole number within [min, max]; `fallback` when the parameter is absent (an option not added). */
	wholeNumber(name: string, label: string, min: number, max: number, fallback?: number): number {
		return wholeNumber(this.raw<unknown>(name, fallback), label, min, max);
	}

	/** A JSON parameter: n8n hands over an object, or the JSON text when the field holds text. */
	json(name: string, label: string): IDataObject | undefined {
		const value = this.raw<unknown>(name, undefined);
		if (value === undefined || value === null || value === '') return undefined;
		if (typeof value === 'object') return value as IDataObject;
		return parseJson(String(value), label) as IDataObject;
	}

	/** An optional collection ("Additional Fields", "Update Fields", "Filters"). */
	collection(name: string): IDataObject {
		return this.raw<IDataObject>(name, {}) ?? {};
	}
}

/** Pages through `fetch` for "Return All", or fetches up to "Limit" rows. */
export async function fetchList<T>(
	params: ItemParameters,
	fetch: (paging: { limit: number; offset: number }) => Promise<T[]>,
): Promise<T[]> {
	if (!params.raw<boolean>('returnAll', false)) return fetch(page(params.raw<number>('limit', 50), 0));
	const all: T[] = [];
	for (let offset = 0; ; offset += 1000) {
		const rows = await fetch({ limit: 1000, offset });
		all.push(...rows);
		if (rows.length < 1000) return all;
	}
}

/**
 * Reads every item's parameters for a set-based operation: a value per item, or, under continueOnFail, the Error
 * its parameters raised. Without continueOnFail the first bad item stops the node before anything is written.
 */
export function readEachItem<T>(
	context: IExecuteFunctions,
	itemCount: number,
	read: (params: ItemParameters, itemIndex: number) => T,
): Array<T | Error> {
	return Array.from({ length: itemCount }, (_, itemIndex) => {
		try {
			return read(new ItemParameters(context, itemIndex), itemIndex);
		} catch (error) {
			if (!context.continueOnFail()) throw toNodeError(context, error, itemIndex);
			return error as Error;
		}
	});
}

/** A fixed list of values as n8n options, each named as a person reads it ("not_interested" → "Not interested"). */
export function optionsOf(values: readonly string[]): INodePropertyOptions[] {
	return values.map((value) => ({ name: value.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase()), value }));
}

/** The "Additional Fields" collection of a create operation: its optional fields. */
export function additionalFieldsField(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options,
	};
}

/** The "Filters" collection of a list operation, holding `options`. */
export function filtersField(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options,
	};
}
