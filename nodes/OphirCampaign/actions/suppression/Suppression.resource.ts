import type { INodeProperties } from 'n8n-workflow';

import { type Operation, resourceDescription } from '../../../shared/operations';
import * as add from './add.operation';
import * as check from './check.operation';
import * as list from './list.operation';
import * as remove from './remove.operation';

export const operations: Record<string, Operation> = { add, check, list, remove };

export const description: INodeProperties[] = resourceDescription('suppression', operations, 'add', [
	{
		name: 'Add',
		value: 'add',
		description: 'Never email an address or domain again, and cancel what is queued for it',
		action: 'Add a suppression',
	},
	{ name: 'Check', value: 'check', description: 'Whether an address may be emailed', action: 'Check an address' },
	{
		name: 'Get Many',
		value: 'list',
		description: 'List suppressed addresses and domains',
		action: 'Get many suppressions',
	},
	{ name: 'Remove', value: 'remove', description: 'Allow an address or domain again', action: 'Remove a suppression' },
]);
