import type { INodeProperties } from 'n8n-workflow';

import { type Operation, resourceDescription } from '../../../shared/operations';
import { tagOperation } from './changeTags.operation';
import * as create from './create.operation';
import * as deleteLead from './delete.operation';
import * as exportLead from './export.operation';
import * as get from './get.operation';
import * as importLeads from './import.operation';
import * as list from './list.operation';
import * as setStatus from './setStatus.operation';
import * as update from './update.operation';
import * as upsert from './upsert.operation';

export const operations: Record<string, Operation> = {
	create,
	upsert,
	import: importLeads,
	get,
	list,
	update,
	addTags: tagOperation('add'),
	removeTags: tagOperation('remove'),
	setStatus,
	delete: deleteLead,
	export: exportLead,
};

export const description: INodeProperties[] = resourceDescription('lead', operations, 'upsert', [
	{ name: 'Add Tags', value: 'addTags', description: 'Add tags to a lead', action: 'Add tags to a lead' },
	{
		name: 'Create',
		value: 'create',
		description: 'Create a lead (fails if the address exists)',
		action: 'Create a lead',
	},
	{
		name: 'Create or Update',
		value: 'upsert',
		description: 'Create a new record, or update the current one if it already exists (upsert)',
		action: 'Create or update a lead',
	},
	{
		name: 'Delete (Erase)',
		value: 'delete',
		description: 'Erase a lead and its history (GDPR)',
		action: 'Erase a lead',
	},
	{
		name: 'Export',
		value: 'export',
		description: 'Everything stored about an address (GDPR)',
		action: 'Export a lead s data',
	},
	{ name: 'Get', value: 'get', description: 'Get a lead', action: 'Get a lead' },
	{ name: 'Get Many', value: 'list', description: 'List or search leads', action: 'Get many leads' },
	{ name: 'Import', value: 'import', description: 'Import all input items as leads, fast', action: 'Import leads' },
	{
		name: 'Remove Tags',
		value: 'removeTags',
		description: 'Remove tags from a lead',
		action: 'Remove tags from a lead',
	},
	{ name: 'Set Status', value: 'setStatus', description: 'Change a lead s status', action: 'Set a lead s status' },
	{ name: 'Update', value: 'update', description: 'Change a lead s fields', action: 'Update a lead' },
]);
