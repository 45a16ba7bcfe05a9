/**
 * Runs a node through n8n's own execution engine: n8n-core's WorkflowExecute runs the workflow
 * `Input -> node under test`, so the node gets n8n's real ExecuteContext (getNodeParameter with expressions
 * resolved and description defaults applied, getCredentials, continueOnFail, getExecutionId) and its output
 * goes through the engine's pairedItem and error handling. Only what needs a running n8n instance is stubbed.
 */
import { createRequire } from 'node:module';

import { BinaryDataConfig, ErrorReporter, ExecutionLifecycleHooks, InstanceSettings, WorkflowExecute } from 'n8n-core';
import {
	createRunExecutionData,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	ICredentialsHelper,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IWorkflowExecuteAdditionalData,
	NodeConnectionTypes,
	UnexpectedError,
	Workflow,
} from 'n8n-workflow';

export interface ExecuteNodeOptions {
	nodeType: INodeType;
	/** The node's parameters as a workflow stores them; values may be expressions such as '={{ $json.email }}'. */
	parameters: INodeParameters;
	/** Decrypted credential data by credential type name, e.g. { ophirPostgresApi: { ... } }. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** The items the node receives; one empty item by default, as after a manual trigger. */
	input?: INodeExecutionData[];
	/** The node setting "On Error: Continue" (onError: 'continueRegularOutput'). */
	continueOnFail?: boolean;
	executionId?: string;
	/** The node version the workflow saved (typeVersion); the newest by default. */
	typeVersion?: number;
}

export interface NodeRun {
	/** The node's output as the engine recorded it; empty when the node failed. */
	output: INodeExecutionData[][];
	/** What the node's execute() threw, as thrown (the run data below only keeps a plain-object copy). */
	error?: Error;
	/** The whole execution, for assertions on what n8n records (status, runData, resultData.error). */
	run: IRun;
}

export const INPUT_NODE = 'Input';
export const NODE_UNDER_TEST = 'Node Under Test';

/** The workflow's start node: passes the test's items on, as a manual trigger would emit them. */
const inputNodeType: INodeType = {
	description: {
		displayName: 'Input',
		name: 'input',
		group: ['input'],
		version: 1,
		description: 'Passes the test input on',
		defaults: { name: INPUT_NODE },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	},
	async execute(this: IExecuteFunctions) {
		return [this.getInputData()];
	},
};

/** Hands the node the plain credential data the test passes in, where n8n would decrypt it from its database. */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly data: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	async getDecrypted(_additionalData: unknown, _nodeCredentials: unknown, type: string) {
		const data = this.data[type];
		if (!data) throw new UnexpectedError(`The test passed no credentials of type "${type}"`);
		return structuredClone(data);
	}

	getParentTypes() {
		return [];
	}

	isCredentialUsableByNode() {
		return true;
	}

	async authenticate(): Promise<IHttpRequestOptions> {
		throw new UnexpectedError('Request authentication is not available in tests');
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new UnexpectedError('Encrypted credentials are not available in tests');
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}

	getCredentialsProperties() {
		return [];
	}
}

// n8n-core has its own copy of @n8n/di (node_modules/n8n-core/node_modules), so `import '@n8n/di'` would give
// a different, unused container: take the one n8n-core resolves.
const { Container } = createRequire(require.resolve('n8n-core'))('@n8n/di') as typeof import('@n8n/di');

/**
 * The engine takes a few services from that container. The real ones would read or create ~/.n8n
 * (InstanceSettings writes an encryption key there, BinaryDataConfig derives a storage folder from it) and
 * report node errors to Sentry (ErrorReporter); the stubs hold just what an execution reads.
 */
function stubInstanceServices(): void {
	Container.set(InstanceSettings, {
		instanceId: 'test-instance',
		hmacSignatureSecret: 'test-hmac-secret',
	} as InstanceSettings);
	// 'default' keeps binary data in memory, with the items.
	Container.set(BinaryDataConfig, { mode: 'default' } as BinaryDataConfig);
	Container.set(ErrorReporter, { error() {}, warn() {}, info() {} } as unknown as ErrorReporter);
}

