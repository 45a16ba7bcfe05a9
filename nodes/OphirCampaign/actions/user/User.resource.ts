import type { INodeProperties } from 'n8n-workflow';

import { type Operation, resourceDescription } from '../../../shared/operations';
import * as create from './create.operation';
import * as list from './list.operation';
import * as setPassword from './setPassword.operation';

export const operations: Record<string, Operation> = { create, list, setPassword };

export const description: INodeProperties[] = resourceDescription('user', operations, 'create', [
	{ name: 'Create', value: 'create', description: 'Create a user of this organization', action: 'Create a user' },
	{
		name: 'Get Many',
		value: 'list',
		description: 'List the organization’s users (never their password hashes)',
		action: 'Get many users',
	},
	{
		name: 'Set Password',
		value: 'setPassword',
		description: 'Set or replace a user’s password',
		action: 'Set a user s password',
	},
]);
