import { createHash } from 'node:crypto';
import { Pool } from 'pg';

import { type DatabaseSettings, toPoolConfig } from './connectionSettings';

/** A credential's pool, when it was last handed out, and the last error of one of its idle clients. */
interface PoolEntry {
	pool: Pool;
	lastUsedAt: number;
	lastError?: Error;
}

const pools = new Map<string, PoolEntry>();
/** The pools whose settings allow prepared statements (DatabaseSettings.preparedStatements); others' never do. */
const preparing = new WeakSet<Pool>();
let sweeper: NodeJS.Timeout | undefined;

/** How long a pool with no checked-out client may sit unused before it is closed. */
export const POOL_IDLE_CLOSE_MS = Number(process.env.OPHIR_POOL_IDLE_CLOSE_MS) || 5 * 60_000;

function keyOf(settings: DatabaseSettings): string {
	// Hashed so the registry's keys never hold a password in clear.
	return createHash('sha256').update(JSON.stringify(settings)).digest('hex');
}

/**
 * One pg Pool per distinct credential per process. n8n runs every execution in the same process, so reusing
 * the pool across executions saves a connection handshake (and TLS) per run; pools nobody has used for a while
 * are closed so a credential that is no longer used holds no connections.
 */
/** The pooled connections of one credential: what withTenant opens its transactions on. */
export type DatabasePool = Pool;

export function getPool(settings: DatabaseSettings): Pool {
	const key = keyOf(settings);
	let entry = pools.get(key);
	// A pool ended by its owner (a test, a shutdown hook) is replaced, never handed out.
	if (!entry || entry.pool.ended) {
		const pool = new Pool(toPoolConfig(settings));
		if (settings.preparedStatements !== false) preparing.add(pool);
		const created: PoolEntry = { pool, lastUsedAt: Date.now() };
		// An idle client whose server went away emits 'error' on the pool; without a listener Node would crash
		// the whole n8n process. pg already discards that client; keep the error for health reports.
		const noteError = (error: Error) => {
			created.lastError = error;
		};
		pool.on('error', noteError);
		// pg-pool listens to a client only while it is idle: one killed while checked out (between two queries of a
		// transaction) would emit an uncaught 'error'. Listen for its whole life; the failed query still rejects, and
		// a client that lost its connection is discarded on release.
		pool.on('connect', (client) => client.on('error', noteError));
		entry = created;
		pools.set(key, entry);
		startSweeper();
	}
	entry.lastUsedAt = Date.now();
	return entry.pool;
}

/** Whether statements on this pool's connections are prepared once per connection (pools made by getPool only). */
export function preparesStatements(pool: Pool): boolean {
	return preparing.has(pool);
}

export interface PoolStats {
	pools: number;
	total: number;
	idle: number;
	waiting: number;
}

export function poolStats(settings?: DatabaseSettings): PoolStats {
	const entries = settings ? [pools.get(keyOf(settings))].filter((e): e is PoolEntry => !!e) : [...pools.values()];
	return entries.reduce<PoolStats>(
		(stats, { pool }) => ({
			pools: stats.pools + 1,
			total: stats.total + pool.totalCount,
			idle: stats.idle + pool.idleCount,
			waiting: stats.waiting + pool.waitingCount,
		}),
		{ pools: 0, total: 0, idle: 0, waiting: 0 },
	);
}

/** Closes pools unused for POOL_IDLE_CLOSE_MS (or idleForMs) that have no client checked out. */
export async function closeIdlePools(idleForMs = POOL_IDLE_CLOSE_MS, now = Date.now()): Promise<number> {
	const closing: Array<Promise<void>> = [];
	for (const [key, { pool, lastUsedAt }] of pools) {
		const busy = pool.totalCount > pool.idleCount || pool.waitingCount > 0;
		if (pool.ended || (!busy && now - lastUsedAt >= idleForMs)) {
			pools.delete(key);
			if (!pool.ended) closing.push(pool.end());
		}
	}
	await Promise.all(closing);
	if (pools.size === 0) stopSweeper();
	return closing.length;
}

export async function closeAllPools(): Promise<void> {
	const all = [...pools.values()].filter(({ pool }) => !pool.ended).map(({ pool }) => pool.end());
	pools.clear();
	stopSweeper();
	await Promise.all(all);
}

function startSweeper(): void {
	if (sweeper) return;
	sweeper = setInterval(() => void closeIdlePools(), Math.min(POOL_IDLE_CLOSE_MS, 60_000));
	// The sweeper alone must never keep a process alive.
	sweeper.unref();
}

function stopSweeper(): void {
	if (sweeper) clearInterval(sweeper);
	sweeper = undefined;
}
