import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Docker Compose recipe (docker-compose.yml, docker/): checked statically everywhere, and by `docker compose
 * config` where a Docker CLI with Compose is installed. Nothing here builds images or starts containers: the recipe
 * is not run end to end in CI.
 */
const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const compose = read('docker-compose.yml');
const dockerfile = read('docker/n8n/Dockerfile');
const SECRETS = { POSTGRES_PASSWORD: 'compose-test-password', N8N_ENCRYPTION_KEY: 'compose-test-encryption-key' };

/** `docker compose` (the plugin) or the older `docker-compose`, whichever answers; undefined when neither does. */
function findCompose(): string[] | undefined {
	for (const command of [['docker', 'compose'], ['docker-compose']]) {
		const probe = spawnSync(command[0], [...command.slice(1), 'version'], { encoding: 'utf8' });
		if (probe.status === 0) return command;
	}
	return undefined;
}

function runCompose(command: string[], args: string[], env: Record<string, string | undefined>) {
	const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
	for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
	return spawnSync(command[0], [...command.slice(1), '-f', join(ROOT, 'docker-compose.yml'), ...args], {
		cwd: ROOT,
		encoding: 'utf8',
		env: childEnv,
	});
}

describe('Docker Compose recipe', () => {
	it('pins the official n8n image to the version the tests run, and PostgreSQL 15 as the specification does', () => {
		// The n8n-core the node tests execute with is the same release as the n8n image.
		const pinned = JSON.parse(read('package.json')).devDependencies['n8n-core'];
		expect(pinned).toBe('2.41.1');
		expect(dockerfile).toMatch(new RegExp(`^FROM n8nio/n8n:${pinned!.replace(/\./g, '\\.')}$`, 'm'));
		expect(compose).toMatch(/^\s+image: postgres:15$/m);
		expect(compose).not.toMatch(/:latest\b/);
	});

	it('installs this package as n8n installs a community node package, and applies the schema with ophir-migrate', () => {
		const pkg = JSON.parse(read('package.json'));
		expect(pkg.bin['ophir-migrate']).toBe('dist/database/migrate.js');
		expect(dockerfile).toContain('npm pack');
		expect(dockerfile).toContain('npm install /tmp/n8n-nodes-ophir.tgz --omit=dev --ignore-scripts');
		expect(read('docker/n8n/ophir-entrypoint.sh')).toContain('.n8n/nodes');
		expect(compose).toMatch(/entrypoint: \["ophir-migrate"\]/);
		expect(compose).toMatch(/ophir-migrate:\n\s+condition: service_completed_successfully/);
	});

	it('refers only to files that exist, with its scripts executable', () => {
		for (const path of [
			'docker/n8n/Dockerfile',
			'docker/n8n/ophir-entrypoint.sh',
			'docker/postgres/init-databases.sh',
			'docker/.env.example',
		]) {
			expect(existsSync(join(ROOT, path))).toBe(true);
		}
		for (const script of ['docker/n8n/ophir-entrypoint.sh', 'docker/postgres/init-databases.sh']) {
			expect(() => accessSync(join(ROOT, script), constants.X_OK)).not.toThrow();
		}
		const mounted = [...compose.matchAll(/- \.\/([\w./-]+):/g)].map((m) => m[1]);
		expect(mounted).toEqual(['docker/postgres/init-databases.sh']);
	});

	const command = findCompose();
	const withCompose = command ? it : it.skip;
	const skipped = command
		? ''
		: ' (skipped: no Docker CLI with Compose found on PATH; install Docker to run this check)';

	withCompose(`is a valid Compose file by \`docker compose config\`${skipped}`, () => {
		const result = runCompose(command!, ['config', '-q'], SECRETS);
		expect(result.stderr).toBe('');
		expect(result.status).toBe(0);
	});

	withCompose(`refuses to start without the passwords and keys it needs${skipped}`, () => {
		const result = runCompose(command!, ['config', '-q'], { POSTGRES_PASSWORD: undefined, N8N_ENCRYPTION_KEY: 'set' });
		expect(result.status).not.toBe(0);
		expect(result.stderr).toContain('set POSTGRES_PASSWORD in .env');
	});
});
