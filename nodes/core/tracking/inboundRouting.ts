import type { InboundClassification } from './inboundClassification';
import { messageIdOrganization } from '../sending/messageComposer';
import { returnPathOrganizationHint, verifyReturnPathToken } from './returnPath';
import { usableTrackingKeys } from './trackingToken';
import { requireUuids } from '../validation/ids';

/**
 * Routes classified inbound emails from one catch-all mailbox (an operator's, serving many organizations) to the
 * organization each one names. Pure: no database.
 *
 * Contract, for each email in order: the organization of `organizationIds` (the ones the operator processes) that it
 * names, or undefined when it names none of them (Process Inbound Email then processes it for the credential's own
 * organization, where it is normally unmatched):
 * 1. a Message-ID of ours in its In-Reply-To/References or the attached original (messageIdFor's form
 *    `<queue id.o<organization id>@domain>` carries the full organization id), the first that names one of them;
 * 2. else a version 2 signed return path it was addressed to (`+c`, returnPath.ts): its 4-byte hint selects the
 *    organizations whose id starts with it. One candidate: that one. Several (a hint clash, rare): the one whose
 *    keys verify the token when `verifyingKeys` has them (organization id -> its verifyingTrackingKeys), else none.
 * Routing proves nothing: anyone can write such a Message-ID or hint. Process Inbound Email then runs in that
 * organization's own transaction, where the proof is made as for a single organization: an exact match of
 * email_queue.message_id in it, or the return path's MAC over its full id with its own keys. Version 1 return paths
 * (`+b`) and Message-IDs of emails sent before version 2 (`<queue id@domain>`) name no organization: undefined.
 */
export function routeInboundEmails(
	emails: ReadonlyArray<Pick<InboundClassification, 'referencedMessageIds' | 'returnPathTokens'>>,
	organizationIds: readonly string[],
	verifyingKeys?: ReadonlyMap<string, readonly string[]>,
): Array<string | undefined> {
	const served = new Set(requireUuids(organizationIds, 'Organizations').map((id) => id.toLowerCase()));
	const byHint = new Map<string, string[]>();
	for (const id of served) {
		const hint = id.slice(0, 8);
		byHint.set(hint, [...(byHint.get(hint) ?? []), id]);
	}
	const keys = new Map([...(verifyingKeys ?? [])].map(([id, list]) => [id.toLowerCase(), usableTrackingKeys(list)]));
	return emails.map((email) => {
		for (const messageId of email.referencedMessageIds ?? []) {
			const organization = messageIdOrganization(messageId);
			if (organization && served.has(organization)) return organization;
		}
		for (const token of email.returnPathTokens ?? []) {
			const hint = returnPathOrganizationHint(token);
			const candidates = hint ? (byHint.get(hint) ?? []) : [];
			if (candidates.length === 1) return candidates[0];
			const proven = candidates.filter((id) => {
				const own = keys.get(id) ?? [];
				return own.length > 0 && verifyReturnPathToken(own, id, token) !== undefined;
			});
			if (proven.length === 1) return proven[0];
		}
		return undefined;
	});
}
