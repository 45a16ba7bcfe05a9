import type { INodeProperties } from 'n8n-workflow';

import { type Operation, operationsDescription } from '../../shared/operations';
import * as claim from './claim.operation';
import * as complete from './complete.operation';
import * as fail from './fail.operation';
import * as getStats from './getStats.operation';
import * as resetDailyCounters from './resetDailyCounters.operation';
import * as scheduleDueSteps from './scheduleDueSteps.operation';
import * as sendDueEmails from './sendDueEmails.operation';

export const operations: Record<string, Operation> = {
	scheduleDueSteps,
	sendDueEmails,
	claim,
	complete,
	fail,
	resetDailyCounters,
	getStats,
};

export const description: INodeProperties[] = operationsDescription(operations, 'scheduleDueSteps', [
	{
		name: 'Claim Emails',
		value: 'claim',
		description: 'Take due emails to send through another node',
		action: 'Claim due emails',
	},
	{
		name: 'Complete Emails',
		value: 'complete',
		description: 'Report claimed emails as sent',
		action: 'Complete emails',
	},
	{ name: 'Fail Emails', value: 'fail', description: 'Report claimed emails as failed', action: 'Fail emails' },
	{
		name: 'Get Queue Stats',
		value: 'getStats',
		description: 'Counts by status, oldest due email, capacity left per mailbox',
		action: 'Get queue stats',
	},
	{
		name: 'Reset Daily Counters',
		value: 'resetDailyCounters',
		description: 'Start a new day for mailboxes past their local midnight',
		action: 'Reset daily counters',
	},
	{
		name: 'Schedule Due Steps',
		value: 'scheduleDueSteps',
		description: 'Queue every sequence step that is due',
		action: 'Schedule due steps',
	},
	{
		name: 'Send Due Emails',
		value: 'sendDueEmails',
		description: 'Send due emails through their mailboxes',
		action: 'Send due emails',
	},
]);
