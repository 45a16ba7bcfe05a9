import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ICredentialDataDecryptedObject, INodeType, IWebhookFunctions } from 'n8n-workflow';

/**
 * Serves a trigger node's webhooks over real HTTP the way n8n's webhook server calls them: the request is matched
 * to a webhook description by method and path (`o/:token` style parameters), and the node's webhook() gets the real
 * request and response objects. What needs a running n8n (its database, executions) is left out: a test sees the
 * node's return value in `returned`.
 */
export class WebhookServer {
	readonly returned: unknown[] = [];
	private server!: Server;
	url = '';

	constructor(
		private readonly nodeType: INodeType,
		private readonly credentials: Record<string, ICredentialDataDecryptedObject>,
		private readonly parameters: Record<string, unknown> = {},
	) {}

	async start(): Promise<this> {
		this.server = createServer((req, res) => {
			this.handle(req, res).catch((error: Error) => {
				if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
				res.end(`webhook threw: ${error.message}`);
			});
		});
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
		return this;
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const path = new URL(req.url ?? '/', this.url).pathname.replace(/^\/+/, '');
		const match = (this.nodeType.description.webhooks ?? [])
			.map((webhook) => {
				if (webhook.httpMethod !== req.method) return undefined;
				const pattern = String(webhook.path).split('/');
				const parts = path.split('/');
				if (pattern.length !== parts.length) return undefined;
				const params: Record<string, string> = {};
				for (let i = 0; i < pattern.length; i++) {
					if (pattern[i].startsWith(':')) params[pattern[i].slice(1)] = decodeURIComponent(parts[i]);
					else if (pattern[i] !== parts[i]) return undefined;
				}
				return { name: webhook.name, params };
			})
			.find(Boolean);
		if (!match) {
			res.writeHead(404).end('no such webhook');
			return;
		}
		const context = {
			getWebhookName: () => match.name,
			getRequestObject: () => req,
			getResponseObject: () => res,
			getParamsData: () => match.params,
			getCredentials: async (type: string) => this.credentials[type],
			getNodeParameter: (name: string, fallback?: unknown) => this.parameters[name] ?? fallback,
			logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined },
		} as unknown as IWebhookFunctions;
		this.returned.push(await this.nodeType.webhook!.call(context));
	}

	async stop(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}
