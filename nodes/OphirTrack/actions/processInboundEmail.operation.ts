import type { INodeProperties } from 'n8n-workflow';

import { forEachOrganization } from '../../core/outreach';
import { classifyInboundEmail, processInbound, routeInboundEmails, verifyingTrackingKeys } from '../../core/tracking';
import {
	lanesOf,
	organizationScopeOf,
	organizationsFieldsFromVersion2,
	organizationsOf,
} from '../../shared/organizationScope';
import { ItemParameters } from '../../shared/parameters';
import type { BatchExecute } from '../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName:
			'Connect n8n’s Email Trigger (IMAP) on the mailbox replies and bounces go to (any format: simple, resolved or raw). ' +
			'Bounces (RFC 3464 reports and common non-standard ones), complaints (ARF), auto-replies and replies are told apart. ' +
			'Only mail that proves it concerns an email OPhir sent (our Message-ID, or a signed return path) acts: replies stop the lead, ' +
			'hard bounces and complaints stop and suppress the address and lower the mailbox’s health; the rest comes out as unmatched.',
		name: 'inboundNotice',
		type: 'notice',
		default: '',
	},
	...organizationsFieldsFromVersion2.map((field) =>
		field.name === 'organizations'
			? {
					...field,
					description:
						'Which organizations the mailbox serves. With the platform operator’s credential and a catch-all mailbox, All Organizations routes each email to the organization its Message-ID or signed return path names; the rest is processed for the credential’s own organization.',
				}
			: field,
	),
];

/**
 * Classifies every input email, then records them in transactions of the organization each concerns: the
 * credential's own, or (Organizations: all or selected, a catch-all mailbox) the one its Message-ID or signed return
 * path names, the rest in the credential's own. Signed return paths are verified with that organization's tracking
 * keys (its own secrets and the credential's Tracking Secret). One output item per email; an organization that
 * fails fails its own emails only.
 */
export const executeBatch: BatchExecute = async function (context) {
	const { items, tenant, credentials, executionId, opener: box } = context;
	const classified = await Promise.all(items.map((item) => classifyInboundEmail(item.json)));
	const params = new ItemParameters(this, 0);
	const own = { id: credentials.organizationId, run: tenant };
	const organizations = organizationScopeOf({ params }) === 'this' ? [] : await organizationsOf({ ...context, params });
	// Organizations whose ids begin alike (a return path names 4 bytes of it) are told apart by their keys.
	const clashing = organizations.filter((organization, _, all) =>
		all.some((other) => other.id !== organization.id && other.id.slice(0, 8) === organization.id.slice(0, 8)),
	);
	const keys = await forEachOrganization(clashing, (organization) =>
		organization.run((tx) => verifyingTrackingKeys(tx, box, credentials.trackingSecret)),
	);
	const routed = routeInboundEmails(
		classified,
		organizations.map((organization) => organization.id),
		new Map(keys.flatMap(({ organization, result }) => (result ? [[organization.id, result]] : []))),
	);
	const groups = [own, ...organizations.filter((organization) => organization.id !== own.id)]
		.map((organization) => ({
			organization,
			indices: classified.map((_, i) => i).filter((i) => (routed[i] ?? own.id) === organization.id),
		}))
		.filter((group) => group.indices.length > 0);
	const outcomes = await forEachOrganization(
		groups,
		({ organization, indices }) =>
			organization.run(async (tx) =>
				processInbound(
					tx,
					indices.map((i) => classified[i]),
					{ secrets: await verifyingTrackingKeys(tx, box, credentials.trackingSecret), executionId },
				),
			),
		lanesOf(context),
	);
	const results = new Array<object | Error>(classified.length);
	for (const { organization: group, result, error } of outcomes) {
		group.indices.forEach((i, n) => {
			results[i] = error ?? {
				...classified[i],
				...result.outcomes[n],
				...(organizations.length > 0 ? { organizationId: group.organization.id } : {}),
				...(n === 0 && result.health.length ? { mailboxHealth: result.health } : {}),
			};
		});
	}
	return results;
};
