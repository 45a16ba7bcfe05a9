import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import type { RecordKind } from '../../core/outreach';
import { MAX_PAGE_SIZE } from '../../core/validation';
import { organizationRecords } from './listSearch';

/**
 * Every record of a kind for a multi-select field, in the pickers' order, up to MAX_PAGE_SIZE (1,000): a
 * multi-select loads its options at once and filters them in the browser, so a cap keeps the editor responsive;
 * records past it can still be given by ID in an expression.
 */
function optionsOf(kind: RecordKind) {
	return async function (this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		const { records } = await organizationRecords.call(this, kind, { limit: MAX_PAGE_SIZE, offset: 0 });
		return records.map(({ id, label }) => ({ name: label, value: id }));
	};
}

/** A campaign's sending mailboxes, filters by campaign, a sequence step's template. */
export const loadOptions = {
	getCampaigns: optionsOf('campaign'),
	getEmailAccounts: optionsOf('emailAccount'),
	getTemplates: optionsOf('template'),
};
