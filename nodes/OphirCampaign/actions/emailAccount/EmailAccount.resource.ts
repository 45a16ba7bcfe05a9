import type { INodeProperties } from 'n8n-workflow';

import { type Operation, resourceDescription } from '../../../shared/operations';
import * as create from './create.operation';
import * as deleteAccount from './delete.operation';
import * as get from './get.operation';
import * as list from './list.operation';
import * as reencryptSecrets from './reencryptSecrets.operation';
import { setPaused } from './setPaused.operation';
import * as update from './update.operation';
import * as verify from './verify.operation';

export const operations: Record<string, Operation> = {
	create,
	get,
	list,
	update,
	verify,
	pause: setPaused(true),
	resume: setPaused(false),
	delete: deleteAccount,
	reencryptSecrets,
};

export const description: INodeProperties[] = resourceDescription('emailAccount', operations, 'create', [
	{ name: 'Create', value: 'create', description: 'Add a sending mailbox', action: 'Create an email account' },
	{
		name: 'Delete',
		value: 'delete',
		description: 'Delete a mailbox that never sent',
		action: 'Delete an email account',
	},
	{ name: 'Get', value: 'get', description: 'Get a mailbox (never its secret)', action: 'Get an email account' },
	{ name: 'Get Many', value: 'list', description: 'List mailboxes', action: 'Get many email accounts' },
	{ name: 'Pause', value: 'pause', description: 'Stop sending from a mailbox', action: 'Pause an email account' },
	{
		name: 'Re-Encrypt Secrets',
		value: 'reencryptSecrets',
		description: 'Re-seal every mailbox secret with the current encryption key',
		action: 'Re encrypt secrets',
	},
	{
		name: 'Resume',
		value: 'resume',
		description: 'Send from a paused mailbox again',
		action: 'Resume an email account',
	},
	{
		name: 'Update',
		value: 'update',
		description: 'Change limits, warm-up, window or secret',
		action: 'Update an email account',
	},
	{ name: 'Verify', value: 'verify', description: 'Check the SMTP sign-in', action: 'Verify an email account' },
]);
