import type { INodeProperties } from 'n8n-workflow';

import { type ExecutionPhase, logExecution } from '../../core/db';
import type { OperationExecute } from '../../shared/runPerItem';

export const description: INodeProperties[] = [
	{
		displayName: 'Phase',
		name: 'phase',
		type: 'options',
		options: [
			{ name: 'Start', value: 'start', description: 'The run started' },
			{ name: 'Finish', value: 'finish', description: 'The run finished' },
			{ name: 'Error', value: 'error', description: 'The run failed (use in an Error Trigger workflow)' },
		],
		default: 'finish',
	},
	{
		displayName: 'Execution ID',
		name: 'executionId',
		type: 'string',
		default: '={{ $execution.id }}',
		description: 'In an error workflow: {{ $JSON.execution.ID }}',
	},
	{ displayName: 'Workflow Name', name: 'workflowName', type: 'string', default: '={{ $workflow.name }}' },
	{
		displayName: 'Trigger Source',
		name: 'triggerSource',
		type: 'string',
		default: '',
		placeholder: 'schedule',
		description: 'What started the run (schedule, webhook, manual…)',
	},
	{
		displayName: 'Metrics (JSON)',
		name: 'metrics',
		type: 'json',
		default: '={{ JSON.stringify($json) }}',
		description: 'Numbers about the run, e.g. the counts the previous node output',
		displayOptions: { show: { phase: ['finish'] } },
	},
	{
		displayName: 'Error (JSON)',
		name: 'error',
		type: 'json',
		default: '={{ JSON.stringify($json.execution.error) }}',
		displayOptions: { show: { phase: ['error'] } },
	},
];

export const execute: OperationExecute = async function ({ params, tenant }) {
	const phase = params.raw<ExecutionPhase>('phase', 'finish');
	return tenant((tx) =>
		logExecution(tx, {
			phase,
			executionId: params.string('executionId', 'Execution ID'),
			workflowName: params.optionalString('workflowName'),
			triggerSource: params.optionalString('triggerSource'),
			metrics: phase === 'finish' ? params.json('metrics', 'Metrics (JSON)') : undefined,
			error: phase === 'error' ? params.json('error', 'Error (JSON)') : undefined,
		}),
	);
};
