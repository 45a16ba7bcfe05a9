import { ConflictError, InvalidInputError } from '../validation/errors';
import type { TenantTx } from './tenantTransaction';

// execution_id is unique across the whole table (the specification), so a row holds `<organization id>:<execution
// id>`: the same id in two organizations never collides, so none can block another's log or learn which ids it
// has. Outputs and readers show the part after the prefix.
const ORGANIZATION_PREFIX_LENGTH = 37; // a UUID and ':'
const MAX_EXECUTION_ID_LENGTH = 255 - ORGANIZATION_PREFIX_LENGTH; // execution_id is VARCHAR(255)

export type ExecutionPhase = 'start' | 'finish' | 'error';

export interface ExecutionLogInput {
	executionId: string;
	phase: ExecutionPhase;
	workflowName?: string;
	triggerSource?: string;
	/** For finish: success (default) or cancelled. */
	status?: 'success' | 'cancelled';
	metrics?: Record<string, unknown>;
	error?: Record<string, unknown>;
	/** When the execution started (for a row written only at its end), and when this phase happened. */
	startedAt?: Date;
	at?: Date;
}

export interface ExecutionLogRow {
	executionId: string;
	workflowName: string | null;
	triggerSource: string | null;
	status: string;
	startedAt: Date | null;
	completedAt: Date | null;
	durationMs: number | null;
	metrics: Record<string, unknown>;
	errorData: Record<string, unknown> | null;
}

/** An n8n_executions row as Log Execution returns it. */
interface ExecutionRow {
	workflow_name: string | null;
	trigger_source: string | null;
	status: string;
	started_at: Date | null;
	completed_at: Date | null;
	metrics: Record<string, unknown> | null;
	error_data: Record<string, unknown> | null;
}

/**
 * Log Execution: one n8n_executions row per n8n execution, upserted by its execution id as the run starts,
 * finishes or fails, with timings, metrics (merged across calls) and error data.
 */
export async function logExecution(tx: TenantTx, input: ExecutionLogInput): Promise<ExecutionLogRow> {
	const executionId = typeof input.executionId === 'string' ? input.executionId.trim() : '';
	if (!executionId || executionId.length > MAX_EXECUTION_ID_LENGTH) {
		throw new InvalidInputError(
			'Execution ID',
			`a text of 1 to ${MAX_EXECUTION_ID_LENGTH} characters`,
			input.executionId,
		);
	}
	if (!['start', 'finish', 'error'].includes(input.phase))
		throw new InvalidInputError('Phase', 'start, finish or error', input.phase);
	const status = input.phase === 'start' ? 'running' : input.phase === 'error' ? 'error' : (input.status ?? 'success');
	const { rows } = await tx
		.query<ExecutionRow>(
			`INSERT INTO n8n_executions AS e (organization_id, execution_id, workflow_name, trigger_source, status, started_at, completed_at, metrics, error_data)
			 VALUES ($1, $2, $3, $4, $5::text, COALESCE($6::timestamp, $7::timestamp),
			         CASE WHEN $5::text = 'running' THEN NULL ELSE $7::timestamp END, COALESCE($8::jsonb, '{}'), $9::jsonb)
			 ON CONFLICT (execution_id) DO UPDATE SET
			   workflow_name = COALESCE(EXCLUDED.workflow_name, e.workflow_name),
			   trigger_source = COALESCE(EXCLUDED.trigger_source, e.trigger_source),
			   -- A late "start" never turns a finished run back into a running one.
			   status = CASE WHEN EXCLUDED.status = 'running' AND e.status <> 'running' THEN e.status ELSE EXCLUDED.status END,
			   started_at = LEAST(e.started_at, EXCLUDED.started_at),
			   completed_at = COALESCE(EXCLUDED.completed_at, e.completed_at),
			   metrics = COALESCE(e.metrics, '{}') || EXCLUDED.metrics,
			   error_data = COALESCE(EXCLUDED.error_data, e.error_data)
			 RETURNING workflow_name, trigger_source, status, started_at, completed_at, metrics, error_data`,
			[
				tx.organizationId,
				`${tx.organizationId}:${executionId}`,
				input.workflowName?.trim().slice(0, 255) || null,
				input.triggerSource?.trim().slice(0, 50) || null,
				status,
				input.startedAt ?? null,
				input.at ?? new Date(),
				input.metrics ? JSON.stringify(input.metrics) : null,
				input.error ? JSON.stringify(input.error) : null,
			],
		)
		.catch((error: { code?: string }) => {
			// Only a row written around Log Execution (by hand, without the prefix) can still collide: say no more than that.
			if (error.code === '42501' || error.code === '23505') {
				throw new ConflictError(
					`Execution ID ${JSON.stringify(executionId)} cannot be used; log this execution under another ID`,
				);
			}
			throw error;
		});
	const row = rows[0];
	return {
		executionId,
		workflowName: row.workflow_name,
		triggerSource: row.trigger_source,
		status: row.status,
		startedAt: row.started_at,
		completedAt: row.completed_at,
		durationMs: row.started_at && row.completed_at ? row.completed_at.getTime() - row.started_at.getTime() : null,
		metrics: row.metrics ?? {},
		errorData: row.error_data,
	};
}
