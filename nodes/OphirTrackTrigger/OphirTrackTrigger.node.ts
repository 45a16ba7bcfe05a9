import type {
	IDataObject,
	INodeType,
	INodeTypeDescription,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import {
	handleTrackingRequest,
	NOT_FOUND,
	PIXEL_REPLY,
	type TrackingHttpReply,
	type TrackingKind,
} from '../core/tracking';
import { SecretBox, withTenant } from '../core/db';
import { connect, webhookCredentials } from '../shared/credentials';
import { credentialTest } from '../shared/credentialTest';
import { OPHIR_ICON } from '../shared/nodeDescription';

/** The pixel for an open, "not found" otherwise: fixed replies, so nothing in them can fail to write. */
function answerPlainly(response: ReturnType<IWebhookFunctions['getResponseObject']>, kind: TrackingKind): void {
	try {
		if (response.headersSent) {
			response.end();
			return;
		}
		for (const name of response.getHeaderNames()) response.removeHeader(name);
		const reply = kind === 'open' ? PIXEL_REPLY : NOT_FOUND;
		response.writeHead(reply.status, reply.headers);
		response.end(reply.body);
	} catch {
		// The connection itself is unusable: close it rather than leave the recipient waiting.
		response.destroy();
	}
}

/** The tracking endpoints, by webhook name: open pixel, click redirect, unsubscribe page and RFC 8058 one-click. */
// Static paths under the node's webhook ID, the token in the query: n8n serves them at /webhook/<webhook ID>/<path>,
// so several tracking workflows never collide. One workflow whose credential acts for the system organization
// answers for every organization (tokens name theirs); one with an organization's credential, for that one only.
const ENDPOINTS: Record<string, { kind: TrackingKind; method: 'GET' | 'HEAD' | 'POST'; path: string }> = {
	open: { kind: 'open', method: 'GET', path: 'o.gif' },
	openHead: { kind: 'open', method: 'HEAD', path: 'o.gif' },
	click: { kind: 'click', method: 'GET', path: 'c' },
	clickHead: { kind: 'click', method: 'HEAD', path: 'c' },
	unsubscribePage: { kind: 'unsubscribe', method: 'GET', path: 'u' },
	unsubscribe: { kind: 'unsubscribe', method: 'POST', path: 'u' },
};

const webhooks: IWebhookDescription[] = Object.entries(ENDPOINTS).map(([name, endpoint]) => ({
	name: name as IWebhookDescription['name'],
	httpMethod: endpoint.method,
	responseMode: 'onReceived',
	path: endpoint.path,
}));

/** The client's address: the socket's, or the first X-Forwarded-For entry when n8n sits behind a trusted proxy. */
function clientIp(
	request: { ip?: string; socket?: { remoteAddress?: string }; headers: Record<string, unknown> },
	trustProxy: boolean,
) {
	const forwarded = request.headers['x-forwarded-for'];
	if (trustProxy && typeof forwarded === 'string' && forwarded.trim()) return forwarded.split(',')[0].trim();
	return (request.socket?.remoteAddress ?? request.ip ?? '').replace(/^::ffff:/, '') || null;
}

export class OphirTrackTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'OPhir Tracking Trigger',
		name: 'ophirTrackTrigger',
		icon: OPHIR_ICON,
		group: ['trigger'],
		version: 1,
		subtitle: 'open, click, unsubscribe',
		description: 'Serves OPhir’s open pixel, click redirects and unsubscribe links, and records what recipients do',
		defaults: { name: 'OPhir Tracking' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'ophirPostgresApi', required: true, testedBy: 'ophirConnectionTest' }],
		webhooks,
		properties: [
			{
				displayName:
					"Set the credential's \"Tracking Base URL\" to this node's production URL without the path (…/webhook/<webhook ID>). Emails link to <base>/o.gif?t=<token>, <base>/c?t=<token> and <base>/u?t=<token>. With a credential of the system organization, this one workflow answers for every organization's links; with an organization's own credential, for that organization's only.",
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Emit Events',
				name: 'emitEvents',
				type: 'boolean',
				default: false,
				description:
					'Whether to also run this workflow with each recorded event. Off, OPhir records and answers without starting an execution, which is much faster.',
			},
			{
				displayName: 'Trust X-Forwarded-For',
				name: 'trustProxy',
				type: 'boolean',
				default: false,
				description:
					'Whether to take the client IP from X-Forwarded-For; turn on only behind a reverse proxy you control',
			},
		],
	};

	methods = { credentialTest };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const endpoint = ENDPOINTS[this.getWebhookName()];
		const request = this.getRequestObject();
		const response = this.getResponseObject();
		let reply: TrackingHttpReply;
		try {
			const { credentials, pool } = connect(await webhookCredentials(this));
			// Opened only when an organization has a tracking secret of its own: a credential without an encryption
			// key keeps working for organizations that sign with the platform secret.
			let box: SecretBox | undefined;
			reply = await handleTrackingRequest(
				{
					organizationId: credentials.organizationId,
					runFor: (organizationId) => (work) => withTenant(pool, organizationId, work),
					box: {
						open: (sealed) =>
							(box ??= new SecretBox(credentials.encryptionKey, credentials.previousEncryptionKeys)).open(sealed),
					},
					platformSecret: credentials.trackingSecret,
				},
				{
					kind: endpoint.kind,
					method: request.method,
					token: String((this.getQueryData() as IDataObject).t ?? ''),
					ip: clientIp(request, this.getNodeParameter('trustProxy', false) as boolean),
					userAgent: request.headers['user-agent'] ?? null,
				},
			);
		} catch (error) {
			// A database or credential problem must not break an email: the pixel still answers, the rest says so.
			this.logger.error(`OPhir tracking could not record a ${endpoint.kind} request: ${(error as Error).message}`);
			reply =
				endpoint.kind === 'open'
					? PIXEL_REPLY
					: {
							status: 503,
							headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '60' },
							body: 'Please try again in a minute.',
						};
		}
		try {
			response.writeHead(reply.status, reply.headers);
			response.end(reply.body);
		} catch (error) {
			// Whatever the reply held that Node refuses (a header value), the recipient still gets a plain answer.
			this.logger.error(`OPhir tracking could not answer a ${endpoint.kind} request: ${(error as Error).message}`);
			answerPlainly(response, endpoint.kind);
		}
		const emit = reply.event && (this.getNodeParameter('emitEvents', false) as boolean);
		return emit
			? { noWebhookResponse: true, workflowData: [[{ json: reply.event as IDataObject }]] }
			: { noWebhookResponse: true };
	}
}
