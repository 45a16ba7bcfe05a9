import {
	classifyInboundEmail,
	processInbound,
	RETURN_PATH_TOKEN,
	returnPathOrganizationHint,
	signedReturnPath,
	signReturnPathToken,
	signReturnPathTokenV2,
	updateAccountHealth,
	verifyReturnPathToken,
} from '../../nodes/core/tracking';
import { importLeads } from '../../nodes/core/outreach';
import { closeAllPools } from '../../nodes/core/db';
import { SECRET, sentFirstStep } from '../support/outreach';
import { complaint, hardBounce, reply } from '../support/inboundMail';
import { sendingFixture } from '../support/sendingFixture';

/**
 * Anyone can send mail to the replies mailbox: Process Inbound Email must act only on mail that proves it concerns
 * an email OPhir sent, and never on the address a report names.
 */

const QUEUE_ID = '5b2c8e1f-3d4a-4f6b-9c7d-8e9f0a1b2c3d';
const ORGANIZATION_ID = 'c0ffee00-1234-4abc-8def-0123456789ab';
const OTHER_KEY = 'o'.repeat(40);
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

describe('signed return paths', () => {
	it('version 1 (+b, no organization): still verified, case-insensitively; altered, truncated or foreign tokens are not', () => {
		const token = signReturnPathToken(SECRET, QUEUE_ID);
		expect(token).toMatch(/^[a-z2-7]{42}$/);
		expect(verifyReturnPathToken(SECRET, ORGANIZATION_ID, token)).toEqual({ queueId: QUEUE_ID });
		expect(verifyReturnPathToken([OTHER_KEY, SECRET], ORGANIZATION_ID, token.toUpperCase())).toEqual({
			queueId: QUEUE_ID,
		});
		const flipped = token.slice(0, 20) + (token[20] === 'a' ? 'b' : 'a') + token.slice(21);
		expect(verifyReturnPathToken(SECRET, ORGANIZATION_ID, flipped)).toBeUndefined();
		expect(verifyReturnPathToken(SECRET, ORGANIZATION_ID, token.slice(0, 41))).toBeUndefined();
		// The last character's two spare bits must be zero: a second spelling of the same bytes is refused.
		const last = BASE32.indexOf(token[41]);
		expect(verifyReturnPathToken(SECRET, ORGANIZATION_ID, token.slice(0, 41) + BASE32[last | 1])).toBeUndefined();
		expect(verifyReturnPathToken(OTHER_KEY, ORGANIZATION_ID, token)).toBeUndefined();
		expect(verifyReturnPathToken(SECRET, ORGANIZATION_ID, 12)).toBeUndefined();
		expect(returnPathOrganizationHint(token)).toBeUndefined();
	});

	it('version 2 (+c) names the organization: a 4-byte hint, the queue id, a 64-bit MAC over the full organization id', () => {
		const token = signReturnPathTokenV2(SECRET, ORGANIZATION_ID, QUEUE_ID);
		expect(token).toMatch(/^[a-z2-7]{45}$/);
		expect(returnPathOrganizationHint(token)).toBe('c0ffee00');
		expect(returnPathOrganizationHint(token.toUpperCase())).toBe('c0ffee00');
		expect(verifyReturnPathToken(SECRET, ORGANIZATION_ID, token)).toEqual({
			queueId: QUEUE_ID,
			organizationId: ORGANIZATION_ID,
		});
		expect(verifyReturnPathToken([OTHER_KEY, SECRET], ORGANIZATION_ID.toUpperCase(), token.toUpperCase())).toEqual({
			queueId: QUEUE_ID,
			organizationId: ORGANIZATION_ID,
		});
		// Another organization, even one whose id starts with the same 4 bytes, does not verify it.
		expect(verifyReturnPathToken(SECRET, 'c0ffee00-0000-4000-8000-000000000000', token)).toBeUndefined();
		expect(verifyReturnPathToken(SECRET, '00000000-1234-4abc-8def-0123456789ab', token)).toBeUndefined();
		expect(verifyReturnPathToken(OTHER_KEY, ORGANIZATION_ID, token)).toBeUndefined();
		// Any character changed, any truncation, the spare bit set: refused.
		for (let i = 0; i < token.length; i++) {
			const changed = token.slice(0, i) + BASE32[(BASE32.indexOf(token[i]) + 1) % 32] + token.slice(i + 1);
			expect(verifyReturnPathToken(SECRET, ORGANIZATION_ID, changed)).toBeUndefined();
		}
		expect(verifyReturnPathToken(SECRET, ORGANIZATION_ID, token.slice(0, 44))).toBeUndefined();
		const last = BASE32.indexOf(token[44]);
		expect(last & 1).toBe(0);
		expect(verifyReturnPathToken(SECRET, ORGANIZATION_ID, token.slice(0, 44) + BASE32[last | 1])).toBeUndefined();
		expect(returnPathOrganizationHint(token.slice(0, 44) + BASE32[last | 1])).toBeUndefined();
	});

	it('replaces the mailbox’s own tag with +c<token>, and leaves a local part too long for a token alone', () => {
		const address = signedReturnPath('jane+sales@example.com', SECRET, ORGANIZATION_ID, QUEUE_ID)!;
		const token = signReturnPathTokenV2(SECRET, ORGANIZATION_ID, QUEUE_ID);
		expect(address).toBe(`jane+c${token}@example.com`);
		expect([...address.matchAll(RETURN_PATH_TOKEN)].map((m) => m[1])).toEqual([token]);
		// 17 characters of local part + "+c" + 45 = 64, the most a local part may have.
		expect(signedReturnPath(`${'x'.repeat(17)}@example.com`, SECRET, ORGANIZATION_ID, QUEUE_ID)).toBeDefined();
		expect(signedReturnPath(`${'x'.repeat(18)}@example.com`, SECRET, ORGANIZATION_ID, QUEUE_ID)).toBeUndefined();
		expect(signedReturnPath(`${'x'.repeat(30)}@example.com`, SECRET, ORGANIZATION_ID, QUEUE_ID)).toBeUndefined();
	});

	it('finds both versions in an address, each only with its own length', () => {
		const v1 = signReturnPathToken(SECRET, QUEUE_ID);
		const v2 = signReturnPathTokenV2(SECRET, ORGANIZATION_ID, QUEUE_ID);
		const found = (text: string) => [...text.matchAll(RETURN_PATH_TOKEN)].map((m) => m[1]);
		expect(found(`a+b${v1}@x.example, b+c${v2}@x.example`)).toEqual([v1, v2]);
		expect(found(`a+c${v1}@x.example, b+b${v2}@x.example`)).toEqual([]);
	});
});

