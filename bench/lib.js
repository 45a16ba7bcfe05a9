// Shared by the benchmark scenarios: a fresh migrated database per scenario on the run's PostgreSQL server, the
// compiled domain core (dist/, built by `npm run bench`), seeding helpers and statistics.
const { fork } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const path = require('node:path');

const { Client } = require('pg');

/** @type {(module: string) => any} the compiled domain core (plain JavaScript, loaded at run time) */
const dist = (module) => require(`../dist/nodes/core/${module}`);

/** What bench/scenario.js gives a scenario. @typedef {{ quick: boolean, log: (line: string) => void }} ScenarioOptions */

function adminUrl() {
	const url = process.env.OPHIR_BENCH_ADMIN_URL;
	if (!url) throw new Error('OPHIR_BENCH_ADMIN_URL is not set: run benchmarks through bench/run.js');
	return url;
}

/** @param {string} sql */
async function admin(sql) {
	const client = new Client({ connectionString: adminUrl() });
	await client.connect();
	try {
		return await client.query(sql);
	} finally {
		await client.end();
	}
}

/** A new database with the OPhir schema; `pool` is the process-wide pool the nodes would use. */
async function createDatabase({ poolMax = 10 } = {}) {
	const name = `ophir_bench_${randomBytes(5).toString('hex')}`;
	await admin(`CREATE DATABASE ${name}`);
	const url = new URL(adminUrl());
	url.pathname = `/${name}`;
	const settings = dist('db').databaseSettingsFromEnv({ DATABASE_URL: url.toString(), DB_POOL_MAX: String(poolMax) });
	const pool = dist('db').getPool(settings);
	await dist('db').applyMigrations(pool);
	return {
		name,
		url: url.toString(),
		settings,
		pool,
		async drop() {
			await dist('db').closeAllPools();
			await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
		},
	};
}

/** @typedef {Awaited<ReturnType<typeof createDatabase>>} BenchDatabase */

/**
 * A new organization and the tenant runner the nodes use for it.
 * @param {BenchDatabase} db
 * @returns {Promise<{ id: string, as: <T>(work: (tx: any) => Promise<T>) => Promise<T> }>}
 */
async function newTenant(db) {
	const id = randomUUID();
	await db.pool.query('INSERT INTO organizations (id, name) VALUES ($1, $2)', [id, `bench-${id.slice(0, 8)}`]);
	const { withTenant } = dist('db');
	return { id, as: (work) => withTenant(db.pool, id, work) };
}

const KEY = 'bench-encryption-key-0123456789abcdef';
const TRACKING = {
	baseUrl: 'https://track.example.com/webhook/ophir-tracking',
	secret: 'bench-tracking-secret-0123456789abcdef',
};
const ALWAYS = { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startHour: 0, endHour: 24 };

/** @typedef {Awaited<ReturnType<typeof newTenant>>} BenchTenant */

/**
 * `count` warmed mailboxes of `dailyLimit` each, on SMTP host:port.
 * @param {BenchTenant} tenant
 * @param {number} count
 */
async function mailboxes(tenant, count, { dailyLimit = 100_000, host = '127.0.0.1', port = 2525 } = {}) {
	const box = new (dist('db').SecretBox)(KEY);
	const { createEmailAccount } = dist('outreach');
	/** @type {string[]} */
	const ids = [];
	for (let i = 0; i < count; i++) {
		const account = await tenant.as((tx) =>
			createEmailAccount(tx, box, {
				email: `sender${i}@bench.example`,
				smtp: { host, port, security: 'none' },
				password: 'bench-password',
				dailyLimit,
				warmupStatus: 'warmed',
			}),
		);
		ids.push(account.id);
	}
	return { ids, box };
}

/**
 * An active one-step campaign over the mailboxes, sending at any time, without gaps.
 * @param {BenchTenant} tenant
 * @param {string[]} accountIds
 * @param {Record<string, unknown>} [config]
 */
async function activeCampaign(tenant, accountIds, config = {}) {
	const { createCampaign, transitionCampaign } = dist('outreach');
	return tenant.as(async (tx) => {
		const campaign = await createCampaign(tx, {
			name: 'Bench',
			config: {
				sequence: [
					{
						subject: 'Hi {{firstName}}',
						body: '<p>Hello {{fallback firstName "there"}}, see <a href="https://example.com/">this</a>.</p>',
					},
				],
				sendingWindow: ALWAYS,
				accountIds,
				postalAddress: '1 Main Street, Springfield',
				minGapSeconds: 0,
				jitterSeconds: 0,
				...config,
			},
		});
		return transitionCampaign(tx, campaign.id, 'activate');
	});
}

/**
 * Leads inserted set-based with generate_series (seeding is not what is measured).
 * @param {BenchDatabase} db
 * @param {BenchTenant} tenant
 * @param {string} campaignId
 * @param {number} count
 */
async function seedLeads(db, tenant, campaignId, count) {
	await db.pool.query(
		`INSERT INTO leads (organization_id, campaign_id, email, first_name, created_at)
		 SELECT $1, $2, 'lead' || g || '@example' || (g % 997) || '.com', 'Lead' || g, now() - interval '1 minute'
		 FROM generate_series(1, $3) g`,
		[tenant.id, campaignId, count],
	);
}

/**
 * The SMTP sink (smtpSinkProcess.js) in a process of its own; resolves once it listens.
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, port: number }>}
 */
function startSmtpSink() {
	const child = fork(path.join(__dirname, 'smtpSinkProcess.js'), { stdio: 'ignore' });
	return new Promise((resolve) =>
		child.once('message', (message) => resolve({ child, port: /** @type {{ port: number }} */ (message).port })),
	);
}

/** @param {number[]} values */
function summary(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const median = sorted[Math.floor(sorted.length / 2)];
	return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

const round = (/** @type {number} */ value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const ms = (/** @type {bigint} */ start) => Number(process.hrtime.bigint() - start) / 1e6;
const now = () => process.hrtime.bigint();

module.exports = {
	startSmtpSink,
	dist,
	admin,
	adminUrl,
	createDatabase,
	newTenant,
	mailboxes,
	activeCampaign,
	seedLeads,
	summary,
	round,
	ms,
	now,
	KEY,
	TRACKING,
	ALWAYS,
};
