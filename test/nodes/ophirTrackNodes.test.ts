import fc from 'fast-check';
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { closeAllPools } from '../../nodes/core/db';
// The one import of a core file, not its folder's entry: jest.spyOn must replace the function on its own module.
import * as trackingWebhook from '../../nodes/core/tracking/trackingWebhook';
import { PIXEL, signTrackingToken } from '../../nodes/core/tracking';
import { OphirTrack } from '../../nodes/OphirTrack/OphirTrack.node';
import { OphirTrackTrigger } from '../../nodes/OphirTrackTrigger/OphirTrackTrigger.node';
import { runNode } from '../support/n8nExecute';
import { BROWSER, KEY, SECRET, sentFirstStep } from '../support/outreach';
import { hardBounce, reply } from '../support/inboundMail';
import { sendingFixture } from '../support/sendingFixture';
import { WebhookServer } from '../support/webhookServer';

describe('OPhir tracking nodes', () => {
	// Before the fixture's own clean-up: OPhir's pools end before the database goes.
	afterAll(() => closeAllPools());
	const sending = sendingFixture();
	const credential = (organizationId: string) => ({
		ophirPostgresApi: {
			connection: 'connectionString',
			connectionString: sending.db.url,
			organizationId,
			encryptionKey: KEY,
			trackingSecret: SECRET,
			trackingBaseUrl: 'https://track.example.com/webhook/ophir',
		},
	});
	const activityCount = async (organizationId: string) =>
		(
			await sending.db.pool.query('SELECT count(*)::int AS n FROM email_activities WHERE organization_id = $1', [
				organizationId,
			])
		).rows[0].n as number;

	describe('tracking trigger over HTTP', () => {
		let server: WebhookServer;
		let fixture: Awaited<ReturnType<typeof sentFirstStep>>;
		let tokens: ReturnType<typeof fixture.received>;

		beforeAll(async () => {
			fixture = await sentFirstStep(sending.db, sending.sink, 2);
			tokens = fixture.received(`lead0@${fixture.domain}`);
			server = await new WebhookServer(new OphirTrackTrigger(), credential(fixture.tenant.id)).start();
		});
		afterAll(() => server.stop());

		const get = (path: string, init: RequestInit = {}) =>
			fetch(`${server.url}/${path}`, {
				redirect: 'manual',
				...init,
				headers: { 'User-Agent': BROWSER, ...init.headers },
			});

		it('answers the open pixel with a no-cache GIF and records the open, without starting an execution', async () => {
			const before = await activityCount(fixture.tenant.id);
			const response = await get(`o.gif?t=${tokens.open}`);
			expect(response.status).toBe(200);
			expect(response.headers.get('content-type')).toBe('image/gif');
			expect(response.headers.get('cache-control')).toContain('no-store');
			expect(Buffer.from(await response.arrayBuffer())).toEqual(PIXEL);
			expect(await activityCount(fixture.tenant.id)).toBe(before + 1);
			expect(server.returned.at(-1)).toEqual({ noWebhookResponse: true });
		});

		it('answers the pixel for a bad token too, and records nothing', async () => {
			const before = await activityCount(fixture.tenant.id);
			const response = await get(`o.gif?t=${tokens.open.slice(0, 40)}`);
			expect(response.status).toBe(200);
			expect(Buffer.from(await response.arrayBuffer())).toEqual(PIXEL);
			expect(await activityCount(fixture.tenant.id)).toBe(before);
		});

		it('records a HEAD request as machine traffic and sends no body', async () => {
			const response = await get(`o.gif?t=${tokens.open}`, { method: 'HEAD' });
			expect(response.status).toBe(200);
			const { rows } = await sending.db.pool.query(
				`SELECT metadata FROM email_activities WHERE organization_id = $1 AND event_type = 'opened' ORDER BY timestamp DESC, id LIMIT 1`,
				[fixture.tenant.id],
			);
			expect(rows[0].metadata.machine).toBe('head-request');
		});

		it('redirects a click (302) to the original link, and a forged one nowhere (404)', async () => {
			const response = await get(`c?t=${tokens.clicks[1]}`);
			expect(response.status).toBe(302);
			expect(response.headers.get('location')).toBe('https://example.com/two?x=1&y=2');
			const retargeted = await get(`c?t=${tokens.clicks[1]}&url=https://evil.example/`);
			expect(retargeted.headers.get('location')).toBe('https://example.com/two?x=1&y=2');
			const forged = await get(`c?t=${tokens.open}`);
			expect(forged.status).toBe(404);
			expect(forged.headers.get('location')).toBeNull();
		});

		it('redirects to links a header cannot hold as written (non-Latin-1, CR/LF) percent-encoded; unparseable ones are not wrapped, and redirect nowhere (404)', async () => {
			const odd = await sentFirstStep(sending.db, sending.sink, 1, {
				body: [
					'<a href="https://example.com/日本語?q=ü#façade">jp</a>',
					'<a href="https://example.com/a&#13;&#10;Set-Cookie: x=1">crlf</a>',
					'<a href="https://example.com/%0D%0Akept">encoded</a>',
					'<a href="https://exa mple.com/">unparseable</a>',
				].join(' '),
			});
			const oddServer = await new WebhookServer(new OphirTrackTrigger(), credential(odd.tenant.id)).start();
			try {
				const clicks = odd.received(`lead0@${odd.domain}`).clicks;
				// The unparseable link went out as written (a browser treats it as the sender wrote it); an old email
				// that did wrap one, or a token for it, gets a 404.
				expect(clicks).toHaveLength(3);
				expect(String(sending.sink.to(`lead0@${odd.domain}`)[0].parsed.html)).toContain('href="https://exa mple.com/"');
				const [{ id }] = (
					await sending.db.pool.query(`SELECT id FROM email_queue WHERE organization_id = $1`, [odd.tenant.id])
				).rows;
				clicks.push(signTrackingToken(SECRET, id, 'click', 3));
				const locations = [];
				for (const click of clicks) {
					const response = await fetch(`${oddServer.url}/c?t=${click}`, {
						redirect: 'manual',
						headers: { 'User-Agent': BROWSER },
					});
					locations.push([response.status, response.headers.get('location')]);
				}
				expect(locations).toEqual([
					[302, 'https://example.com/%E6%97%A5%E6%9C%AC%E8%AA%9E?q=%C3%BC#fa%C3%A7ade'],
					[302, 'https://example.com/aSet-Cookie:%20x=1'],
					[302, 'https://example.com/%0D%0Akept'],
					[404, null],
				]);
				// The unparseable link records no click.
				const { rows } = await sending.db.pool.query(
					`SELECT count(*)::int AS n FROM email_activities WHERE organization_id = $1 AND event_type = 'clicked'`,
					[odd.tenant.id],
				);
				expect(rows[0].n).toBe(3);
			} finally {
				await oddServer.stop();
			}
		});

		it('still answers plainly when the reply cannot be written: the pixel for an open, 404 otherwise', async () => {
			const unwritable = { status: 302, headers: { Location: 'https://example.com/\n日本語' }, body: '' };
			const spy = jest.spyOn(trackingWebhook, 'handleTrackingRequest').mockResolvedValue(unwritable);
			try {
				const open = await get(`o.gif?t=${tokens.open}`);
				expect(open.status).toBe(200);
				expect(Buffer.from(await open.arrayBuffer())).toEqual(PIXEL);
				for (const path of [`c?t=${tokens.clicks[0]}`, `u?t=${tokens.unsubscribe}`]) {
					const response = await get(path);
					expect({ path, status: response.status, location: response.headers.get('location') }).toEqual({
						path,
						status: 404,
						location: null,
					});
				}
			} finally {
				spy.mockRestore();
			}
		});

		it('shows an unsubscribe page on GET (no unsubscribe), and unsubscribes on an RFC 8058 one-click POST', async () => {
			const page = await get(`u?t=${tokens.unsubscribe}`);
			expect(page.status).toBe(200);
			const html = await page.text();
			expect(html).toContain('<form method="post">');
			expect(html).toContain(`l***@${fixture.domain}`);
			const lead = () =>
				sending.db.pool.query(`SELECT status FROM leads WHERE organization_id = $1 AND email = $2`, [
					fixture.tenant.id,
					`lead0@${fixture.domain}`,
				]);
			expect((await lead()).rows[0].status).toBe('active');

			const post = await get(`u?t=${tokens.unsubscribe}`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
				body: 'List-Unsubscribe=One-Click',
			});
			expect(post.status).toBe(200);
			expect(post.headers.get('location')).toBeNull();
			expect(post.headers.get('set-cookie')).toBeNull();
			expect((await lead()).rows[0].status).toBe('unsubscribed');
		});

		it('never answers 500, never redirects and never records for random tokens and query strings', async () => {
			const before = await activityCount(fixture.tenant.id);
			await fc.assert(
				fc.asyncProperty(
					fc.constantFrom('o.gif', 'c', 'u'),
					fc.oneof(
						fc.string({ maxLength: 120 }),
						fc.base64String({ maxLength: 90 }),
						fc.constant(tokens.clicks[0].slice(0, 67)),
					),
					fc.string({ maxLength: 40 }),
					async (kind, token, query) => {
						const path = `${kind}?t=${encodeURIComponent(token)}&${encodeURIComponent(query)}=1`;
						const response = await get(path);
						await response.arrayBuffer();
						expect(response.status).toBeLessThan(500);
						expect(response.status).not.toBe(302);
					},
				),
				{ numRuns: 150, seed: 42 },
			);
			expect(await activityCount(fixture.tenant.id)).toBe(before);
		});

		it('with Emit Events, hands the event to the workflow as well', async () => {
			const emitting = await new WebhookServer(new OphirTrackTrigger(), credential(fixture.tenant.id), {
				emitEvents: true,
			}).start();
			try {
				const other = fixture.received(`lead1@${fixture.domain}`);
				await fetch(`${emitting.url}/o.gif?t=${other.open}`, { headers: { 'User-Agent': BROWSER } });
				expect(emitting.returned[0]).toMatchObject({
					noWebhookResponse: true,
					workflowData: [[{ json: { type: 'opened', recorded: true, campaignId: fixture.campaign.id } }]],
				});
			} finally {
				await emitting.stop();
			}
		});
	});

	describe('OPhir Track node', () => {
		async function run(organizationId: string, parameters: INodeParameters, input: IDataObject[] = [{}]) {
			const { output, error } = await runNode({
				nodeType: new OphirTrack(),
				parameters,
				credentials: credential(organizationId),
				input: input.map((json) => ({ json })),
				executionId: 'exec-7',
			});
			if (error) throw error;
			return output[0] as INodeExecutionData[];
		}

		it('processes an IMAP reply and a bounce: the lead stops, the bounce suppresses, stats and health follow', async () => {
			const { tenant, account, campaign, domain, received } = await sentFirstStep(sending.db, sending.sink, 2);
			const replied = received(`lead0@${domain}`);
			const bounced = received(`lead1@${domain}`);
			const replyRaw = reply({
				from: `Lead Zero <lead0@${domain}>`,
				to: `sales@${domain}`,
				inReplyTo: replied.messageId,
				text: 'Sounds interesting, call me tomorrow.',
			});
			const bounceRaw = hardBounce({
				to: `sales@${domain}`,
				recipient: `lead1@${domain}`,
				messageId: bounced.messageId,
			});
			const items = await run(tenant.id, { operation: 'processInboundEmail' }, [
				{ raw: replyRaw },
				{ raw: bounceRaw },
				{ raw: 'not an email at all' },
			]);
			expect(items.map((item) => [item.json.kind, item.json.action])).toEqual([
				['reply', 'recorded'],
				['bounce', 'recorded'],
				['unknown', 'ignored'],
			]);
			expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			const { rows } = await sending.db.pool.query(
				`SELECT email, status FROM leads WHERE organization_id = $1 ORDER BY email`,
				[tenant.id],
			);
			expect(rows.map((row) => row.status)).toEqual(['replied', 'bounced']);

			const [stats] = await run(tenant.id, { operation: 'campaignStats', groupBy: ['campaign'] });
			expect(stats.json).toMatchObject({
				campaignId: campaign.id,
				sent: 2,
				replies: 1,
				hardBounces: 1,
				delivered: 1,
				replyRate: 1,
			});
			const [health] = await run(tenant.id, { operation: 'accountHealth', options: { minSent: 1 } });
			expect(health.json).toMatchObject({
				accounts: [expect.objectContaining({ id: account.id, hardBounces: 1, status: 'paused' })],
			});
		});

		it('records events idempotently by event id, one output per item', async () => {
			const { tenant, domain } = await sentFirstStep(sending.db, sending.sink, 1);
			const event = { email: `lead0@${domain}` };
			const parameters = {
				operation: 'recordEvent',
				eventType: 'opened',
				matchBy: 'email',
				email: '={{ $json.email }}',
				additionalFields: { eventId: '={{ $json.id }}' },
			};
			const first = await run(tenant.id, parameters, [
				{ ...event, id: 'esp-9' },
				{ ...event, id: 'esp-9' },
				{ email: 'nobody@example.com', id: 'esp-10' },
			]);
			expect(first.map((item) => item.json.status)).toEqual(['recorded', 'duplicate', 'unmatched']);
		});

		it('logs an execution start and finish by n8n execution id', async () => {
			const { tenant } = await sentFirstStep(sending.db, sending.sink, 1);
			await run(tenant.id, {
				operation: 'logExecution',
				phase: 'start',
				executionId: 'exec-7',
				workflowName: 'OPhir Sender',
				triggerSource: 'schedule',
			});
			const [done] = await run(
				tenant.id,
				{
					operation: 'logExecution',
					phase: 'finish',
					executionId: 'exec-7',
					metrics: '={{ JSON.stringify({ sent: $json.sent }) }}',
				},
				[{ sent: 5 }],
			);
			// The name defaults to the running workflow's ($workflow.name: 'Test' in this harness).
			expect(done.json).toMatchObject({
				executionId: 'exec-7',
				status: 'success',
				workflowName: 'Test',
				triggerSource: 'schedule',
				metrics: { sent: 5 },
			});
		});
	});
});
