import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { createCampaign, createEmailAccount, importLeads, transitionCampaign } from '../../nodes/core/outreach';
import { closeAllPools, SecretBox } from '../../nodes/core/db';
import { OphirQueue } from '../../nodes/OphirQueue/OphirQueue.node';
import { KEY } from '../support/outreach';
import { runNode } from '../support/n8nExecute';
import { sendingFixture } from '../support/sendingFixture';
import { SINK_PASSWORD } from '../support/smtpSink';
import { newTenant } from '../support/tenants';

/** The OPhir Queue node run by n8n's execution engine on a real PostgreSQL, sending to a real SMTP server. */
describe('OPhir Queue node in n8n', () => {
	const TRACKING_BASE = 'https://n8n.example.com/webhook/ophir';
	// Before the fixture's own clean-up: OPhir's pools end before the database goes.
	afterAll(() => closeAllPools());
	const sending = sendingFixture();

	/** An organization with one mailbox on the sink and an active one-step campaign with `leads` leads. */
	async function organizationWithLeads(leads: number) {
		const tenant = await newTenant(sending.db);
		const box = new SecretBox(KEY);
		const domain = `${tenant.id.slice(0, 8)}.example`;
		const account = await tenant.as((tx) =>
			createEmailAccount(tx, box, {
				email: `sales@${domain}`,
				smtp: { host: '127.0.0.1', port: sending.sink.port, security: 'none' },
				password: SINK_PASSWORD,
				warmupStatus: 'warmed',
			}),
		);
		const campaign = await tenant.as(async (tx) => {
			const created = await createCampaign(tx, {
				name: 'Node test',
				config: {
					sequence: [
						{ subject: 'Hello {{firstName}}', body: 'Hi {{firstName}}, <a href="https://example.com/">look</a>' },
					],
					sendingWindow: { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startHour: 0, endHour: 24 },
					accountIds: [account.id],
					postalAddress: '1 Main Street',
					minGapSeconds: 0,
					jitterSeconds: 0,
				},
			});
			return transitionCampaign(tx, created.id, 'activate');
		});
		await tenant.as((tx) =>
			importLeads(
				tx,
				Array.from({ length: leads }, (_, i) => ({ email: `lead${i}@${domain}`, firstName: `Lead${i}` })),
				{ campaignId: campaign.id },
			),
		);
		return { tenant, account, campaign, domain };
	}

	async function run(
		organizationId: string,
		parameters: INodeParameters,
		input: IDataObject[] = [{}],
		continueOnFail = false,
	) {
		const { output, error } = await runNode({
			nodeType: new OphirQueue(),
			parameters,
			credentials: {
				ophirPostgresApi: {
					connection: 'connectionString',
					connectionString: sending.db.url,
					organizationId,
					encryptionKey: KEY,
					trackingSecret: 'dummy-tracking-secret-0123456789abcdef',
					trackingBaseUrl: TRACKING_BASE,
				},
			},
			input: input.map((json) => ({ json })),
			continueOnFail,
			executionId: 'exec-42',
		});
		if (error) throw error;
		return output[0] as INodeExecutionData[];
	}

	it('schedules due steps and sends them, recording the n8n execution id', async () => {
		const { tenant, domain } = await organizationWithLeads(4);
		const [scheduled] = await run(tenant.id, { operation: 'scheduleDueSteps' });
		expect(scheduled.json).toMatchObject({ scheduled: 4, failed: 0 });
		const [summary] = await run(tenant.id, { operation: 'sendDueEmails' });
		expect(summary.json).toMatchObject({ claimed: 4, sent: 4, retrying: 0, failed: 0 });
		expect(summary.pairedItem).toEqual({ item: 0 });
		expect(sending.sink.received.filter((mail) => mail.to[0].endsWith(domain))).toHaveLength(4);
		const { rows } = await sending.db.pool.query(
			`SELECT DISTINCT n8n_execution_id FROM email_queue WHERE organization_id = $1
			 UNION SELECT DISTINCT n8n_execution_id FROM email_activities WHERE organization_id = $1`,
			[tenant.id],
		);
		expect(rows).toEqual([{ n8n_execution_id: 'exec-42' }]);
		const [stats] = await run(tenant.id, { operation: 'getStats' });
		expect(stats.json).toMatchObject({ byStatus: { sent: 4 }, due: 0 });
	});

	it('outputs one item per email when asked', async () => {
		const { tenant } = await organizationWithLeads(2);
		await run(tenant.id, { operation: 'scheduleDueSteps' });
		const items = await run(tenant.id, { operation: 'sendDueEmails', output: 'perEmail' });
		expect(items.map((item) => item.json.status)).toEqual(['sent', 'sent']);
		expect(items.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
	});

	it('claims with a credential that has no Encryption Key (claiming opens no secret)', async () => {
		const { tenant } = await organizationWithLeads(1);
		await run(tenant.id, { operation: 'scheduleDueSteps' });
		const { output, error } = await runNode({
			nodeType: new OphirQueue(),
			parameters: { operation: 'claim', batchSize: 10, leaseSeconds: 120 },
			credentials: {
				ophirPostgresApi: {
					connection: 'connectionString',
					connectionString: sending.db.url,
					organizationId: tenant.id,
					trackingSecret: 'dummy-tracking-secret-0123456789abcdef',
					trackingBaseUrl: TRACKING_BASE,
				},
			},
		});
		expect(error).toBeUndefined();
		expect(output[0]).toHaveLength(1);
		expect((output[0] as INodeExecutionData[])[0].json).toMatchObject({ queueId: expect.any(String) });
	});

	it('claims ready-to-send messages for another node, and takes their results back (fenced)', async () => {
		const { tenant, account } = await organizationWithLeads(3);
		await run(tenant.id, { operation: 'scheduleDueSteps' });
		const claimed = await run(tenant.id, { operation: 'claim', batchSize: 10, leaseSeconds: 120 });
		expect(claimed).toHaveLength(3);
		const message = claimed[0].json;
		expect(message).toMatchObject({
			queueId: expect.any(String),
			leaseToken: expect.any(String),
			accountId: account.id,
			subject: expect.stringMatching(/^Hello Lead\d$/),
			messageId: expect.stringMatching(/^<.+@.+>$/),
			headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
		});
		expect(message.html).toContain(`${TRACKING_BASE}/c?t=`);
		expect(await run(tenant.id, { operation: 'claim' })).toEqual([]);

		// Item 0 sent, item 1 bounced, item 2 reported with a stale token.
		const [sent, bounced, stale] = claimed.map((item) => item.json);
		const completed = await run(tenant.id, { operation: 'complete' }, [
			sent,
			{ ...stale, leaseToken: '00000000-0000-4000-8000-000000000000' },
		]);
		expect(completed.map((item) => item.json)).toEqual([
			{ queueId: sent.queueId, status: 'sent', recorded: true },
			expect.objectContaining({ queueId: stale.queueId, recorded: false }),
		]);
		const failed = await run(tenant.id, { operation: 'fail', kind: 'bounce', smtpCode: 550 }, [
			{ ...bounced, error: { message: '550 no such user' } },
		]);
		expect(failed[0].json).toEqual({ queueId: bounced.queueId, recorded: true, kind: 'bounce' });
		const { rows } = await sending.db.pool.query(
			`SELECT q.id, q.status, l.status AS lead_status FROM email_queue q JOIN leads l ON l.id = q.lead_id
			 WHERE q.organization_id = $1 ORDER BY q.id`,
			[tenant.id],
		);
		const byId = Object.fromEntries(rows.map((row) => [row.id, row]));
		expect(byId[sent.queueId as string]).toMatchObject({ status: 'sent', lead_status: 'completed' });
		expect(byId[bounced.queueId as string]).toMatchObject({ status: 'failed', lead_status: 'bounced' });
		expect(byId[stale.queueId as string]).toMatchObject({ status: 'sending' });
	});

	it('reports a bad item of a batch by its index, and with continueOnFail keeps the others', async () => {
		const { tenant } = await organizationWithLeads(1);
		await run(tenant.id, { operation: 'scheduleDueSteps' });
		const [claimed] = await run(tenant.id, { operation: 'claim' });
		await expect(
			run(tenant.id, { operation: 'complete' }, [
				{ queueId: 'nope', leaseToken: 'x', messageId: '<a@b>' },
				claimed.json,
			]),
		).rejects.toThrow('Queue ID must be a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7 [item 0]');
		const items = await run(
			tenant.id,
			{ operation: 'complete' },
			[{ queueId: 'nope', leaseToken: 'x', messageId: '<a@b>' }, claimed.json],
			true,
		);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items[0].json.error).toMatch(/^Queue ID must be a UUID/);
		expect(items[1].json).toMatchObject({ recorded: true });
	});

	it('resets daily counters only for mailboxes past their local midnight', async () => {
		const { tenant, account } = await organizationWithLeads(0);
		await sending.db.pool.query(
			`UPDATE email_accounts SET current_sent_today = 7, counter_date = DATE '2020-01-01' WHERE id = $1`,
			[account.id],
		);
		const [first] = await run(tenant.id, { operation: 'resetDailyCounters' });
		expect(first.json).toEqual({ reset: 1, accounts: [account.email] });
		const [second] = await run(tenant.id, { operation: 'resetDailyCounters' });
		expect(second.json).toEqual({ reset: 0, accounts: [] });
	});
});
