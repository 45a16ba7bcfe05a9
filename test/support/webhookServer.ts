import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ICredentialDataDecryptedObject, INodeType, IWebhookFunctions } from 'n8n-workflow';

/**
 * Serves a trigger node's webhooks over real HTTP the way n8n's webhook server calls them: the request is matched
 * to a webhook description by method and path, and the node's webhook() gets the real
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
		const url = new URL(req.url ?? '/', this.url);
		const path = url.pathname.replace(/^\/+/, '');
		const match = (this.nodeType.description.webhooks ?? []).find(
			(webhook) => webhook.httpMethod === req.method && webhook.path === path,
		);
		if (!match) {
			res.writeHead(404).end('no such webhook');
			return;
		}
		const context = {
			getWebhookName: () => match.name,
			getRequestObject: () => req,
			getResponseObject: () => res,
			// Like n8n (express), a repeated query parameter becomes a list.
			getQueryData: () => {
				const query: Record<string, string | string[]> = {};
				for (const [key, value] of url.searchParams)
					query[key] = key in query ? [query[key]].flat().concat(value) : value;
				return query;
			},
			getCredentials: async (type: string) => this.credentials[type],
			getNode: () => ({
				name: this.nodeType.description.defaults.name,
				credentials: Object.fromEntries(
					Object.keys(this.credentials).map((type) => [type, { id: `${type}-${this.url}`, name: type }]),
				),
			}),
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
