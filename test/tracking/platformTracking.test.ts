import { closeAllPools, SecretBox, SYSTEM_ORGANIZATION_ID } from '../../nodes/core/db';
import { messageIdFor } from '../../nodes/core/sending';
import {
	classifyInboundEmail,
	handleTrackingRequest,
	processInbound,
	rotateTrackingSecret,
	routeInboundEmails,
	signedReturnPath,
	signReturnPathToken,
	signReturnPathTokenV2,
	signTrackingToken,
	signTrackingTokenV2,
	type TrackingEndpoint,
	type TrackingHttpRequest,
	trackingKeys,
	verifyingTrackingKeys,
} from '../../nodes/core/tracking';
import { BROWSER, KEY, SECRET, sentFirstStep } from '../support/outreach';
import { hardBounce, reply } from '../support/inboundMail';
import { sendingFixture } from '../support/sendingFixture';
import { actingFor } from '../support/tenants';

/**
 * Platform mode: ONE tracking webhook whose credential acts for the system organization answers for every
 * organization (version 2 tokens name theirs), each in its own tenant transaction with its own keys; an
 * organization's own credential answers for its own tokens only; version 1 tokens keep working in the credential's
 * organization. And one catch-all mailbox for replies and bounces, routed by signed return paths and Message-IDs.
 */

const box = new SecretBox(KEY);

