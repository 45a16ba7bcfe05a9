// A small client for a running n8n's REST API, used the way the editor uses it (session cookie, browser id).
// Endpoints as in n8n 2.41: /rest/owner/setup, /rest/login, /rest/credentials, /rest/workflows(/:id/activate,
// /:id/run), /rest/executions/:id, and the editor's type files /types/nodes.json and /types/credentials.json.
const { randomBytes } = require('node:crypto');
const path = require('node:path');

const { eventually } = require('../lib/wait');
const { cacheDir } = require('./install');

/**
 * A workflow as exported JSON.
 * @typedef {{ name: string, nodes: Array<Record<string, any>>, connections?: Record<string, any>,
 *   settings?: Record<string, any>, [key: string]: any }} WorkflowJson
 */

/**
 * An execution with its run data unpacked; output() is the JSON of the items a node output in its last run
 * (it throws when that node failed).
 * @typedef {{ id: string, status: string, finished: boolean, data: any, error?: { message: string, [key: string]: any },
 *   output(nodeName: string, outputIndex?: number): Array<Record<string, any>> | undefined, [key: string]: any }} Execution
 */

/** @typedef {{ id: string, name: string, type: string }} CredentialRef */

/**
 * n8n stores execution data with `flatted` (it has cycles); n8n's own copy is in the install cache.
 * @param {string} text
 */
function unflatten(text) {
	return require(path.join(cacheDir(), 'node_modules', 'flatted')).parse(text);
}

class N8nRestError extends Error {
	/**
	 * @param {string} method
	 * @param {string} urlPath
	 * @param {number} status
	 * @param {any} body the answer: parsed JSON, or text
	 */
	constructor(method, urlPath, status, body) {
		const detail = typeof body === 'object' && body ? (body.message ?? JSON.stringify(body)) : String(body);
		super(`n8n answered ${status} to ${method} ${urlPath}: ${detail}`);
		this.status = status;
		this.body = body;
	}
}

class N8nClient {
	/** @param {string} baseUrl */
	constructor(baseUrl) {
		this.baseUrl = baseUrl.replace(/\/$/, '');
		// The session cookie is bound to the browser id sent when it was issued.
		this.browserId = randomBytes(16).toString('hex');
		/** @type {string | undefined} */
		this.cookie = undefined;
	}

