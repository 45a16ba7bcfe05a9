import type { INodeProperties } from 'n8n-workflow';

import { type Operation, operationsDescription } from '../../shared/operations';
import * as accountHealth from './accountHealth.operation';
import * as campaignStats from './campaignStats.operation';
import * as logExecution from './logExecution.operation';
import * as processInboundEmail from './processInboundEmail.operation';
import * as recordEvent from './recordEvent.operation';

export const operations: Record<string, Operation> = {
	recordEvent,
	processInboundEmail,
	campaignStats,
	accountHealth,
	logExecution,
};

export const description: INodeProperties[] = operationsDescription(operations, 'recordEvent', [
	{
		name: 'Account Health',
		value: 'accountHealth',
		description: 'Score mailboxes by bounces and complaints; pause bad ones',
		action: 'Update account health',
	},
	{
		name: 'Campaign Stats',
		value: 'campaignStats',
		description: 'Sent, opens, clicks, replies, bounces and rates',
		action: 'Get campaign stats',
	},
	{
		name: 'Log Execution',
		value: 'logExecution',
		description: 'Record a run in the OPhir execution log',
		action: 'Log an execution',
	},
	{
		name: 'Process Inbound Email',
		value: 'processInboundEmail',
		description: 'Handle replies, bounces and complaints from an IMAP mailbox',
		action: 'Process inbound emails',
	},
	{
		name: 'Record Event',
		value: 'recordEvent',
		description: 'Record a sent, open, click, reply, bounce, complaint or unsubscribe',
		action: 'Record an event',
	},
]);