describe('platform mode: one tracking endpoint and one catch-all mailbox for every organization', () => {
	// Before the fixture's own clean-up: OPhir's pools end before the database goes.
	afterAll(() => closeAllPools());
	const sending = sendingFixture();

	const endpoint = (organizationId: string): TrackingEndpoint => ({
		organizationId,
		runFor: (organization) => actingFor(sending.db, organization),
		box,
		platformSecret: SECRET,
	});
	const request = (kind: TrackingHttpRequest['kind'], token: string, method = 'GET'): TrackingHttpRequest => ({
		kind,
		method,
		token,
		userAgent: BROWSER,
		ip: '198.51.100.7',
	});

	/** An organization that sent its first step to two leads; the queue id, lead and sender of each email. */
	async function organization() {
		const setUp = await sentFirstStep(sending.db, sending.sink, 2, { config: { tracking: { returnPath: true } } });
		const { rows } = await sending.db.pool.query<{ id: string; email: string }>(
			`SELECT q.id, l.email FROM email_queue q JOIN leads l ON l.id = q.lead_id
			 WHERE q.organization_id = $1 AND q.status = 'sent' ORDER BY l.email`,
			[setUp.tenant.id],
		);
		return { ...setUp, id: setUp.tenant.id, emails: rows, sender: `sales@${setUp.domain}` };
	}
	type Organization = Awaited<ReturnType<typeof organization>>;

	const signing = (org: Organization) => org.tenant.as((tx) => trackingKeys(tx, box, SECRET)).then((k) => k.signing);

	/** Each organization's tracking events, as stored (the owner's view, across organizations). */
	async function events(orgs: Organization[]) {
		const { rows } = await sending.db.pool.query<{ organization_id: string; event_type: string; queue_id: string }>(
			`SELECT organization_id, event_type, email_queue_id AS queue_id FROM email_activities
			 WHERE organization_id = ANY($1::uuid[]) AND event_type IN ('opened', 'clicked', 'unsubscribed', 'bounced', 'replied')
			 ORDER BY event_type, organization_id`,
			[orgs.map((o) => o.id)],
		);
		return rows;
	}

	it('a system-organization endpoint records each organization’s tokens in that organization only, with its keys', async () => {
		const orgs = [await organization(), await organization(), await organization()];
		// B signs with a secret of its own; A and C with the platform secret.
		await orgs[1].tenant.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 90 }));
		const platform = endpoint(SYSTEM_ORGANIZATION_ID);
		for (const org of orgs) {
			const key = await signing(org);
			const queueId = org.emails[0].id;
			const opened = await handleTrackingRequest(
				platform,
				request('open', signTrackingTokenV2(key, org.id, queueId, 'open')),
			);
			expect(opened).toMatchObject({ status: 200, event: { type: 'opened', organizationId: org.id, queueId } });
			const clicked = await handleTrackingRequest(
				platform,
				request('click', signTrackingTokenV2(key, org.id, queueId, 'click', 1)),
			);
			expect(clicked).toMatchObject({
				status: 302,
				headers: { Location: 'https://example.com/two?x=1&y=2' },
				event: { type: 'clicked', organizationId: org.id, queueId },
			});
		}
		expect(await events(orgs)).toEqual(
			['clicked', 'opened'].flatMap((type) =>
				orgs
					.map((org) => ({ organization_id: org.id, event_type: type, queue_id: org.emails[0].id }))
					.sort((x, y) => x.organization_id.localeCompare(y.organization_id)),
			),
		);

		// B's own secret signs its links: the platform secret's token for B still verifies (links sent before B had a
		// secret), but a token "for B" signed with a key that is not B's, or A's token re-labelled as B's, does not.
		const [a, b, c] = orgs;
		const before = await events(orgs);
		const bOld = signTrackingTokenV2(SECRET, b.id, b.emails[1].id, 'open');
		expect((await handleTrackingRequest(platform, request('open', bOld))).event).toMatchObject({
			organizationId: b.id,
		});
		const aKey = await signing(a);
		const relabelled = Buffer.from(signTrackingTokenV2(aKey, a.id, a.emails[1].id, 'click', 0), 'base64url');
		Buffer.from(b.id.replace(/-/g, ''), 'hex').copy(relabelled, 0);
		const forged = [
			request('click', relabelled.toString('base64url')),
			request('click', signTrackingTokenV2('f'.repeat(40), b.id, b.emails[1].id, 'click', 0)),
			request('click', signTrackingTokenV2(SECRET, b.id, a.emails[1].id, 'click', 0)), // A's email, "B's" token
		];
		for (const attempt of forged) expect(await handleTrackingRequest(platform, attempt)).toMatchObject({ status: 404 });
		expect(await events(orgs)).toEqual([
			...before.filter((e) => e.event_type === 'clicked'),
			...[
				...before.filter((e) => e.event_type === 'opened'),
				{ organization_id: b.id, event_type: 'opened', queue_id: b.emails[1].id },
			].sort((x, y) => x.organization_id.localeCompare(y.organization_id)),
		]);

		// Unsubscribing C's lead through the platform endpoint stops C's lead only.
		const stop = signTrackingTokenV2(await signing(c), c.id, c.emails[0].id, 'unsubscribe');
		expect(await handleTrackingRequest(platform, request('unsubscribe', stop))).toMatchObject({ status: 200 });
		expect(await handleTrackingRequest(platform, request('unsubscribe', stop, 'POST'))).toMatchObject({
			status: 200,
			event: { type: 'unsubscribed', organizationId: c.id, queueId: c.emails[0].id },
		});
		const { rows } = await sending.db.pool.query(
			`SELECT organization_id, email FROM unsubscribes WHERE organization_id = ANY($1::uuid[])`,
			[orgs.map((o) => o.id)],
		);
		expect(rows).toEqual([{ organization_id: c.id, email: c.emails[0].email }]);
	});

	it('an organization’s own credential answers for its own tokens only, and version 1 tokens still work there', async () => {
		const [a, b] = [await organization(), await organization()];
		const own = endpoint(a.id);
		const bToken = (kind: 'open' | 'click' | 'unsubscribe') =>
			signTrackingTokenV2(SECRET, b.id, b.emails[0].id, kind, kind === 'click' ? 0 : undefined);
		// B's valid tokens, sent to A's tracking workflow: answered as invalid ones, nothing recorded.
		const opened = await handleTrackingRequest(own, request('open', bToken('open')));
		expect(opened.status).toBe(200);
		expect(opened.headers['Content-Type']).toBe('image/gif');
		expect(opened).not.toHaveProperty('event');
		expect(await handleTrackingRequest(own, request('click', bToken('click')))).toMatchObject({ status: 404 });
		expect(await handleTrackingRequest(own, request('unsubscribe', bToken('unsubscribe')))).toMatchObject({
			status: 404,
		});
		expect(await handleTrackingRequest(own, request('unsubscribe', bToken('unsubscribe'), 'POST'))).toMatchObject({
			status: 404,
		});
		expect(await events([a, b])).toEqual([]);

		// A's own version 2 token, and its version 1 tokens (no organization: the credential's own), are recorded in A.
		expect(
			await handleTrackingRequest(own, request('click', signTrackingTokenV2(SECRET, a.id, a.emails[0].id, 'click', 0))),
		).toMatchObject({ status: 302, event: { organizationId: a.id } });
		const v1 = signTrackingToken(SECRET, a.emails[1].id, 'click', 1);
		expect(await handleTrackingRequest(own, request('click', v1))).toMatchObject({
			status: 302,
			headers: { Location: 'https://example.com/two?x=1&y=2' },
			event: { organizationId: a.id, queueId: a.emails[1].id },
		});
		// A version 1 token runs in the credential's organization: the platform's workflow (system organization) did
		// not send it, so an organization keeps its old workflow while its old links should work.
		expect(await handleTrackingRequest(endpoint(SYSTEM_ORGANIZATION_ID), request('click', v1))).toMatchObject({
			status: 404,
		});
		// Version 1 tokens keep verifying with the platform secret after A gets a secret of its own.
		await a.tenant.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 0 }));
		expect(await handleTrackingRequest(own, request('click', v1))).toMatchObject({ status: 302 });
		expect((await events([a, b])).map((e) => [e.organization_id, e.event_type])).toEqual([
			[a.id, 'clicked'],
			[a.id, 'clicked'],
			[a.id, 'clicked'],
		]);
	});

	it('routes a catch-all mailbox’s bounces (return path v2) and replies (Message-ID) to their organizations, proven there', async () => {
		const orgs = [await organization(), await organization(), await organization()];
		await orgs[2].tenant.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 90 }));
		const catchAll = 'bounces@platform.example';
		const raws: string[] = [];
		for (const org of orgs) {
			const [bounced, replied] = org.emails;
			// The Message-ID the sender stores since platform mode (messageIdFor with the organization).
			const messageId = messageIdFor(replied.id, org.sender, org.id);
			await sending.db.pool.query('UPDATE email_queue SET message_id = $1 WHERE organization_id = $2 AND id = $3', [
				messageId,
				org.id,
				replied.id,
			]);
			const returnPath = signedReturnPath(org.sender, await signing(org), org.id, bounced.id)!;
			expect(returnPath).toMatch(/^sales\+c[a-z2-7]{45}@/);
			raws.push(hardBounce({ recipient: bounced.email, to: `Bounces <${returnPath}>, ${catchAll}` }));
			raws.push(reply({ from: replied.email, to: catchAll, inReplyTo: messageId }));
		}
		const [a, b, c] = orgs;
		// Mail that names no served organization, or proves nothing where it is routed.
		const strangers = [
			// A version 1 return path names no organization.
			hardBounce({
				recipient: a.emails[0].email,
				to: `sales+b${signReturnPathToken(SECRET, a.emails[0].id)}@${a.domain}`,
			}),
			// An organization the operator does not process here.
			reply({
				from: 'x@y.example',
				to: catchAll,
				inReplyTo: messageIdFor(a.emails[1].id, a.sender, SYSTEM_ORGANIZATION_ID),
			}),
			// A Message-ID naming B for A's email: routed to B, where no such Message-ID exists.
			reply({ from: 'z@y.example', to: catchAll, inReplyTo: messageIdFor(a.emails[1].id, a.sender, b.id) }),
			// A return path naming C, signed with the platform secret while C signs (and verifies) with its own... and
			// the platform secret: the MAC proves it, but the queue id is A's, not C's.
			hardBounce({
				recipient: 'q@y.example',
				to: `sales+c${signReturnPathTokenV2(SECRET, c.id, a.emails[0].id)}@${c.domain}`,
			}),
		];
		const classified = await Promise.all([...raws, ...strangers].map((raw) => classifyInboundEmail({ raw })));
		const routes = routeInboundEmails(
			classified,
			orgs.map((o) => o.id),
		);
		expect(routes).toEqual([a.id, a.id, b.id, b.id, c.id, c.id, undefined, undefined, b.id, c.id]);

		const outcomes: Record<string, string[]> = {};
		for (const org of orgs) {
			const mine = classified.filter((_, i) => routes[i] === org.id);
			const result = await org.tenant.as(async (tx) =>
				processInbound(tx, mine, { secrets: await verifyingTrackingKeys(tx, box, SECRET) }),
			);
			outcomes[org.id] = result.outcomes.map((o) => o.action);
		}
		expect(outcomes).toEqual({
			[a.id]: ['recorded', 'recorded'],
			[b.id]: ['recorded', 'recorded', 'unmatched'],
			[c.id]: ['recorded', 'recorded', 'unmatched'],
		});
		expect(await events(orgs)).toEqual(
			orgs
				.flatMap((org) => [
					{ organization_id: org.id, event_type: 'bounced', queue_id: org.emails[0].id },
					{ organization_id: org.id, event_type: 'replied', queue_id: org.emails[1].id },
				])
				.sort((x, y) => x.event_type.localeCompare(y.event_type) || x.organization_id.localeCompare(y.organization_id)),
		);
	});

	it('a return-path hint shared by two organizations goes to the one whose keys verify it, or nowhere', async () => {
		const first = 'abcdef01-0000-4000-8000-000000000001';
		const second = 'abcdef01-0000-4000-8000-000000000002';
		const queueId = '11111111-2222-4333-8444-555555555555';
		const token = signReturnPathTokenV2(SECRET, second, queueId);
		const email = { referencedMessageIds: [], returnPathTokens: [token] };
		expect(routeInboundEmails([email], [first])).toEqual([first]); // one candidate: routed, proven (or not) there
		expect(routeInboundEmails([email], [first, second])).toEqual([undefined]);
		const keys = new Map([
			[first, ['k'.repeat(40)]],
			[second, [SECRET]],
		]);
		expect(routeInboundEmails([email], [first, second], keys)).toEqual([second]);
		expect(routeInboundEmails([email], [first.toUpperCase(), second.toUpperCase()], keys)).toEqual([second]);
		expect(routeInboundEmails([email], [])).toEqual([undefined]);
		expect(() => routeInboundEmails([email], ['acme'])).toThrow('Organizations must be a UUID');
	});
});
