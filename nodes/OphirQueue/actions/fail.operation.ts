import type { INodeProperties } from 'n8n-workflow';

import { failEmails, type Failure, type FailureKind } from '../../core/sending';
import { readEachItem } from '../../shared/parameters';
import type { BatchExecute } from '../../shared/runPerItem';
import { claimField } from './fields';

const KINDS: Array<{ name: string; value: FailureKind; description: string }> = [
	{
		name: 'Retry Later',
		value: 'retry',
		description: 'Temporary: try again after a backoff, until the attempts run out',
	},
	{
		name: 'Recipient Refused (Bounce)',
		value: 'bounce',
		description: 'Hard bounce: the lead stops and the address is suppressed',
	},
	{ name: 'Failed for Good', value: 'permanent', description: 'Will not work on retry' },
	{
		name: 'Mailbox Cannot Send',
		value: 'mailbox',
		description: 'Pause the mailbox (e.g. sign-in refused); the email waits',
	},
];

export const description: INodeProperties[] = [
	claimField('queueId', 'Queue ID'),
	claimField('leaseToken', 'Lease Token'),
	{
		displayName: 'Error',
		name: 'error',
		type: 'string',
		default: '={{ $json.error?.message ?? $json.error }}',
		description: 'What went wrong',
	},
	{ displayName: 'Kind', name: 'kind', type: 'options', options: KINDS, default: 'retry' },
	{
		displayName: 'SMTP Code',
		name: 'smtpCode',
		type: 'number',
		default: 0,
		description: 'The SMTP reply code, if known (0: none)',
	},
	{ displayName: 'Max Attempts', name: 'maxAttempts', type: 'number', typeOptions: { minValue: 1 }, default: 5 },
	{
		displayName: 'Retry After (Seconds)',
		name: 'backoffSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 60,
	},
];

/** Records every input item's failed attempt, in one transaction. */
export const executeBatch: BatchExecute = async function ({ items, tenant, executionId }) {
	const failures = readEachItem(
		this,
		items.length,
		(params): Failure => ({
			id: params.uuid('queueId', 'Queue ID'),
			leaseToken: params.uuid('leaseToken', 'Lease Token'),
			kind: params.raw<FailureKind>('kind', 'retry'),
			error: params.optionalString('error') ?? 'failed (no reason given)',
			smtpCode: params.raw<number>('smtpCode', 0) || undefined,
		}),
	);
	const first = readEachItem(this, 1, (params) => ({
		maxAttempts: params.wholeNumber('maxAttempts', 'Max Attempts', 1, 100, 5),
		backoffSeconds: params.wholeNumber('backoffSeconds', 'Retry After (Seconds)', 1, 86_400, 60),
	}))[0];
	if (first instanceof Error) throw first;
	const valid = failures.filter((f): f is Failure => !(f instanceof Error));
	const outcome = await tenant((tx) => failEmails(tx, valid, { executionId, policy: first }));
	const recorded = new Set(outcome.recorded);
	return failures.map((f) =>
		f instanceof Error
			? f
			: recorded.has(f.id)
				? { queueId: f.id, recorded: true, kind: f.kind }
				: {
						queueId: f.id,
						recorded: false,
						reason:
							'not leased with this token: the lease expired and the email was claimed again, or it was already reported',
					},
	);
};