/**
 * Runs `nodeType` on `input` as n8n would; resolves with its output, rejects with the error its execute() threw.
 * It rejects even with continueOnFail, where n8n would pass the input items on unchanged: the node is expected
 * to honour continueOnFail itself, per item (runNode shows what n8n does instead).
 */
export async function executeNode(options: ExecuteNodeOptions): Promise<INodeExecutionData[][]> {
	const { output, error, run } = await runNode(options);
	if (error) throw error;
	if (run.data.resultData.error) throw run.data.resultData.error;
	return output;
}

/** Like executeNode, but never rejects: returns the output, the error thrown and the whole run. */
export async function runNode({
	nodeType,
	parameters,
	credentials = {},
	input = [{ json: {} }],
	continueOnFail = false,
	executionId = 'test-execution-id',
	typeVersion,
}: ExecuteNodeOptions): Promise<NodeRun> {
	stubInstanceServices();
	const { description } = nodeType;
	const typeName = `test.${description.name}`;

	// The engine keeps only a plain-object copy of a node's error; this wrapper keeps the error itself
	// (NodeOperationError and its fields) so tests can assert on it. The node type is otherwise untouched.
	let thrown: Error | undefined;
	const execute = nodeType.execute;
	if (!execute) throw new UnexpectedError(`Node type "${description.name}" has no execute()`);
	const nodeTypeUnderTest: INodeType = Object.create(nodeType, {
		execute: {
			value: async function (this: IExecuteFunctions) {
				try {
					return await execute.call(this);
				} catch (error) {
					thrown = error;
					// The engine must get exactly what the node threw.
					// eslint-disable-next-line @n8n/community-nodes/require-node-api-error
					throw error;
				}
			},
		},
	});
	const nodeTypes: INodeTypes = {
		getByName: (name) => (name === typeName ? nodeTypeUnderTest : inputNodeType),
		getByNameAndVersion: (name) => (name === typeName ? nodeTypeUnderTest : inputNodeType),
		getKnownTypes: () => ({}),
	};

	const inputNode: INode = {
		id: 'input',
		name: INPUT_NODE,
		type: 'test.input',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const node: INode = {
		id: 'node-under-test',
		name: NODE_UNDER_TEST,
		type: typeName,
		typeVersion:
			typeVersion ?? (Array.isArray(description.version) ? Math.max(...description.version) : description.version),
		position: [200, 0],
		parameters,
		// Every credential the node declares is "selected"; getDecrypted returns the test's data for it.
		credentials: Object.fromEntries(
			(description.credentials ?? []).map(({ name }) => [name, { id: `${name}-id`, name }]),
		),
		...(continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
	const nodes = [inputNode, node];
	const connections = {
		[INPUT_NODE]: { main: [[{ node: NODE_UNDER_TEST, type: NodeConnectionTypes.Main, index: 0 }]] },
	};
	// The Workflow constructor applies the parameter defaults from the node's description, as n8n does on load.
	const workflow = new Workflow({ id: 'test-workflow', name: 'Test', nodes, connections, active: false, nodeTypes });

	const hooks = new ExecutionLifecycleHooks('manual', executionId, {
		id: 'test-workflow',
		name: 'Test',
		nodes,
		connections,
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
	});
	// Only what a plain node execution reads; sub-workflows, task runners and the like are left out.
	const additionalData = {
		executionId,
		hooks,
		credentialsHelper: new TestCredentialsHelper(credentials),
		currentNodeExecutionIndex: 0,
		variables: {},
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678/',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		formBaseUrl: 'http://localhost:5678/form',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		formTestBaseUrl: 'http://localhost:5678/form-test',
		mcpBaseUrl: 'http://localhost:5678/mcp',
		mcpTestBaseUrl: 'http://localhost:5678/mcp-test',
	} as Partial<IWorkflowExecuteAdditionalData> as IWorkflowExecuteAdditionalData;

	// The execution starts at the Input node with the test's items, as a trigger's output would.
	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: inputNode, data: { main: [structuredClone(input)] }, source: null }],
		},
	});
	const run = await new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(workflow);
	const output = run.data.resultData.runData[NODE_UNDER_TEST]?.[0]?.data?.main ?? [];
	return { output: output as INodeExecutionData[][], error: thrown, run };
}
