// npm run bench [-- --quick] [-- --only=leadImport,statsQuery]
// Each scenario runs in its own process (so that its peak memory is its own) against a PostgreSQL server started
// for the run (embedded, or BENCH_DATABASE_URL / TEST_DATABASE_URL), then everything is written to
// bench/results/latest.json and a Markdown table to bench/results/latest.md.
const { fork } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { Client } = require('pg');

const { startEmbeddedPostgres } = require('../scripts/embeddedPostgres');

const SCENARIOS = [
	'leadImport',
	'schedule',
	'queueVsGraphile',
	'smtpSend',
	'statsQuery',
	'trackVsWebhook',
	'senderScaleOut',
	'platformOrgs',
];
/** @type {Record<string, { goal: string, met: (result: any) => boolean }>} */
const GOALS = {
	lead_import_rows_per_s: { goal: '≥ 50,000 rows/s at 100k', met: (r) => (r['100k'] ?? r['10k']).median >= 50_000 },
	schedule_ms_100k: { goal: '< 3,000 ms', met: (r) => r.median < 3000 },
	queue_vs_graphile_worker_ratio: { goal: '≥ 1.0', met: (r) => r.median >= 1 },
	smtp_send_msgs_per_s: { goal: '≥ 500 msg/s', met: (r) => r.median >= 500 },
	stats_query_ms_1m: { goal: '< 20 ms at 1M', met: (r) => (r['1m'] ?? r['100k']).perCampaignMs < 20 },
	track_vs_bare_webhook_ratio: { goal: '≥ 1.2', met: (r) => r.median >= 1.2 },
	platform_100_orgs_vs_1_org_ratio: { goal: '≥ 0.8', met: (r) => r.median >= 0.8 },
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
	.find((a) => a.startsWith('--only='))
	?.slice(7)
	.split(',');
const selected = SCENARIOS.filter((s) => !only || only.includes(s));

/**
 * What a scenario process reports (bench/scenario.js): log lines while it runs, then its result or its error.
 * @typedef {{ log?: string, error?: string, result?: any, peakRssMb?: number }} ScenarioReport
 */

/**
 * @param {string} name
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<ScenarioReport>}
 */
function runScenario(name, env) {
	return new Promise((resolve) => {
		const child = fork(path.join(__dirname, 'scenario.js'), [name, ...(quick ? ['--quick'] : [])], {
			env,
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		/** @type {ScenarioReport} */
		let outcome = { error: 'the scenario process exited without a result' };
		child.on('message', (message) => {
			const report = /** @type {ScenarioReport} */ (message);
			if (report.log) console.log(report.log);
			else outcome = report;
		});
		child.on('exit', () => resolve(outcome));
	});
}

/**
 * @typedef {object} BenchResults
 * @property {string} date
 * @property {boolean} quick
 * @property {{ cpu: string, cores: number, memoryGb: number, node: string, postgres: string, platform: string }} machine
 * @property {Record<string, ScenarioReport & { seconds?: number }>} scenarios
 * @property {number} [durationSeconds]
 * @property {{ scenarios: string[], seconds?: number }} [updated]
 */

/** @param {BenchResults} results */
function table(results) {
	const rows = [['Benchmark', 'Result', 'Spread (min–max, runs)', 'Goal', 'Met', 'Peak RSS']];
	for (const [scenario, entry] of Object.entries(results.scenarios)) {
		if (entry.error) {
			rows.push([scenario, 'error', entry.error.split('\n')[0].slice(0, 80), '', '', '']);
			continue;
		}
		for (const [key, value] of Object.entries(entry.result)) {
			const goal = GOALS[key];
			const cells =
				value.median !== undefined
					? [String(value.median), `${value.min}–${value.max} (${value.runs})`]
					: [
							Object.entries(value)
								.map(([size, v]) => `${size}: ${v.median ?? v.perCampaignMs}`)
								.join(', '),
							Object.values(value)
								.map((v) => v.runs)
								.join('/') + ' runs',
						];
			rows.push([
				`\`${key}\``,
				...cells,
				goal?.goal ?? '',
				goal ? (goal.met(value) ? 'yes' : 'no') : '',
				`${entry.peakRssMb} MB`,
			]);
		}
	}
	return rows
		.map((r) => `| ${r.join(' | ')} |`)
		.join('\n')
		.replace(/\n/, `\n|${' --- |'.repeat(rows[0].length)}\n`);
}

async function main() {
	const started = Date.now();
	const external = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
	let server;
	if (!external) {
		const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ophir-bench-pg-'));
		server = await startEmbeddedPostgres({
			dataDir: path.join(root, 'data'),
			password: randomBytes(12).toString('hex'),
		});
	}
	const adminUrl = external ?? /** @type {{ url: string }} */ (server).url;
	const client = new Client({ connectionString: adminUrl });
	await client.connect();
	const postgres = (await client.query('SHOW server_version')).rows[0].server_version;
	await client.end();
	console.log(
		`OPhir benchmarks${quick ? ' (quick)' : ''}: ${selected.join(', ')}; PostgreSQL ${postgres}${external ? ' (given)' : ' (embedded)'}`,
	);
	/** @type {BenchResults} */
	const results = {
		date: new Date().toISOString(),
		quick,
		machine: {
			cpu: os.cpus()[0]?.model ?? 'unknown',
			cores: os.cpus().length,
			memoryGb: Math.round(os.totalmem() / 1024 ** 3),
			node: process.version,
			postgres,
			platform: `${os.platform()} ${os.release()}`,
		},
		scenarios: {},
	};
	try {
		for (const name of selected) {
			console.log(`\n${name}`);
			const t = Date.now();
			const outcome = await runScenario(name, { ...process.env, OPHIR_BENCH_ADMIN_URL: adminUrl });
			results.scenarios[name] = { ...outcome, seconds: Math.round((Date.now() - t) / 100) / 10 };
			if (outcome.error) console.log(`  FAILED: ${outcome.error}`);
		}
	} finally {
		await server?.stop();
	}
	results.durationSeconds = Math.round((Date.now() - started) / 1000);
	const dir = path.join(__dirname, 'results');
	fs.mkdirSync(dir, { recursive: true });
	const base = quick ? 'quick' : 'latest';
	const file = path.join(dir, `${base}.json`);
	// A run of some scenarios (--only) updates those in the previous results and keeps the others.
	if (only && fs.existsSync(file)) {
		const previous = JSON.parse(fs.readFileSync(file, 'utf8'));
		results.scenarios = { ...previous.scenarios, ...results.scenarios };
		results.updated = { scenarios: selected, seconds: results.durationSeconds };
		results.durationSeconds = previous.durationSeconds;
	}
	fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
	const markdown = `${table(results)}\n\nMachine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memoryGb} GB, Node ${results.machine.node}, PostgreSQL ${postgres}; ${results.date.slice(0, 10)}; ${results.durationSeconds} s.\n`;
	fs.writeFileSync(path.join(dir, `${base}.md`), markdown);
	console.log(`\n${markdown}\nWritten to bench/results/${base}.json and ${base}.md`);
	if (Object.values(results.scenarios).some((s) => s.error)) process.exitCode = 1;
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
