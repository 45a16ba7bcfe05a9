/**
 * What `npm publish` would ship (`npm pack --dry-run`): README, LICENSE, package.json and dist/ with exactly the
 * compiled nodes, credential and migration CLI, the icons, the codex files, the SQL and the bundled workflows —
 * no tests, benchmarks, scripts, docs or sources. The build is made first when missing or older than the sources
 * (the lock the end-to-end tests use keeps parallel files from building at once).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureFreshBuild } from '../e2e/build';

const ROOT = join(__dirname, '..', '..');

interface Manifest {
	license: string;
	main?: string;
	files: string[];
	bin: Record<string, string>;
	n8n: { nodes: string[]; credentials: string[] };
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;

/** Files under a source folder (relative to the root) whose name matches. */
function sources(folder: string, pattern: RegExp): string[] {
	const found: string[] = [];
	const walk = (dir: string) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const path = join(dir, entry.name);
			if (entry.isDirectory()) walk(path);
			else if (pattern.test(entry.name)) found.push(relative(ROOT, path));
		}
	};
	walk(join(ROOT, folder));
	return found;
}

let shipped: string[];

beforeAll(async () => {
	await ensureFreshBuild();
	const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
	if (pack.status !== 0) throw new Error(`npm pack --dry-run failed:\n${pack.stderr}`);
	const [{ files }] = JSON.parse(pack.stdout) as [{ files: { path: string }[] }];
	shipped = files.map((file) => file.path).sort();
}, 300_000);

describe('the published package', () => {
	it('ships README, LICENSE and package.json beside dist/, nothing else at the top', () => {
		expect(manifest.files).toEqual(['dist']);
		expect(shipped.filter((path) => !path.startsWith('dist/'))).toEqual(['LICENSE', 'README.md', 'package.json']);
		expect(manifest.license).toBe('MIT');
		expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(
			/^MIT License\n\nCopyright \(c\) 2026 OPhir contributors\n/,
		);
	});

	it('ships what package.json names: the four nodes, the credential, the migration CLI', () => {
		expect(manifest.n8n.nodes).toHaveLength(4);
		expect(manifest.n8n.credentials).toHaveLength(1);
		for (const path of [...manifest.n8n.nodes, ...manifest.n8n.credentials, ...Object.values(manifest.bin)]) {
			expect(shipped).toContain(path);
		}
		// No `main`: n8n loads the files under `n8n`. A `main` would have to ship.
		if (manifest.main !== undefined) expect(shipped).toContain(manifest.main);
	});

	it('compiles exactly the product sources: nodes, credentials and the migration CLI, no tests', () => {
		const compiled = [
			...sources('nodes', /(?<!\.d)\.ts$/),
			...sources('credentials', /(?<!\.d)\.ts$/),
			...sources('database', /(?<!\.d)\.ts$/),
		].map((path) => `dist/${path.replace(/\.ts$/, '.js')}`);
		expect(shipped.filter((path) => path.endsWith('.js'))).toEqual(compiled.sort());
		// Declarations and source maps only beside a compiled file (tsc emits both for each).
		const beside = shipped.filter((path) => /\.(d\.ts|js\.map)$/.test(path));
		expect(
			beside.map((path) => path.replace(/\.(d\.ts|js\.map)$/, '.js')).filter((js) => !shipped.includes(js)),
		).toEqual([]);
	});

	it('ships the icons, the codex files, the SQL and the bundled workflows as they are in the repository', () => {
		const assets = shipped.filter((path) => !/\.(js|d\.ts|js\.map)$/.test(path) && path.startsWith('dist/'));
		const expected = [
			...sources('icons', /\.svg$/),
			...sources('nodes', /\.node\.json$/),
			...sources('database', /\.sql$/),
			...sources('workflows', /\.json$/),
		].map((path) => `dist/${path}`);
		expect(assets).toEqual(expected.sort());
		expect(expected.filter((path) => path.endsWith('.node.json'))).toHaveLength(4);
		expect(expected.filter((path) => path.includes('/migrations/')).length).toBeGreaterThan(0);
		expect(expected.filter((path) => path.startsWith('dist/workflows/'))).toHaveLength(6);
	});

	it('ships no tests, benchmarks, scripts, docs or TypeScript sources', () => {
		expect(shipped.filter((path) => /(^|\/)(test|bench|scripts|docs|docker)\//.test(path))).toEqual([]);
		expect(shipped.filter((path) => /\.test\.|\.md$/.test(path) && path !== 'README.md')).toEqual([]);
		expect(shipped.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
	});
});
