import type { INodeProperties } from 'n8n-workflow';

import { claimDueEmails, type ClaimedEmail, composeClaimed, failEmails } from '../../core/sending';
import { trackingKeys } from '../../core/tracking';
import type { OperationExecute } from '../../shared/runPerItem';
import { batchSizeField, leaseSecondsField } from './fields';

export const description: INodeProperties[] = [
	{
		displayName:
			'For sending through another node (Gmail, Microsoft Outlook, AWS SES…): outputs one ready-to-send message per due email. Report each result back with Complete or Fail, passing on queueId and leaseToken, before the lease ends.',
		name: 'claimNotice',
		type: 'notice',
		default: '',
	},
	{ ...batchSizeField, default: 50 },
	leaseSecondsField,
];

export const execute: OperationExecute = async function ({ params, tenant, credentials, executionId, opener }) {
	const limit = params.wholeNumber('batchSize', 'Batch Size', 1, 10_000);
	const leaseSeconds = params.wholeNumber('leaseSeconds', 'Lease (Seconds)', 10, 86_400);
	const { claimed, tracking } = await tenant(async (tx) => {
		const emails = await claimDueEmails(tx, { limit, leaseSeconds, executionId });
		// Signed with the organization's own tracking secret when it has one; nothing to sign, nothing to look up.
		const secret = emails.length === 0 ? '' : (await trackingKeys(tx, opener, credentials.trackingSecret)).signing;
		return {
			claimed: emails,
			tracking: { baseUrl: credentials.trackingBaseUrl, secret, organizationId: tx.organizationId },
		};
	});
	const messages: object[] = [];
	const unsendable: Array<{ email: ClaimedEmail; error: string }> = [];
	for (const email of claimed) {
		try {
			const message = composeClaimed(email, tracking);
			messages.push({
				queueId: email.id,
				leaseToken: email.leaseToken,
				leaseExpiresAt: email.leaseExpiresAt,
				attempt: email.attempts,
				campaignId: email.campaignId,
				leadId: email.leadId,
				step: email.sequenceStep,
				variant: email.variant,
				accountId: email.account.id,
				...message,
			});
		} catch (error) {
			unsendable.push({ email, error: (error as Error).message });
		}
	}
	// An email that cannot be built never will be: it fails now, with the reason, instead of waiting for its lease.
	if (unsendable.length > 0) {
		await tenant((tx) =>
			failEmails(
				tx,
				unsendable.map(({ email, error }) => ({
					id: email.id,
					leaseToken: email.leaseToken,
					kind: 'permanent' as const,
					error,
				})),
				{ executionId },
			),
		);
	}
	return messages;
};
