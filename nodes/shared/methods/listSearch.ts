import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { type RecordKind, type RecordPage, type RecordSearch, searchRecords } from '../../core/outreach';
import { SEARCH_METHODS } from '../locators';
import { forOrganization } from './forOrganization';

/** Records a "From List" picker shows at a time; the editor asks for the next page as the list scrolls. */
const PAGE_SIZE = 50;

/** What each kind is called in the error the dropdown shows. */
const PLURALS: Record<RecordKind, string> = {
	campaign: 'campaigns',
	lead: 'leads',
	template: 'templates',
	emailAccount: 'email accounts',
	user: 'users',
};

/** Records of the credential's organization, for the editor (listSearch and loadOptions). */
export function organizationRecords(
	this: ILoadOptionsFunctions,
	kind: RecordKind,
	search: RecordSearch,
): Promise<RecordPage> {
	return forOrganization(this, PLURALS[kind], (tx) => searchRecords(tx, kind, search));
}

type ListSearchMethod = (
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
) => Promise<INodeListSearchResult>;

/** A picker's search: the page token is the offset of the next page. */
function searchMethod(kind: RecordKind): ListSearchMethod {
	return async function (filter, paginationToken) {
		const offset = paginationToken ? Number(paginationToken) : 0;
		const { records, hasMore } = await organizationRecords.call(this, kind, { filter, limit: PAGE_SIZE, offset });
		return {
			results: records.map(({ id, label }) => ({ name: label, value: id })),
			...(hasMore ? { paginationToken: String(offset + PAGE_SIZE) } : {}),
		};
	};
}

/** One search a kind, under the name its pickers ask for (SEARCH_METHODS). */
export const listSearch: Record<string, ListSearchMethod> = Object.fromEntries(
	(Object.keys(SEARCH_METHODS) as RecordKind[]).map((kind) => [SEARCH_METHODS[kind], searchMethod(kind)]),
);
