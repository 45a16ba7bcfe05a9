import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { MAX_PAGE_SIZE } from '../../core/validation';
import { LOAD_METHODS } from '../locators';
import { organizationRecords } from './listSearch';
import { organizationOptions } from './organizations';

/**
 * Every record of a kind for a multi-select field, in the pickers' order, up to MAX_PAGE_SIZE (1,000): a
 * multi-select loads its options at once and filters them in the browser, so a cap keeps the editor responsive;
 * records past it can still be given by ID in an expression.
 */
function optionsOf(kind: keyof typeof LOAD_METHODS) {
	return async function (this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		const { records } = await organizationRecords.call(this, kind, { limit: MAX_PAGE_SIZE, offset: 0 });
		return records.map(({ id, label }) => ({ name: label, value: id }));
	};
}

/**
 * One method per entry of LOAD_METHODS (named there): a campaign's sending mailboxes, filters by campaign, a
 * sequence step's template; and the organizations the credential may act for (the Organizations option).
 */
export const loadOptions: Record<string, (this: ILoadOptionsFunctions) => Promise<INodePropertyOptions[]>> = {
	...Object.fromEntries(
		Object.entries(LOAD_METHODS).map(([kind, method]) => [method, optionsOf(kind as keyof typeof LOAD_METHODS)]),
	),
	...organizationOptions,
};
