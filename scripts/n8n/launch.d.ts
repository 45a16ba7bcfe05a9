export interface LaunchOptions {
	userFolder?: string;
	adminUrl?: string;
	n8nDatabase?: string;
	port?: number;
	env?: Record<string, string>;
	installPackage?: boolean;
	log?: (line: string) => void;
	timeoutMs?: number;
}
export interface N8nInstance {
	url: string;
	port: number;
	userFolder: string;
	logFile: string;
	adminUrl: string;
	logs(): string;
	exited(): { code: number | null; signal: string | null } | undefined;
	whenExited: Promise<{ code: number | null; signal: string | null }>;
	stop(): Promise<void>;
}
export function launchN8n(options?: LaunchOptions): Promise<N8nInstance>;
export function installCommunityPackage(userFolder: string, packageDir?: string): void;
export function ensureDatabase(adminUrl: string, database: string): Promise<void>;
export function freePort(): Promise<number>;
/** n8n's DB_* environment variables for a PostgreSQL URL. */
export function databaseEnv(url: string): Record<string, string>;