	/**
	 * @param {string} method
	 * @param {string} urlPath
	 * @param {unknown} [body]
	 * @returns {Promise<any>} the answer's JSON (n8n's REST answers are loosely typed), or the Response when `raw`
	 */
	async request(method, urlPath, body, { raw = false } = {}) {
		/** @type {Record<string, string>} */
		const headers = { 'browser-id': this.browserId, accept: 'application/json' };
		if (this.cookie) headers.cookie = this.cookie;
		if (body !== undefined) headers['content-type'] = 'application/json';
		const response = await fetch(`${this.baseUrl}${urlPath}`, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			redirect: 'manual',
		});
		const setCookie = response.headers.getSetCookie?.() ?? [];
		const auth = setCookie.map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
		if (auth) this.cookie = auth;
		if (raw) return response;
		const text = await response.text();
		/** @type {any} */
		let parsed = text;
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			// not JSON: keep the text for the error message
		}
		if (!response.ok) throw new N8nRestError(method, urlPath, response.status, parsed);
		// /rest answers are wrapped in { data }; the type files are not.
		return parsed && typeof parsed === 'object' && 'data' in parsed && urlPath.startsWith('/rest/')
			? parsed.data
			: parsed;
	}

	/**
	 * Public settings: whether the instance still waits for its owner account.
	 * @returns {Promise<boolean>}
	 */
	async needsOwnerSetup() {
		const settings = await this.request('GET', '/rest/settings');
		return Boolean(settings.userManagement?.showSetupOnFirstLoad);
	}

	/**
	 * First start only. The password needs 8+ characters, a digit and an uppercase letter. Logs in.
	 * @param {{ email: string, password: string, firstName?: string, lastName?: string }} owner
	 */
	setupOwner({ email, password, firstName = 'OPhir', lastName = 'Owner' }) {
		return this.request('POST', '/rest/owner/setup', { email, password, firstName, lastName });
	}

	/**
	 * @param {string} email
	 * @param {string} password
	 */
	login(email, password) {
		return this.request('POST', '/rest/login', { emailOrLdapLoginId: email, password });
	}

	/**
	 * Every node type the editor's node panel offers (n8n's /types/nodes.json).
	 * @returns {Promise<Array<Record<string, any>>>}
	 */
	nodeTypes() {
		return this.request('GET', '/types/nodes.json');
	}

	/** @returns {Promise<Array<Record<string, any>>>} */
	credentialTypes() {
		return this.request('GET', '/types/credentials.json');
	}

	/**
	 * GETs a path of the instance (an icon URL from a node type, for example) and returns the fetch Response.
	 * @param {string} urlPath
	 * @returns {Promise<Response>}
	 */
	fetchRaw(urlPath) {
		return this.request('GET', urlPath, undefined, { raw: true });
	}

	/** @returns {Promise<CredentialRef[]>} */
	listCredentials() {
		return this.request('GET', '/rest/credentials');
	}

	/**
	 * @param {{ name: string, type: string, data: Record<string, unknown> }} credential
	 * @returns {Promise<CredentialRef>}
	 */
	createCredential({ name, type, data }) {
		return this.request('POST', '/rest/credentials', { name, type, data });
	}

	/**
	 * @param {string} id
	 * @param {{ name: string, type: string, data: Record<string, unknown> }} credential
	 */
	updateCredential(id, { name, type, data }) {
		return this.request('PATCH', `/rest/credentials/${id}`, { name, type, data });
	}

	/**
	 * The OPhir credential, connected by connection string. Secrets are sent to n8n, which stores them
	 * encrypted; nothing here prints them.
	 * @param {{ name?: string, connectionString: string, organizationId?: string, encryptionKey: string,
	 *   trackingSecret: string, trackingBaseUrl?: string }} fields
	 * @returns {Promise<CredentialRef>}
	 */
	createOphirCredential({
		name = 'OPhir',
		connectionString,
		organizationId,
		encryptionKey,
		trackingSecret,
		trackingBaseUrl = '',
	}) {
		/** @type {Record<string, string>} */
		const data = { connection: 'connectionString', connectionString, encryptionKey, trackingSecret, trackingBaseUrl };
		if (organizationId) data.organizationId = organizationId;
		return this.createCredential({ name, type: 'ophirPostgresApi', data });
	}

	/** @returns {Promise<Array<Record<string, any>>>} */
	listWorkflows() {
		return this.request('GET', '/rest/workflows');
	}

	/**
	 * @param {string} id
	 * @returns {Promise<Record<string, any>>}
	 */
	getWorkflow(id) {
		return this.request('GET', `/rest/workflows/${id}`);
	}

	/**
	 * Creates a workflow from exported JSON (name, nodes, connections, settings). Node credentials may be
	 * referenced by name only, as in bundled workflow files: they are resolved to this instance's credential ids.
	 * @param {WorkflowJson} workflow
	 * @returns {Promise<Record<string, any> & { id: string, versionId: string }>}
	 */
	async createWorkflow(workflow) {
		const credentials = await this.listCredentials();
		const nodes = workflow.nodes.map((node) => {
			if (!node.credentials) return node;
			/** @type {Record<string, { id: string, name: string }>} */
			const resolved = {};
			for (const [type, ref] of Object.entries(node.credentials)) {
				const match =
					credentials.find((c) => c.type === type && ref.id && c.id === ref.id) ??
					credentials.find((c) => c.type === type && c.name === ref.name);
				if (!match)
					throw new Error(
						`Workflow "${workflow.name}": no ${type} credential named "${ref.name}" for node "${node.name}"`,
					);
				resolved[type] = { id: match.id, name: match.name };
			}
			return { ...node, credentials: resolved };
		});
		/** @type {Record<string, unknown>} */
		const body = {
			// Bundled workflows keep fixed ids so that their settings can name the error workflow.
			id: workflow.id,
			name: workflow.name,
			nodes,
			connections: workflow.connections ?? {},
			settings: workflow.settings ?? { executionOrder: 'v1' },
			pinData: workflow.pinData,
			staticData: workflow.staticData,
			meta: workflow.meta,
			active: false,
		};
		for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
		return this.request('POST', '/rest/workflows', body);
	}

	/**
	 * Publishes the workflow's current version so its triggers run (the editor's Activate / Publish).
	 * @param {string} id
	 */
	async activateWorkflow(id) {
		const { versionId } = await this.getWorkflow(id);
		return this.request('POST', `/rest/workflows/${id}/activate`, { versionId });
	}

	/** @param {string} id */
	deactivateWorkflow(id) {
		return this.request('POST', `/rest/workflows/${id}/deactivate`, {});
	}

	/**
	 * Runs a saved workflow manually from one of its triggers, as the editor's "Execute workflow" button does,
	 * waits for the execution to finish and returns it with its data unpacked (see waitForExecution).
	 * @param {string} id
	 * @param {{ triggerName?: string, timeoutMs?: number }} [options]
	 * @returns {Promise<Execution>}
	 */
	async runWorkflow(id, { triggerName, timeoutMs = 60_000 } = {}) {
		let trigger = triggerName;
		if (!trigger) {
			const workflow = await this.getWorkflow(id);
			trigger = workflow.nodes.find((/** @type {{ name: string, type: string }} */ n) => /trigger/i.test(n.type))?.name;
			if (!trigger) throw new Error(`Workflow ${id} has no trigger node to start from`);
		}
		const started = await this.request('POST', `/rest/workflows/${id}/run`, { triggerToStartFrom: { name: trigger } });
		if (!started?.executionId) {
			throw new Error(`n8n did not start workflow ${id} (answer: ${JSON.stringify(started)})`);
		}
		return this.waitForExecution(started.executionId, { timeoutMs });
	}

	/**
	 * One execution with its run data: { id, status, finished, data, output(nodeName) -> json items }.
	 * @param {string} id
	 * @returns {Promise<Execution>}
	 */
	async getExecution(id) {
		const execution = await this.request('GET', `/rest/executions/${id}`);
		const data = typeof execution.data === 'string' ? unflatten(execution.data) : execution.data;
		return {
			...execution,
			data,
			error: data?.resultData?.error,
			output(nodeName, outputIndex = 0) {
				const runs = data?.resultData?.runData?.[nodeName];
				if (!runs) return undefined;
				const last = runs[runs.length - 1];
				if (last.error) throw new Error(`Node "${nodeName}" failed: ${last.error.message}`);
				return (last.data?.main?.[outputIndex] ?? []).map(
					(/** @type {{ json: Record<string, any> }} */ item) => item.json,
				);
			},
		};
	}

	/**
	 * @param {string} id
	 * @param {{ timeoutMs?: number }} [options]
	 * @returns {Promise<Execution>}
	 */
	async waitForExecution(id, { timeoutMs = 60_000 } = {}) {
		const finished = async () =>
			!['new', 'running', 'waiting'].includes((await this.request('GET', `/rest/executions/${id}`)).status);
		await eventually(`execution ${id} to finish`, finished, timeoutMs);
		return this.getExecution(id);
	}

	/**
	 * Executions, newest first; `filter` as the editor sends it, e.g. { workflowId, status }.
	 * @returns {Promise<Array<Record<string, any>>>}
	 */
	async listExecutions(filter = {}, limit = 50) {
		const query = new URLSearchParams({ filter: JSON.stringify(filter), limit: String(limit) });
		const { results } = await this.request('GET', `/rest/executions?${query}`);
		return results;
	}
}

module.exports = { N8nClient, N8nRestError };
