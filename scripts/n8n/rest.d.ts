/* eslint-disable @typescript-eslint/no-explicit-any -- n8n's REST answers are loosely typed JSON */
export interface WorkflowJson {
	name: string;
	nodes: Array<Record<string, any>>;
	connections?: Record<string, any>;
	settings?: Record<string, any>;
	[key: string]: any;
}
export interface Execution {
	id: string;
	status: string;
	finished: boolean;
	data: any;
	error?: { message: string; [key: string]: any };
	/** The JSON of the items a node output in its last run (throws when that node failed). */
	output(nodeName: string, outputIndex?: number): Array<Record<string, any>> | undefined;
	[key: string]: any;
}
export class N8nRestError extends Error {
	status: number;
	body: unknown;
}
export class N8nClient {
	constructor(baseUrl: string);
	baseUrl: string;
	request(method: string, urlPath: string, body?: unknown): Promise<any>;
	needsOwnerSetup(): Promise<boolean>;
	setupOwner(owner: { email: string; password: string; firstName?: string; lastName?: string }): Promise<any>;
	login(email: string, password: string): Promise<any>;
	nodeTypes(): Promise<Array<Record<string, any>>>;
	credentialTypes(): Promise<Array<Record<string, any>>>;
	fetchRaw(urlPath: string): Promise<Response>;
	listCredentials(): Promise<Array<{ id: string; name: string; type: string }>>;
	createCredential(credential: {
		name: string;
		type: string;
		data: Record<string, unknown>;
	}): Promise<{ id: string; name: string; type: string }>;
	updateCredential(id: string, credential: { name: string; type: string; data: Record<string, unknown> }): Promise<any>;
	createOphirCredential(fields: {
		name?: string;
		connectionString: string;
		organizationId?: string;
		encryptionKey: string;
		trackingSecret: string;
		trackingBaseUrl?: string;
	}): Promise<{ id: string; name: string; type: string }>;
	listWorkflows(): Promise<Array<Record<string, any>>>;
	getWorkflow(id: string): Promise<Record<string, any>>;
	createWorkflow(workflow: WorkflowJson): Promise<Record<string, any> & { id: string; versionId: string }>;
	activateWorkflow(id: string): Promise<Record<string, any>>;
	deactivateWorkflow(id: string): Promise<Record<string, any>>;
	runWorkflow(id: string, options?: { triggerName?: string; timeoutMs?: number }): Promise<Execution>;
	getExecution(id: string): Promise<Execution>;
	waitForExecution(id: string, options?: { timeoutMs?: number }): Promise<Execution>;
	listExecutions(filter?: Record<string, unknown>, limit?: number): Promise<Array<Record<string, any>>>;
}
