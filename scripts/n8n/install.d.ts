export interface N8nInstall {
	dir: string;
	nodeBinary: string;
	n8nBin: string;
	version: string;
}
export const N8N_VERSION: string;
export function cacheDir(): string;
export function layout(dir?: string): N8nInstall;
export function ensureN8nInstalled(options?: { dir?: string; log?: (line: string) => void }): Promise<N8nInstall>;
