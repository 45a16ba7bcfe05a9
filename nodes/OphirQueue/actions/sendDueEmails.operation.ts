import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_RETRY_POLICY, sendDueEmails, sendDueEmailsForOrganizations } from '../../core/sending';
import { combineOutcomes } from '../../core/outreach';
import {
	lanesOf,
	organizationScopeOf,
	organizationsFields,
	organizationsOf,
	unlessAllFailed,
} from '../../shared/organizationScope';
import type { OperationExecute } from '../../shared/runPerItem';
import { batchSizeField, leaseSecondsField } from './fields';

export const description: INodeProperties[] = [
	...organizationsFields,
	{
		...batchSizeField,
		description:
			'Most emails this run claims and sends; with several organizations, shared fairly by what each has due',
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		options: [
			{ name: 'Summary', value: 'summary', description: 'One item with the counts and every email’s result' },
			{ name: 'One Item per Email', value: 'perEmail', description: 'One item per email claimed, with its result' },
		],
		default: 'summary',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 200 },
				default: 20,
				description: 'Emails sent at the same time (each mailbox opens at most three SMTP connections)',
			},
			leaseSecondsField,
			{
				displayName: 'Max Attempts',
				name: 'maxAttempts',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 100 },
				default: 5,
				description:
					'Attempts before a temporarily failing email (SMTP 4xx, timeout, dropped connection) fails for good',
			},
			{
				displayName: 'Retry After (Seconds)',
				name: 'backoffSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 60,
				description: 'Wait before the first retry; it doubles with each attempt (at most six hours)',
			},
		],
	},
];

export const execute: OperationExecute = async function (context) {
	const { params, tenant, secretBox, credentials, executionId } = context;
	const options = {
		batchSize: params.wholeNumber('batchSize', 'Batch Size', 1, 10_000),
		leaseSeconds: params.wholeNumber('options.leaseSeconds', 'Lease (Seconds)', 10, 86_400, 300),
		concurrency: params.wholeNumber('options.concurrency', 'Concurrency', 1, 200, 20),
		retry: {
			maxAttempts: params.wholeNumber('options.maxAttempts', 'Max Attempts', 1, 100, DEFAULT_RETRY_POLICY.maxAttempts),
			backoffSeconds: params.wholeNumber(
				'options.backoffSeconds',
				'Retry After (Seconds)',
				1,
				86_400,
				DEFAULT_RETRY_POLICY.backoffSeconds,
			),
		},
		tracking: { baseUrl: credentials.trackingBaseUrl, secret: credentials.trackingSecret },
		executionId,
	};
	const perEmail = params.raw<string>('output', 'summary') === 'perEmail';
	if (organizationScopeOf(context) === 'this') {
		const summary = await sendDueEmails(tenant, secretBox(), options);
		return perEmail ? summary.results : summary;
	}
	// One batch shared by every organization with due work; each organization's claims and results in its own
	// transactions, its failure in its own entry.
	const organizations = await organizationsOf(context);
	const summaries = unlessAllFailed(
		await sendDueEmailsForOrganizations(organizations, secretBox(), {
			...options,
			organizationConcurrency: lanesOf(context).concurrency,
		}),
	);
	if (perEmail) {
		return summaries.flatMap(({ organizationId, organizationName, results, error }) => [
			...results.map((result) => ({ ...result, organizationId, organizationName })),
			...(error === undefined
				? []
				: [{ organizationId, organizationName, status: 'organization failed', error: error.message }]),
		]);
	}
	// An organization whose recording failed after sending keeps its counts beside its error.
	const combined = combineOutcomes(
		summaries.map(({ error, ...summary }, i) => ({
			organization: organizations[i],
			result: summary,
			...(error === undefined ? {} : { error }),
		})),
	);
	// Each email is listed once, in the top-level results (tagged with its organization), not again per organization.
	for (const entry of combined.organizations) delete entry.results;
	return combined;
};
