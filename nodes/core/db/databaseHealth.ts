import type { Pool } from 'pg';

import type { DatabaseSettings, PoolLimits } from './connectionSettings';
import { type NumberInput, wholeNumber } from '../validation/numbers';
import { poolStats } from './pool';
import { queueStats } from '../sending/queueStats';
import { type SlowStatements, slowestStatements } from './slowStatements';
import { fmt, type IndexHealth, indexHealth, recordSnapshot, type TableHealth, tableHealth } from './tableStatistics';
import type { TenantRunner } from './tenantTransaction';

// Database Health: what an operator needs to see before users notice. Pool, table and index figures are
// database-wide (sizes and statistics, no tenant's rows) and are read as the credential's login user; queue lag is
// the credential's organization's own, read in a tenant transaction.

export interface HealthOptions {
	now?: Date;
	/** Remember this run's table sizes, so the next run reports growth since this one (default true). */
	recordSnapshot?: boolean;
	/** A due email older than this while a mailbox could still send it is a warning (default 60). */
	maxQueueLagMinutes?: NumberInput;
	/** How many of the slowest statements to list (default 10). */
	slowStatements?: NumberInput;
	/** Tables with at least this many rows get missing-index hints when mostly read by sequential scans (default 10,000). */
	bigTableRows?: NumberInput;
}

export interface DatabaseHealth {
	/** No warnings: route on this (an IF node) to alert. */
	healthy: boolean;
	warnings: string[];
	checkedAt: Date;
	pool: { total: number; idle: number; waiting: number; limits: PoolLimits; poolsInProcess: number };
	tables: TableHealth[];
	snapshot: { recorded: boolean; note?: string };
	indexes: IndexHealth;
	slowStatements: SlowStatements;
	queue: {
		byStatus: Record<string, number>;
		due: number;
		oldestDueAt: Date | null;
		oldestDueAgeSeconds: number | null;
		/** Emails in `sending` whose lease expired: their worker stopped before reporting. */
		stuckPastLease: number;
		accounts: Array<{
			id: string;
			email: string;
			eligible: boolean;
			capacityToday: number;
			sentToday: number;
			inFlight: number;
			remainingToday: number;
			queuedDue: number;
		}>;
	};
}

const DEAD_ROWS_WARNING = 1_000;
const DEAD_RATIO_WARNING = 0.2;

export async function databaseHealth(
	connection: { pool: Pool; settings: DatabaseSettings; tenant: TenantRunner },
	options: HealthOptions = {},
): Promise<DatabaseHealth> {
	const maxLagMinutes = wholeNumber(options.maxQueueLagMinutes ?? 60, 'Max Queue Lag (Minutes)', 1, 525_600);
	const slowLimit = wholeNumber(options.slowStatements ?? 10, 'Slow Statements', 0, 100);
	const bigTableRows = wholeNumber(options.bigTableRows ?? 10_000, 'Big Table Rows', 1, 2_000_000_000);
	const now = options.now ?? new Date();
	const { pool, settings } = connection;
	// Before this run takes a connection of its own.
	const own = poolStats(settings);
	const warnings: string[] = [];
	if (own.waiting > 0) {
		warnings.push(
			`${own.waiting} callers are waiting for a database connection (at most ${settings.pool.max} per credential): raise Max Connections on the credential, or run fewer OPhir nodes at once.`,
		);
	}

	const tables = await tableHealth(pool);
	const snapshot = await recordSnapshot(pool, tables, now, options.recordSnapshot ?? true);
	if (snapshot.note) warnings.push(snapshot.note);
	for (const t of tables) {
		if (t.deadRows >= DEAD_ROWS_WARNING && t.deadRows >= DEAD_RATIO_WARNING * (t.liveRows + t.deadRows)) {
			const share = Math.round((100 * t.deadRows) / (t.liveRows + t.deadRows));
			warnings.push(
				`${t.table} has ${fmt(t.deadRows)} dead rows (${share}% of it): run Maintenance with Vacuum on it.`,
			);
		}
	}

	const indexes = await indexHealth(pool, tables, bigTableRows);
	const slowStatements = await slowestStatements(pool, slowLimit);

	const queue = await queueHealth(connection.tenant, { now, maxQueueLagMinutes: maxLagMinutes });
	warnings.push(...queue.warnings);

	return {
		healthy: warnings.length === 0,
		warnings,
		checkedAt: now,
		pool: {
			total: own.total,
			idle: own.idle,
			waiting: own.waiting,
			limits: { ...settings.pool },
			poolsInProcess: poolStats().pools,
		},
		tables,
		snapshot: { recorded: snapshot.recorded, ...(snapshot.note ? { note: snapshot.note } : {}) },
		indexes,
		slowStatements,
		queue: queue.queue,
	};
}

/**
 * One organization's queue as Get Health reports it, read in its tenant transaction, and the warnings it calls for:
 * emails stuck past their lease, and due emails waiting longer than the allowed lag while a mailbox could send them.
 */
export async function queueHealth(
	tenant: TenantRunner,
	options: { now?: Date; maxQueueLagMinutes?: NumberInput } = {},
): Promise<{ queue: DatabaseHealth['queue']; warnings: string[] }> {
	const maxLagMinutes = wholeNumber(options.maxQueueLagMinutes ?? 60, 'Max Queue Lag (Minutes)', 1, 525_600);
	const now = options.now ?? new Date();
	const stats = await tenant((tx) => queueStats(tx, { now }));
	const warnings: string[] = [];
	const oldestDueAgeSeconds = stats.oldestDueAt
		? Math.max(0, Math.floor((now.getTime() - stats.oldestDueAt.getTime()) / 1000))
		: null;
	if (stats.expiredLeases > 0) {
		warnings.push(
			`${stats.expiredLeases} emails are stuck in sending past their lease (a worker stopped before reporting back): the next claim puts them back in the queue; if this repeats, check the sender workflow's failed executions.`,
		);
	}
	// Emails wait legitimately while their mailboxes have used up today's capacity; lag is a problem only when a
	// mailbox that may send still has due emails.
	const couldSend = stats.accounts.some((a) => a.eligible && a.queuedDue > 0 && a.remainingToday > 0);
	if (oldestDueAgeSeconds !== null && oldestDueAgeSeconds > maxLagMinutes * 60 && couldSend) {
		warnings.push(
			`The oldest due email has waited ${Math.floor(oldestDueAgeSeconds / 60)} minutes (more than ${maxLagMinutes}) although a mailbox has capacity left today: is the sender workflow active and succeeding?`,
		);
	}
	return {
		warnings,
		queue: {
			byStatus: stats.byStatus,
			due: stats.due,
			oldestDueAt: stats.oldestDueAt,
			oldestDueAgeSeconds,
			stuckPastLease: stats.expiredLeases,
			accounts: stats.accounts.map(
				({ id, email, eligible, capacityToday, sentToday, inFlight, remainingToday, queuedDue }) => ({
					id,
					email,
					eligible,
					capacityToday,
					sentToday,
					inFlight,
					remainingToday,
					queuedDue,
				}),
			),
		},
	};
}
