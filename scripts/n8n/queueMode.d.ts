export class RedisUnavailableError extends Error {}
export interface RedisServer {
	host: string;
	port: number;
	/** Whether this call started a private redis-server (stopped by stop()). */
	started: boolean;
	stop(): Promise<void>;
}
export function pingRedis(host: string, port: number, timeoutMs?: number): Promise<boolean>;
export function ensureRedis(options?: { host?: string; port?: number; log?: (line: string) => void }): Promise<RedisServer>;

export interface N8nProcess {
	name: string;
	kind: 'main' | 'worker' | 'webhook';
	/** The HTTP address of a main or webhook process. */
	url?: string;
	logFile: string;
	logs(): string;
	exited(): { code: number | null; signal: string | null } | undefined;
	whenExited: Promise<{ code: number | null; signal: string | null }>;
	/** The pid of the n8n process itself (not its supervisor), while it runs. */
	pid(): number | undefined;
	stop(): Promise<void>;
	kill(signal?: NodeJS.Signals): Promise<void>;
	restart(): Promise<void>;
}
export interface QueueModeOptions {
	workers?: number;
	webhooks?: number;
	concurrency?: number;
	adminUrl?: string;
	n8nDatabase?: string;
	redis?: { host: string; port: number; stop?: () => Promise<void> };
	encryptionKey?: string;
	env?: Record<string, string>;
	mainOnlyEditor?: boolean;
	log?: (line: string) => void;
	timeoutMs?: number;
}
export interface QueueModeCluster {
	url: string;
	webhookUrl: string;
	main: N8nProcess;
	workers: N8nProcess[];
	webhooks: N8nProcess[];
	processes: N8nProcess[];
	redis: { host: string; port: number };
	prefix: string;
	encryptionKey: string;
	adminUrl: string;
	n8nDatabase: string;
	root: string;
	/** Execution id → the worker that ran it, from the workers' logs. */
	executionWorkers(): Map<string, string>;
	stop(): Promise<void>;
}
export function launchQueueMode(options?: QueueModeOptions): Promise<QueueModeCluster>;
