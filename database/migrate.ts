#!/usr/bin/env node
/**
 * `ophir-migrate` (or `npm run migrate` in a checkout): applies OPhir's migrations to the database named by
 * DATABASE_URL or DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD, the same way n8n workers do at their first run.
 */
import { applyMigrations, closeAllPools, databaseSettingsFromEnv, describeTarget, getPool } from '../nodes/core/db';

async function main(): Promise<number> {
	const settings = databaseSettingsFromEnv();
	if (!settings) {
		process.stderr.write('Set DATABASE_URL (or DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD) first.\n');
		return 2;
	}
	try {
		const { applied, current } = await applyMigrations(getPool(settings));
		const what = applied.length ? `applied ${applied.join(', ')}` : 'already up to date';
		process.stdout.write(`OPhir schema at ${describeTarget(settings)}: ${what} (version ${current}).\n`);
		return 0;
	} catch (error) {
		process.stderr.write(`OPhir migrations failed on ${describeTarget(settings)}: ${(error as Error).message}\n`);
		return 1;
	} finally {
		await closeAllPools();
	}
}

void main().then((code) => {
	process.exitCode = code;
});