describe('Process Inbound Email trusts only what proves it is about our email', () => {
	// Before the fixture's own clean-up: OPhir's pools end before the database goes.
	afterAll(() => closeAllPools());
	const sending = sendingFixture();

	/** An organization that emailed lead0 and lead1 (and not lead2, imported later), and what it looks like now. */
	async function organization(config = {}) {
		const setUp = await sentFirstStep(sending.db, sending.sink, 2, { config });
		const { tenant, domain, campaign } = setUp;
		await tenant.as((tx) => importLeads(tx, [{ email: `lead2@${domain}` }], { campaignId: campaign.id }));
		const state = async () => ({
			leads: (
				await sending.db.pool.query(`SELECT email, status FROM leads WHERE organization_id = $1 ORDER BY email`, [
					tenant.id,
				])
			).rows,
			suppressed: (
				await sending.db.pool.query(`SELECT email FROM unsubscribes WHERE organization_id = $1 ORDER BY email`, [
					tenant.id,
				])
			).rows,
			activities: (
				await sending.db.pool.query(
					`SELECT event_type FROM email_activities WHERE organization_id = $1 AND event_type <> 'sent'`,
					[tenant.id],
				)
			).rows,
			mailboxes: (
				await sending.db.pool.query(`SELECT status, health_score FROM email_accounts WHERE organization_id = $1`, [
					tenant.id,
				])
			).rows,
		});
		const process = async (raws: string[], secrets = [SECRET]) => {
			const classified = await Promise.all(raws.map((raw) => classifyInboundEmail({ raw })));
			return tenant.as((tx) => processInbound(tx, classified, { secrets, health: { minSent: 1 } }));
		};
		return { ...setUp, state, process, mailbox: `sales@${domain}` };
	}

	it('a forged complaint or bounce naming an address (emailed or not) without our Message-ID writes nothing and pauses nothing', async () => {
		const { domain, mailbox, state, process, tenant } = await organization();
		const before = await state();
		const { outcomes, health } = await process([
			complaint({ recipient: `lead2@${domain}`, to: mailbox }),
			complaint({ recipient: `lead0@${domain}`, to: mailbox }),
			hardBounce({ recipient: `lead1@${domain}`, to: mailbox }),
			hardBounce({ recipient: `lead1@${domain}`, to: mailbox, messageId: '<made-up@elsewhere.example>' }),
		]);
		expect(outcomes.map((o) => o.action)).toEqual(['unmatched', 'unmatched', 'unmatched', 'unmatched']);
		expect(outcomes[0].reason).toMatch(/not proven to concern an email of ours.*the address it names is not trusted/);
		expect(health).toEqual([]);
		expect(await state()).toEqual(before);
		// Account Health, run on its own afterwards, has no complaint or bounce to count either.
		const report = await tenant.as((tx) => updateAccountHealth(tx, { minSent: 1 }));
		expect(report.accounts).toEqual([expect.objectContaining({ hardBounces: 0, complaints: 0, status: 'active' })]);
	});

	it('a bare plus address naming a real queue item (the old, unsigned form) proves nothing', async () => {
		const { domain, state, process, tenant } = await organization();
		const before = await state();
		const [{ id }] = (
			await sending.db.pool.query(`SELECT id FROM email_queue WHERE organization_id = $1 LIMIT 1`, [tenant.id])
		).rows;
		const { outcomes } = await process([hardBounce({ recipient: `lead0@${domain}`, to: `reply+${id}@${domain}` })]);
		expect(outcomes).toEqual([expect.objectContaining({ action: 'unmatched' })]);
		expect(await state()).toEqual(before);
	});

	it('a complaint carrying our Message-ID stops and suppresses that email’s lead and counts once toward its mailbox', async () => {
		const { domain, mailbox, state, process, received, tenant } = await organization();
		const report = complaint({
			recipient: `someone-else@${domain}`,
			to: mailbox,
			messageId: received(`lead0@${domain}`).messageId,
		});
		const { outcomes, health } = await process([report, report]);
		expect(outcomes.map((o) => o.action)).toEqual(['recorded', 'duplicate']);
		expect(health).toEqual([expect.objectContaining({ complaints: 1, status: 'paused' })]);
		// Sent in again (a re-fetched mailbox, or the recipient repeating it): still one complaint.
		expect((await process([report, report, report])).outcomes.map((o) => o.action)).toEqual([
			'duplicate',
			'duplicate',
			'duplicate',
		]);
		const healthReport = await tenant.as((tx) => updateAccountHealth(tx, { minSent: 1 }));
		expect(healthReport.accounts).toEqual([expect.objectContaining({ complaints: 1 })]);
		const after = await state();
		// The lead the Message-ID names, not the address the report claims.
		expect(after.suppressed).toEqual([{ email: `lead0@${domain}` }]);
		expect(after.leads.map((l: { status: string }) => l.status)).toEqual(['unsubscribed', 'active', 'active']);
	});

	it('a bounce sent to a signed return path is proven without any Message-ID; an altered or foreign token is not', async () => {
		const { domain, state, process, received } = await organization({ tracking: { returnPath: true } });
		const envelope = received(`lead1@${domain}`).envelopeFrom;
		// Version 2 (+c) once the sender names the organization; version 1 (+b) is verified the same way.
		expect(envelope).toMatch(new RegExp(`^sales\\+(b[a-z2-7]{42}|c[a-z2-7]{45})@${domain.replace('.', '\\.')}$`));
		const token = envelope.slice('sales+b'.length, envelope.indexOf('@'));
		const altered = envelope.replace(token, token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11));
		const before = await state();
		const refused = await process([hardBounce({ recipient: `lead1@${domain}`, to: altered })]);
		const foreign = await process([hardBounce({ recipient: `lead1@${domain}`, to: envelope })], [OTHER_KEY]);
		expect([...refused.outcomes, ...foreign.outcomes].map((o) => [o.action, o.reason])).toEqual([
			['unmatched', expect.stringMatching(/return path token is not signed for this organization/)],
			['unmatched', expect.stringMatching(/return path token is not signed for this organization/)],
		]);
		expect(await state()).toEqual(before);

		const proven = await process([hardBounce({ recipient: `lead1@${domain}`, to: envelope })]);
		expect(proven.outcomes).toEqual([expect.objectContaining({ action: 'recorded' })]);
		const after = await state();
		expect(after.leads.map((l: { status: string }) => l.status)).toEqual(['active', 'bounced', 'active']);
		expect(after.suppressed).toEqual([{ email: `lead1@${domain}` }]);
	});

	it('a reply matched only by its sender stops that lead when OPhir emailed it, never suppresses, never touches health', async () => {
		const { domain, mailbox, state, process } = await organization();
		const { outcomes, health } = await process([
			// Replies whose client lost our Message-ID (it refers to one we never sent).
			reply({ from: `Lead Zero <lead0@${domain}>`, to: mailbox, inReplyTo: '<rewritten-by-a-gateway@mail.example>' }),
			reply({ from: `lead2@${domain}`, to: mailbox, inReplyTo: '<rewritten-by-a-gateway@mail.example>' }),
			reply({ from: 'stranger@nowhere.example', to: mailbox, inReplyTo: '<made-up@elsewhere.example>' }),
		]);
		expect(outcomes.map((o) => o.action)).toEqual(['recorded', 'unmatched', 'unmatched']);
		expect(outcomes[1].reason).toMatch(/OPhir never sent to its sender/);
		expect(health).toEqual([]);
		const after = await state();
		expect(after.leads.map((l: { status: string }) => l.status)).toEqual(['replied', 'active', 'active']);
		expect(after.suppressed).toEqual([]);
		expect(after.mailboxes).toEqual([{ status: 'active', health_score: 100 }]);
		const [{ matched_by }] = (
			await sending.db.pool.query(
				`SELECT metadata->>'matchedBy' AS matched_by FROM email_activities WHERE event_type = 'replied' AND lead_id IN (SELECT id FROM leads WHERE email = $1)`,
				[`lead0@${domain}`],
			)
		).rows;
		expect(matched_by).toBe('sender');
	});
});
