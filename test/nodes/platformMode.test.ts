import type { IDataObject, INodeExecutionData, INodeParameters, INodeType } from 'n8n-workflow';

import { closeAllPools, SecretBox, SYSTEM_ORGANIZATION_ID } from '../../nodes/core/db';
import { OphirCampaign } from '../../nodes/OphirCampaign/OphirCampaign.node';
import { OphirQueue } from '../../nodes/OphirQueue/OphirQueue.node';
import { OphirTrack } from '../../nodes/OphirTrack/OphirTrack.node';
import { KEY, SECRET } from '../support/outreach';
import { runNode } from '../support/n8nExecute';
import { hardBounce, reply } from '../support/inboundMail';
import { sendingFixture } from '../support/sendingFixture';

/**
 * The Organizations option in n8n's execution engine, on a real PostgreSQL and SMTP server: one credential acting
 * for the system organization runs the whole-organization operations for three organizations.
 */
describe('platform mode: the Organizations option', () => {
	afterAll(() => closeAllPools());
	const sending = sendingFixture({ name: 'Platform node test', account: { dailyLimit: 500 } });
	let orgs: Array<Awaited<ReturnType<typeof sending.organization>>>;

	beforeAll(async () => {
		orgs = [];
		for (const leads of [2, 3, 4]) orgs.push(await sending.organization({ leads }));
	});

	async function run(
		nodeType: INodeType,
		organizationId: string,
		parameters: INodeParameters,
		input: IDataObject[] = [{}],
	) {
		const { output, error } = await runNode({
			nodeType,
			parameters,
			credentials: {
				ophirPostgresApi: {
					connection: 'connectionString',
					connectionString: sending.db.url,
					organizationId,
					encryptionKey: KEY,
					trackingSecret: SECRET,
					trackingBaseUrl: 'https://n8n.example.com/webhook/ophir',
				},
			},
			input: input.map((json) => ({ json })),
			continueOnFail: true,
			executionId: 'platform-run',
		});
		if (error) throw error;
		return (output[0] as INodeExecutionData[]).map((item) => item.json as IDataObject);
	}
	const queue = (organizationId: string, parameters: INodeParameters) =>
		run(new OphirQueue(), organizationId, parameters);
	const entries = (summary: IDataObject) =>
		Object.fromEntries(
			(summary.organizations as IDataObject[]).map(({ organizationId, ...rest }) => [organizationId, rest]),
		);

	it('schedules and sends for every organization from the operator’s credential, reporting each one', async () => {
		const [scheduled] = await queue(SYSTEM_ORGANIZATION_ID, { operation: 'scheduleDueSteps', organizations: 'all' });
		expect(scheduled).toMatchObject({ scheduled: 9, failed: 0, failedOrganizations: 0 });
		// The system organization itself is one of them, with nothing due.
		expect(Object.keys(entries(scheduled)).sort()).toEqual(
			[SYSTEM_ORGANIZATION_ID, ...orgs.map((o) => o.tenant.id)].sort(),
		);
		expect(entries(scheduled)[orgs[2].tenant.id]).toMatchObject({ scheduled: 4 });

		const [sent] = await queue(SYSTEM_ORGANIZATION_ID, { operation: 'sendDueEmails', organizations: 'all' });
		expect(sent).toMatchObject({ claimed: 9, sent: 9, failed: 0, failedOrganizations: 0 });
		for (const [i, org] of orgs.entries()) {
			expect(entries(sent)[org.tenant.id]).toMatchObject({ sent: i + 2 });
			// Each email is listed once, at the top, tagged with its organization.
			expect(entries(sent)[org.tenant.id]).not.toHaveProperty('results');
			expect((sent.results as IDataObject[]).filter((r) => r.organizationId === org.tenant.id)).toHaveLength(i + 2);
			for (const lead of org.leadEmails) expect(sending.sink.to(lead)).toHaveLength(1);
		}
		const [stats] = await queue(SYSTEM_ORGANIZATION_ID, { operation: 'getStats', organizations: 'all' });
		expect(entries(stats)[orgs[1].tenant.id]).toMatchObject({ byStatus: { sent: 3 } });
		const [reset] = await queue(SYSTEM_ORGANIZATION_ID, { operation: 'resetDailyCounters', organizations: 'all' });
		expect(reset.failedOrganizations).toBe(0);
	});

	it('runs for the selected organizations only, and one email per item when asked, tagged with its organization', async () => {
		const more = await sending.organization({ leads: 2 });
		const other = await sending.organization({ leads: 1 });
		const picked = { organizations: 'selected', organizationIds: [more.tenant.id] };
		await queue(SYSTEM_ORGANIZATION_ID, { operation: 'scheduleDueSteps', ...picked });
		await queue(other.tenant.id, { operation: 'scheduleDueSteps' });
		const items = await queue(SYSTEM_ORGANIZATION_ID, { operation: 'sendDueEmails', output: 'perEmail', ...picked });
		expect(items.map((item) => [item.status, item.organizationId])).toEqual([
			['sent', more.tenant.id],
			['sent', more.tenant.id],
		]);
		expect(sending.sink.to(other.leadEmails[0])).toHaveLength(0);
	});

	it('keeps today’s output for This Organization, and any other credential’s All is its own organization', async () => {
		const [own] = orgs;
		const [stats] = await queue(own.tenant.id, { operation: 'getStats' });
		expect(stats).not.toHaveProperty('organizations');
		const [all] = await queue(own.tenant.id, { operation: 'getStats', organizations: 'all' });
		expect(Object.keys(entries(all))).toEqual([own.tenant.id]);
		const [refused] = await queue(own.tenant.id, {
			operation: 'getStats',
			organizations: 'selected',
			organizationIds: [orgs[1].tenant.id],
		});
		expect(refused.error).toMatch(/Only a credential acting for the system organization/);
	});

	it('fails the item as before when every organization failed (an organization’s own credential with All)', async () => {
		const broken = await sending.organization({ leads: 1 });
		// Its mailbox's password sealed with another key: the claim cannot open it.
		await sending.db.pool.query(`UPDATE email_accounts SET credentials_encrypted = $1 WHERE id = $2`, [
			new SecretBox('another-encryption-key-0123456789abcdef').seal('{"kind":"password","password":"x"}'),
			broken.accountIds[0],
		]);
		await queue(broken.tenant.id, { operation: 'scheduleDueSteps', organizations: 'all' });
		const [failed] = await queue(broken.tenant.id, { operation: 'sendDueEmails', organizations: 'all' });
		expect(failed.error).toMatch(/encrypted with key/);
		expect(failed).not.toHaveProperty('organizations');
	});

	it('runs Account Health, Campaign Stats and Run Maintenance for every organization', async () => {
		const track = (parameters: INodeParameters) => run(new OphirTrack(), SYSTEM_ORGANIZATION_ID, parameters);
		const [health] = await track({ operation: 'accountHealth', organizations: 'all' });
		expect(health.failedOrganizations).toBe(0);
		const accounts = health.accounts as IDataObject[];
		for (const org of orgs) {
			expect(accounts.filter((a) => a.organizationId === org.tenant.id)).toHaveLength(1);
		}
		const rows = await track({ operation: 'campaignStats', organizations: 'all', groupBy: ['campaign'] });
		for (const [i, org] of orgs.entries()) {
			expect(rows.find((row) => row.organizationId === org.tenant.id)).toMatchObject({
				organizationName: expect.any(String),
				sent: i + 2,
			});
		}
		const [maintenance] = await run(new OphirCampaign(), SYSTEM_ORGANIZATION_ID, {
			resource: 'database',
			operation: 'runMaintenance',
			organizations: 'all',
			vacuum: false,
			analyze: true,
			retention: true,
			retentionDays: 30,
		});
		expect(maintenance).toMatchObject({ ok: true, retention: { enabled: true, failedOrganizations: 0 } });
		const { rows: all } = await sending.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM organizations');
		expect((maintenance.retention as IDataObject).organizations).toHaveLength(all[0].n);
		// The operator re-seals every organization's secrets after a key rotation, each in its own transaction.
		const [resealed] = await run(new OphirCampaign(), SYSTEM_ORGANIZATION_ID, {
			resource: 'emailAccount',
			operation: 'reencryptSecrets',
			organizations: 'all',
		});
		// The one whose mailbox was sealed with a key this credential lacks (the test before) fails alone.
		expect(resealed).toMatchObject({ reencrypted: 0, trackingSecretsReencrypted: 0, failedOrganizations: 1 });
		expect(resealed.organizations).toHaveLength(all[0].n);
		expect((resealed.organizations as IDataObject[]).flatMap((o) => (o.error ? [o.error] : []))).toEqual([
			expect.stringMatching(/encrypted with key/),
		]);
		// Counts are summed; a setting such as the number of days is not.
		expect(maintenance.retention).toMatchObject({ deletedQueueRows: 0, batches: expect.any(Number) });
		expect(maintenance.retention).not.toHaveProperty('olderThanDays');
	});

	it('routes a catch-all mailbox’s replies and bounces to the organization each concerns', async () => {
		const [a, b] = orgs;
		const sentTo = async (org: (typeof orgs)[number], lead: string) => {
			const { rows } = await sending.db.pool.query<{ message_id: string }>(
				`SELECT q.message_id FROM email_queue q JOIN leads l ON l.id = q.lead_id
				 WHERE q.organization_id = $1 AND l.email = $2`,
				[org.tenant.id, lead],
			);
			return rows[0].message_id;
		};
		const raw = [
			reply({
				from: a.leadEmails[0],
				to: 'replies@agency.example',
				inReplyTo: await sentTo(a, a.leadEmails[0]),
			}),
			hardBounce({
				to: 'replies@agency.example',
				recipient: b.leadEmails[1],
				messageId: await sentTo(b, b.leadEmails[1]),
			}),
			reply({ from: 'stranger@elsewhere.example', to: 'replies@agency.example', text: 'Who are you?' }),
		];
		const results = await run(
			new OphirTrack(),
			SYSTEM_ORGANIZATION_ID,
			{ operation: 'processInboundEmail', organizations: 'all' },
			raw.map((text) => ({ raw: text })),
		);
		expect(results.map((r) => [r.kind, r.action, r.organizationId])).toEqual([
			['reply', 'recorded', a.tenant.id],
			['bounce', 'recorded', b.tenant.id],
			// Naming no organization: processed for the credential's own, as a single organization's mailbox would be.
			['unknown', 'ignored', SYSTEM_ORGANIZATION_ID],
		]);
		const { rows } = await sending.db.pool.query(
			`SELECT organization_id, email, status FROM leads WHERE email = ANY($1) ORDER BY email`,
			[[a.leadEmails[0], b.leadEmails[1]]],
		);
		expect(rows).toEqual([
			{ organization_id: a.tenant.id, email: a.leadEmails[0], status: 'replied' },
			{ organization_id: b.tenant.id, email: b.leadEmails[1], status: 'bounced' },
		]);
	});

	it('reports in Get Health each organization’s quotas and queue, and names a client whose queue is stuck', async () => {
		const [, stuck] = orgs;
		await sending.db.pool.query(
			`UPDATE email_queue SET status = 'sending', lease_token = gen_random_uuid(),
			   lease_expires_at = now() AT TIME ZONE 'UTC' - interval '1 hour'
			 WHERE id = (SELECT id FROM email_queue WHERE organization_id = $1 LIMIT 1)`,
			[stuck.tenant.id],
		);
		const [health] = await run(new OphirCampaign(), SYSTEM_ORGANIZATION_ID, {
			resource: 'database',
			operation: 'getHealth',
			organizations: 'all',
			healthOptions: { recordSnapshot: false },
		});
		expect(health.healthy).toBe(false);
		expect(health.warnings).toEqual(
			expect.arrayContaining([expect.stringMatching(/^[^:]+: 1 emails are stuck in sending past their lease/)]),
		);
		const byId = Object.fromEntries(
			(health.organizations as IDataObject[]).map((organization) => [organization.id, organization]),
		);
		expect(byId[stuck.tenant.id]).toMatchObject({
			quotas: expect.any(Object),
			queue: { stuckPastLease: 1 },
			warnings: [expect.stringMatching(/stuck in sending/)],
		});
		expect(byId[orgs[2].tenant.id]).toMatchObject({ queue: { stuckPastLease: 0 }, warnings: [] });
	});
});
