import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
	campaignStats,
	recordEvents,
	trackClick,
	trackOpen,
	trackUnsubscribe,
	unsubscribeTarget,
	updateAccountHealth,
} from '../../nodes/core/tracking';
import { InvalidInputError } from '../../nodes/core/validation';
import { DATABASE_DIR, logExecution } from '../../nodes/core/db';
import { BROWSER, SECRET, sentFirstStep } from '../support/outreach';
import { sendingFixture } from '../support/sendingFixture';
import { newTenant } from '../support/tenants';

describe('tracking, events, stats and health', () => {
	const sending = sendingFixture();

	const sentCampaign = (leads: number) => sentFirstStep(sending.db, sending.sink, leads);

	it('records opens once as unique, flags machine opens, and ignores bad tokens', async () => {
		const { tenant, campaign, domain, received, sentAt } = await sentCampaign(2);
		const { open } = received(`lead0@${domain}`);
		const later = new Date(sentAt.getTime() + 60_000);
		const person = { method: 'GET', ip: '203.0.113.9', userAgent: BROWSER, now: later };
		expect(await tenant.as((tx) => trackOpen(tx, SECRET, open, person))).toMatchObject({ recorded: true });
		expect(await tenant.as((tx) => trackOpen(tx, SECRET, open, person))).toMatchObject({ recorded: true });
		expect(await tenant.as((tx) => trackOpen(tx, SECRET, open, { ...person, userAgent: 'Mozilla/5.0' }))).toMatchObject(
			{
				recorded: true,
				machine: 'apple-mail-privacy-protection',
			},
		);
		const forged = `${open.slice(0, -2)}${open.endsWith('AA') ? 'AB' : 'AA'}`;
		expect(await tenant.as((tx) => trackOpen(tx, SECRET, forged, person))).toEqual({ recorded: false });
		expect(await tenant.as((tx) => trackOpen(tx, SECRET, open.slice(1), person))).toEqual({ recorded: false });
		expect(await tenant.as((tx) => trackOpen(tx, 'another-secret-of-enough-length-000000', open, person))).toEqual({
			recorded: false,
		});
		// The open token is not a click token, and another organization cannot use it.
		expect(await tenant.as((tx) => trackClick(tx, SECRET, open, person))).toBeUndefined();
		const other = await newTenant(sending.db);
		expect(await other.as((tx) => trackOpen(tx, SECRET, open, person))).toEqual({ recorded: false });

		const [stats] = await tenant.as((tx) => campaignStats(tx, { campaignId: campaign.id }));
		expect(stats).toMatchObject({ sent: 2, opens: 2, uniqueOpens: 1, machineOpens: 1, delivered: 2, openRate: 0.5 });
		const { rows } = await sending.db.pool.query(
			`SELECT count(*)::int AS n, count(*) FILTER (WHERE ip_address = '203.0.113.9')::int AS with_ip FROM email_activities
			 WHERE organization_id = $1 AND event_type = 'opened'`,
			[tenant.id],
		);
		expect(rows[0]).toEqual({ n: 3, with_ip: 3 });
	});

	it('redirects a click only to the link of that email at that position, and counts scanners apart', async () => {
		const { tenant, campaign, domain, received, sentAt } = await sentCampaign(1);
		const { clicks } = received(`lead0@${domain}`);
		expect(clicks).toHaveLength(2);
		const person = { method: 'GET', userAgent: BROWSER, now: new Date(sentAt.getTime() + 3_600_000) };
		expect(await tenant.as((tx) => trackClick(tx, SECRET, clicks[1], person))).toMatchObject({
			url: 'https://example.com/two?x=1&y=2',
		});
		expect(await tenant.as((tx) => trackClick(tx, SECRET, clicks[0], person))).toMatchObject({
			url: 'https://example.com/one',
		});
		const scan = { ...person, now: new Date(sentAt.getTime() + 2000) };
		expect(await tenant.as((tx) => trackClick(tx, SECRET, clicks[0], scan))).toMatchObject({
			url: 'https://example.com/one',
			machine: 'click-right-after-delivery',
		});
		const [stats] = await tenant.as((tx) => campaignStats(tx, { campaignId: campaign.id }));
		expect(stats).toMatchObject({ clicks: 2, uniqueClicks: 1, machineClicks: 1 });
	});

	it('unsubscribes with one click: every lead with the address stops, the address is suppressed, once', async () => {
		const { tenant, campaign, domain, received } = await sentCampaign(2);
		const address = `lead0@${domain}`;
		const { unsubscribe } = received(address);
		expect(await tenant.as((tx) => unsubscribeTarget(tx, SECRET, unsubscribe))).toBe(`l***@${domain}`);
		const request = { method: 'POST', source: 'one-click' as const };
		expect(await tenant.as((tx) => trackUnsubscribe(tx, SECRET, unsubscribe, request))).toMatchObject({
			unsubscribed: true,
		});
		expect(await tenant.as((tx) => trackUnsubscribe(tx, SECRET, unsubscribe, request))).toMatchObject({
			unsubscribed: true,
			already: true,
		});
		const { rows } = await sending.db.pool.query(
			`SELECT l.email, l.status, EXISTS (SELECT 1 FROM unsubscribes u WHERE u.organization_id = l.organization_id AND u.email = l.email) AS suppressed
			 FROM leads l WHERE l.organization_id = $1 ORDER BY l.email`,
			[tenant.id],
		);
		expect(rows).toEqual([
			{ email: address, status: 'unsubscribed', suppressed: true },
			{ email: `lead1@${domain}`, status: 'active', suppressed: false },
		]);
		const [stats] = await tenant.as((tx) => campaignStats(tx, { campaignId: campaign.id }));
		expect(stats).toMatchObject({ unsubscribes: 1 });
	});

	it('records outside events idempotently, stops leads on replies and hard bounces, and keeps stats per step', async () => {
		const { tenant, account, campaign, domain } = await sentCampaign(3);
		const events = await tenant.as((tx) =>
			recordEvents(tx, [
				{ type: 'replied', email: `lead0@${domain}`, eventId: 'esp-1' },
				{ type: 'replied', email: `lead0@${domain}`, eventId: 'esp-1' },
				{ type: 'bounced', email: `LEAD1@${domain}`, bounceType: 'hard', eventId: 'esp-2' },
				{ type: 'bounced', email: `lead2@${domain}`, bounceType: 'soft' },
				{ type: 'opened', email: 'stranger@example.com' },
			]),
		);
		expect(events.map((e) => e.status)).toEqual(['recorded', 'duplicate', 'recorded', 'recorded', 'unmatched']);
		expect(
			await tenant.as((tx) => recordEvents(tx, [{ type: 'replied', email: `lead0@${domain}`, eventId: 'esp-1' }])),
		).toEqual([{ status: 'duplicate', eventId: 'esp-1' }]);
		const { rows } = await sending.db.pool.query(
			`SELECT email, status FROM leads WHERE organization_id = $1 ORDER BY email`,
			[tenant.id],
		);
		expect(rows.map((r) => r.status)).toEqual(['replied', 'bounced', 'active']);
		const perStep = await tenant.as((tx) =>
			campaignStats(tx, { campaignId: campaign.id, groupBy: ['step', 'account'] }),
		);
		expect(perStep).toEqual([
			expect.objectContaining({
				step: 1,
				accountId: account.id,
				sent: 3,
				replies: 1,
				hardBounces: 1,
				softBounces: 1,
				delivered: 2,
			}),
		]);
		const health = await tenant.as((tx) => updateAccountHealth(tx, { minSent: 1 }));
		expect(health.accounts).toEqual([
			expect.objectContaining({
				id: account.id,
				sent: 3,
				hardBounces: 1,
				healthScore: 0,
				status: 'paused',
				pausedNow: true,
			}),
		]);
		expect(health.pausedCampaigns).toEqual([{ id: campaign.id, name: 'Tracked' }]);
	});

	it('logs executions by id: start, then finish with metrics, or error', async () => {
		const tenant = await newTenant(sending.db);
		const started = new Date('2026-11-25T10:00:00Z');
		await tenant.as((tx) =>
			logExecution(tx, {
				executionId: 'e-1',
				phase: 'start',
				workflowName: 'OPhir Sender',
				triggerSource: 'schedule',
				at: started,
			}),
		);
		const done = await tenant.as((tx) =>
			logExecution(tx, {
				executionId: 'e-1',
				phase: 'finish',
				metrics: { sent: 12 },
				at: new Date(started.getTime() + 1500),
			}),
		);
		expect(done).toMatchObject({
			status: 'success',
			workflowName: 'OPhir Sender',
			durationMs: 1500,
			metrics: { sent: 12 },
		});
		const failed = await tenant.as((tx) =>
			logExecution(tx, {
				executionId: 'e-2',
				phase: 'error',
				workflowName: 'OPhir Scheduler',
				error: { message: 'boom' },
			}),
		);
		expect(failed).toMatchObject({ status: 'error', errorData: { message: 'boom' } });
	});

	it('keeps execution ids per organization: the same id in two organizations neither collides nor shows', async () => {
		const a = await newTenant(sending.db);
		const b = await newTenant(sending.db);
		const own = (tenant: typeof a) =>
			tenant.as(
				async (tx) => (await tx.query('SELECT workflow_name, status FROM n8n_executions ORDER BY workflow_name')).rows,
			);
		const fromA = await a.as((tx) => logExecution(tx, { executionId: 'x', phase: 'start', workflowName: 'A run' }));
		// B's run with the same id succeeds as if A had none: B cannot be blocked, nor learn that A has one.
		const fromB = await b.as((tx) =>
			logExecution(tx, { executionId: 'x', phase: 'error', workflowName: 'B run', error: { message: 'b' } }),
		);
		expect(fromA).toMatchObject({ executionId: 'x', workflowName: 'A run', status: 'running' });
		expect(fromB).toMatchObject({ executionId: 'x', workflowName: 'B run', status: 'error' });
		// An id written like another organization's stored form claims nothing of it either.
		await a.as((tx) => logExecution(tx, { executionId: `${b.id}:x`, phase: 'finish', workflowName: 'A crafted' }));
		expect(await a.as((tx) => logExecution(tx, { executionId: 'x', phase: 'finish' }))).toMatchObject({
			executionId: 'x',
			workflowName: 'A run',
			status: 'success',
		});
		expect(await own(a)).toEqual([
			{ workflow_name: 'A crafted', status: 'success' },
			{ workflow_name: 'A run', status: 'success' },
		]);
		expect(await own(b)).toEqual([{ workflow_name: 'B run', status: 'error' }]);
		// A run logged before migration 006 (a plain id) is rewritten, so its later phases update it; so is a long id
		// another organization planted in B's stored form, which then stands in nobody's way.
		const planted = `${b.id}:${'p'.repeat(200)}`;
		await sending.db.pool.query(
			`INSERT INTO n8n_executions (organization_id, execution_id, status) VALUES ($1, 'old', 'running'), ($2, $3, 'running')`,
			[b.id, a.id, planted],
		);
		await sending.db.pool.query(
			readFileSync(join(DATABASE_DIR, 'migrations', '006_execution_ids_per_organization.sql'), 'utf8'),
		);
		expect(
			await b.as((tx) => logExecution(tx, { executionId: 'old', phase: 'finish', workflowName: 'B old' })),
		).toMatchObject({ status: 'success' });
		expect(
			await b.as((tx) => logExecution(tx, { executionId: 'p'.repeat(200), phase: 'start', workflowName: 'B long' })),
		).toMatchObject({ status: 'running' });
		expect(await own(b)).toEqual([
			{ workflow_name: 'B long', status: 'running' },
			{ workflow_name: 'B old', status: 'success' },
			{ workflow_name: 'B run', status: 'error' },
		]);
		// A row written around Log Execution, without the prefix, blocks nobody with a telling error either.
		await sending.db.pool.query(
			`INSERT INTO n8n_executions (organization_id, execution_id, status) VALUES ($1, $2, 'running')`,
			[a.id, `${b.id}:z`],
		);
		await expect(b.as((tx) => logExecution(tx, { executionId: 'z', phase: 'start' }))).rejects.toThrow(
			'Execution ID "z" cannot be used; log this execution under another ID',
		);
		await expect(a.as((tx) => logExecution(tx, { executionId: 'y'.repeat(219), phase: 'start' }))).rejects.toThrow(
			new InvalidInputError('Execution ID', 'a text of 1 to 218 characters', 'y'.repeat(219)),
		);
	});
});
