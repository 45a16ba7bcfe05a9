// `npm start`: OPhir running in a real n8n on this machine, for a newcomer.
//  - installs the pinned n8n and Node 24 once (into the user cache, see scripts/n8n/install.js);
//  - PostgreSQL: DATABASE_URL (or DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD) for OPhir when given, else an
//    embedded server whose data stays in OPHIR_DATA_DIR (default ./.ophir-data); n8n's own tables go to a
//    separate database (`n8n`, or N8N_DATABASE_NAME) on the same server;
//  - applies OPhir's migrations, starts n8n with OPhir installed as a community package, creates the owner
//    account (N8N_OWNER_EMAIL / N8N_OWNER_PASSWORD, or generated and printed once), the OPhir credential
//    (generated secrets kept in a local state file, never printed), imports the bundled workflows/*.json;
//  - prints the editor URL; Ctrl+C stops everything. A second start reuses all of it.
// Expects a build (`npm start` runs `npm run build` first). Checks what can fail fast (the port, the database)
// before the long n8n install; every failure ends with one sentence saying what failed and what to do.
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const { startEmbeddedPostgres } = require('./embeddedPostgres');
const { ensureN8nInstalled, cacheDir, N8N_VERSION } = require('./n8n/install');
const { freePort } = require('./lib/wait');
const { launchN8n, ensureDatabase } = require('./n8n/launch');
const { N8nClient } = require('./n8n/rest');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const DATA_DIR = process.env.OPHIR_DATA_DIR ? path.resolve(process.env.OPHIR_DATA_DIR) : path.join(ROOT, '.ophir-data');
const USER_FOLDER = path.join(DATA_DIR, 'n8n');
const STATE_FILE = path.join(USER_FOLDER, 'ophir-state.json');
const OPHIR_DATABASE = 'ophir';
const CREDENTIAL_NAME = 'OPhir';

const say = (line = '') => process.stdout.write(`${line}\n`);
// A closed terminal (an SSH session gone) makes every write fail: that must neither crash the stop under way nor,
// reported through fail(), write again and fail again forever.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
const secret = (bytes = 32) => randomBytes(bytes).toString('base64url');

/**
 * What a start keeps in STATE_FILE (generated secrets, ports and ids), for the next start.
 * @typedef {object} State
 * @property {{ email: string, password?: string }} [owner]
 * @property {string} [credentialId]
 * @property {string} [demoCampaignId] the demo of starts before platform mode (in the system organization)
 * @property {string[]} [demoOrganizationIds]
 * @property {string} [encryptionKey]
 * @property {string} [trackingSecret]
 * @property {string} [inboxPassword]
 * @property {number} [inboxSmtpPort]
 * @property {number} [inboxWebPort]
 * @property {string} [postgresPassword]
 * @property {number} [postgresPort]
 */

/** A failure the user can act on: `message` is one sentence saying what failed and what to do; `detail` comes first. */
class StartFailure extends Error {
	/**
	 * @param {string} message
	 * @param {string} [detail]
	 */
	constructor(message, detail) {
		super(message);
		this.detail = detail;
	}
}

/** @returns {State} */
function readState() {
	try {
		return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
	} catch {
		return {};
	}
}

/** @param {State} state */
function writeState(state) {
	fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
	fs.writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/**
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function portIsFree(port) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

/** n8n's port: N8N_PORT, which must be free (a user who sets it means it), else 5678 or any free one. */
async function n8nPort() {
	const asked = process.env.N8N_PORT;
	if (!asked) return (await portIsFree(5678)) ? 5678 : freePort();
	const port = Number(asked);
	if (!Number.isInteger(port) || port < 1 || port > 65535) {
		throw new StartFailure(`N8N_PORT is "${asked}", not a port number: set it to one (1 to 65535), or unset it.`);
	}
	if (!(await portIsFree(port))) {
		throw new StartFailure(
			`Port ${port} (N8N_PORT) is in use by another program: stop that program, set N8N_PORT to a free port, or unset it to let OPhir pick one.`,
		);
	}
	return port;
}

/** OPhir's database from the environment, as a connection string; undefined when none is configured. */
function ophirUrlFromEnv() {
	const { databaseSettingsFromEnv } = require(path.join(DIST, 'nodes', 'core', 'db'));
	const settings = databaseSettingsFromEnv(process.env);
	if (!settings) return undefined;
	if (settings.connectionString) return settings.connectionString;
	const url = new URL('postgresql://localhost');
	url.hostname = settings.host;
	url.port = String(settings.port);
	url.pathname = `/${settings.database}`;
	url.username = settings.user;
	url.password = settings.password;
	return url.toString();
}

/**
 * @param {string} serverUrl
 * @param {string} database
 */
function withDatabase(serverUrl, database) {
	const url = new URL(serverUrl);
	url.pathname = `/${database}`;
	return url.toString();
}

/**
 * Why a connection failed, in words, from node-postgres's error (a refused connection has no message of its own).
 * @param {NodeJS.ErrnoException} error
 */
function connectionProblem(error) {
	/** @type {Record<string, string>} */
	const problems = {
		ECONNREFUSED: 'nothing accepts connections there',
		ENOTFOUND: 'the host name is unknown',
		EAI_AGAIN: 'the host name could not be resolved',
		ETIMEDOUT: 'the server did not answer',
	};
	return problems[error.code ?? ''] ?? (error.message || String(error.code));
}

/**
 * Fails with one sentence when the configured database cannot be reached: before anything slow happens.
 * @param {string} databaseUrl
 * @param {string} source the setting it came from, as the user knows it
 */
async function checkDatabase(databaseUrl, source) {
	const { Client } = require('pg');
	const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
	client.on('error', () => undefined);
	try {
		await client.connect();
	} catch (error) {
		const { hostname, port } = new URL(databaseUrl);
		throw new StartFailure(
			`Could not connect to the database of ${source} (${hostname}:${port || 5432}): ${connectionProblem(error)}; check that PostgreSQL runs there and that ${source} is right, or unset it to use the embedded PostgreSQL.`,
		);
	} finally {
		await client.end().catch(() => undefined);
	}
}

/** @param {string} databaseUrl */
async function migrate(databaseUrl) {
	const { applyMigrations } = require(path.join(DIST, 'nodes', 'core', 'db'));
	const { Pool } = require('pg');
	const pool = new Pool({ connectionString: databaseUrl, max: 1 });
	// A connection the server drops, idle or checked out, fails its query (reported below), never the process.
	pool.on('error', () => undefined);
	pool.on('connect', (client) => client.on('error', () => undefined));
	try {
		return await applyMigrations(pool);
	} finally {
		await pool.end();
	}
}

/**
 * Logs in as the owner, creating the account on a new instance. Returns a client with a session.
 * @param {string} url
 * @param {State} state
 */
async function ownerSession(url, state) {
	const client = new N8nClient(url);
	if (await client.needsOwnerSetup()) {
		const email = process.env.N8N_OWNER_EMAIL || 'owner@ophir.local';
		const generated = !process.env.N8N_OWNER_PASSWORD;
		// n8n asks for 8+ characters with a digit and an uppercase letter.
		const password = process.env.N8N_OWNER_PASSWORD || `Ophir-${secret(12)}-9`;
		await client.setupOwner({ email, password });
		state.owner = { email, ...(generated ? { password } : {}) };
		writeState(state);
		say('');
		say('Created the n8n owner account. Log in with:');
		say(`  email:    ${email}`);
		say(`  password: ${generated ? password : '(the one in N8N_OWNER_PASSWORD)'}`);
		if (generated) say(`  (shown once; it is also kept in ${STATE_FILE}, readable by you only)`);
		return client;
	}
	const email = process.env.N8N_OWNER_EMAIL || state.owner?.email;
	const password = process.env.N8N_OWNER_PASSWORD || state.owner?.password;
	if (!email || !password) {
		throw new StartFailure(
			'This n8n already has an owner: set N8N_OWNER_EMAIL and N8N_OWNER_PASSWORD so OPhir can set it up.',
		);
	}
	try {
		await client.login(email, password);
	} catch (error) {
		throw new StartFailure(
			`Could not log in to n8n as ${email} (${error.message}); if you changed the password in n8n, set N8N_OWNER_EMAIL and N8N_OWNER_PASSWORD.`,
		);
	}
	return client;
}

/**
 * Creates the OPhir credential, or brings it up to date (the database or the port may have changed).
 * @param {import('./n8n/rest').N8nClient} client
 * @param {State} state
 * @param {{ databaseUrl: string, n8nUrl: string }} urls
 */
async function ensureCredential(client, state, { databaseUrl, n8nUrl }) {
	state.encryptionKey ??= secret(32);
	state.trackingSecret ??= secret(32);
	writeState(state);
	const data = {
		connection: 'connectionString',
		connectionString: databaseUrl,
		encryptionKey: state.encryptionKey,
		trackingSecret: state.trackingSecret,
		// The bundled OPhir Tracking workflow serves under the fixed webhook ID ophir-tracking.
		trackingBaseUrl: `${n8nUrl}/webhook/ophir-tracking`,
	};
	const existing = (await client.listCredentials()).find((c) => c.id === state.credentialId);
	if (existing) {
		await client.updateCredential(existing.id, { name: existing.name, type: 'ophirPostgresApi', data });
		return existing;
	}
	const created = await client.createCredential({ name: CREDENTIAL_NAME, type: 'ophirPostgresApi', data });
	state.credentialId = created.id;
	writeState(state);
	return created;
}

/**
 * Imports workflows/*.json that this instance does not have yet (matched by name; a second start adds nothing)
 * and activates those with a trigger that runs by itself (OPHIR_ACTIVATE_WORKFLOWS=false leaves them off).
 * @param {import('./n8n/rest').N8nClient} client
 */
async function importWorkflows(client) {
	const folder = path.join(ROOT, 'workflows');
	const files = fs.existsSync(folder)
		? fs
				.readdirSync(folder)
				.filter((f) => f.endsWith('.json'))
				.sort()
		: [];
	if (files.length === 0) return [];
	const present = new Map((await client.listWorkflows()).map((w) => [w.name, w]));
	const nodeTypes = await client.nodeTypes();
	// Trigger nodes (schedule, IMAP, webhooks, OPhir's tracking trigger) are the ones in n8n's "trigger" group.
	const triggerTypes = new Set(nodeTypes.filter((t) => t.group?.includes('trigger')).map((t) => t.name));
	const credentialNames = new Map((await client.credentialTypes()).map((c) => [c.name, c.displayName]));
	/**
	 * The credentials (display names) a trigger of the workflow requires but has none of.
	 * @param {import('./n8n/rest').WorkflowJson} workflow
	 * @returns {string[]}
	 */
	const missingCredentials = (workflow) =>
		workflow.nodes.flatMap((node) => {
			if (!triggerTypes.has(node.type)) return [];
			const versions = nodeTypes.filter((t) => t.name === node.type);
			const type = versions.find((t) => [t.version].flat().includes(node.typeVersion)) ?? versions.at(-1);
			return (
				(type?.credentials ?? [])
					// One shown only for some setting of the node may not apply: activation will tell.
					.filter(
						(/** @type {Record<string, any>} */ c) => c.required && !c.displayOptions && !node.credentials?.[c.name],
					)
					.map((/** @type {Record<string, any>} */ c) => credentialNames.get(c.name) ?? c.name)
			);
		});
	/** @type {Array<{ file: string, name: string, status: string }>} */
	const result = [];
	for (const file of files) {
		/** @type {import('./n8n/rest').WorkflowJson} */
		const workflow = JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8'));
		let saved = present.get(workflow.name);
		let status = 'already there';
		if (!saved) {
			saved = await client.createWorkflow(workflow);
			status = 'imported';
			const activatable = workflow.nodes.some((n) => triggerTypes.has(n.type) && !/\.manualTrigger$/.test(n.type));
			// Exported workflows say "active": false; a newcomer wants them running. One whose trigger still needs
			// a credential (an IMAP mailbox, say) cannot be activated yet: say what to set and go on.
			const missing = activatable ? missingCredentials(workflow) : [];
			if (missing.length > 0) {
				status = `imported; activate it after setting your ${missing.join(' and ')} credential`;
			} else if (activatable && process.env.OPHIR_ACTIVATE_WORKFLOWS !== 'false') {
				try {
					await client.activateWorkflow(saved.id);
					status = 'imported and activated';
				} catch (error) {
					status = `imported, NOT activated: ${error.message.replace(/\s+/g, ' ')}`;
				}
			}
		}
		result.push({ file, name: workflow.name, status });
	}
	return result;
}

/**
 * A local inbox (MailDev) for the demo campaign's emails: SMTP and a web page, on the ports of the last start when
 * free. OPHIR_DEMO=false leaves it out.
 * @param {State} state
 */
async function startInbox(state) {
	const { MailDev } = await import('maildev');
	state.inboxPassword ??= secret(12);
	const smtpPort =
		state.inboxSmtpPort && (await portIsFree(state.inboxSmtpPort))
			? state.inboxSmtpPort
			: (await portIsFree(1025))
				? 1025
				: await freePort();
	const webPort =
		state.inboxWebPort && (await portIsFree(state.inboxWebPort))
			? state.inboxWebPort
			: (await portIsFree(1080))
				? 1080
				: await freePort();
	const inbox = new MailDev({
		smtp: smtpPort,
		web: webPort,
		ip: '127.0.0.1',
		webIp: '127.0.0.1',
		incomingUser: 'demo',
		incomingPass: state.inboxPassword,
		mailDirectory: path.join(DATA_DIR, 'inbox'),
		silent: true,
	});
	await inbox.start();
	state.inboxSmtpPort = smtpPort;
	state.inboxWebPort = webPort;
	writeState(state);
	return { smtpPort, url: `http://127.0.0.1:${webPort}`, stop: () => inbox.stop() };
}

const DEMO_CAMPAIGN = 'OPhir demo (sends to the local inbox)';

/**
 * The demo's two client organizations, served by the one set of workflows (platform mode: the credential acts for
 * the system organization and the workflows run for All Organizations). Each has its own mailbox and leads.
 */
const DEMO_ORGANIZATIONS = [
	{
		name: 'Northwind (demo client)',
		mailbox: 'hello@northwind.ophir.local',
		leads: [
			{
				email: 'ada@example.com',
				firstName: 'Ada',
				company: 'Analytical Engines',
				data: { timezone: 'Europe/London' },
			},
			{
				email: 'grace@example.com',
				firstName: 'Grace',
				company: 'Compilers Inc',
				data: { timezone: 'America/New_York' },
			},
			{ email: 'alan@example.com', firstName: 'Alan', company: 'Enigma Ltd', data: { timezone: 'Europe/London' } },
		],
	},
	{
		name: 'Contoso (demo client)',
		mailbox: 'hi@contoso.ophir.local',
		leads: [
			{
				email: 'katherine@example.com',
				firstName: 'Katherine',
				company: 'Orbits',
				data: { timezone: 'America/New_York' },
			},
			{ email: 'edsger@example.com', company: 'Structured Co', data: { timezone: 'Europe/Amsterdam' } },
		],
	},
];

/**
 * Once: two demo organizations (platform mode), each with a mailbox sending to the local inbox and an active
 * three-step demo campaign with its leads in two time zones. Later starts only point the mailboxes at the inbox's
 * current port.
 * @param {string} databaseUrl
 * @param {State} state
 * @param {{ smtpPort: number }} inbox
 */
async function seedDemo(databaseUrl, state, inbox) {
	/** @type {(module: string) => any} the compiled core (dist/, plain JavaScript) */
	const core = (module) => require(path.join(DIST, 'nodes', 'core', module));
	const { getPool, withTenant, SYSTEM_ORGANIZATION_ID, databaseSettingsFromEnv, SecretBox } = core('db');
	const {
		createOrganization,
		createEmailAccount,
		listEmailAccounts,
		updateEmailAccount,
		createCampaign,
		transitionCampaign,
		importLeads,
	} = core('outreach');
	const box = new SecretBox(state.encryptionKey);
	const pool = getPool(databaseSettingsFromEnv({ DATABASE_URL: databaseUrl }));
	/** @type {(organizationId: string) => (work: (tx: any) => Promise<any>) => Promise<any>} */
	const actingFor = (organizationId) => (work) => withTenant(pool, organizationId, work);
	const smtp = { host: '127.0.0.1', port: inbox.smtpPort, security: 'none', user: 'demo' };
	if (state.demoOrganizationIds?.length) {
		for (const organizationId of state.demoOrganizationIds) {
			const run = actingFor(organizationId);
			for (const account of await run((tx) => listEmailAccounts(tx, { limit: 100, offset: 0 }))) {
				await run((tx) => updateEmailAccount(tx, box, account.id, { smtp, password: state.inboxPassword }));
			}
		}
		return 'already there';
	}
	/** @type {string[]} */
	const ids = [];
	for (const demo of DEMO_ORGANIZATIONS) {
		const organization = await actingFor(SYSTEM_ORGANIZATION_ID)((tx) =>
			createOrganization(tx, { name: demo.name, planType: 'demo' }),
		);
		const run = actingFor(organization.id);
		const account = await run((tx) =>
			createEmailAccount(tx, box, {
				email: demo.mailbox,
				smtp,
				password: state.inboxPassword,
				dailyLimit: 50,
				warmupStatus: 'warmed',
				fromName: demo.name.replace(/ \(demo client\)$/, ''),
			}),
		);
		const campaign = await run(async (tx) => {
			const created = await createCampaign(tx, {
				name: DEMO_CAMPAIGN,
				config: {
					sequence: [
						{
							subject: '{Quick|Short} question, {{fallback firstName "there"}}',
							body: '<p>Hi {{fallback firstName "there"}},</p><p>This is OPhir\'s demo: step 1 of 3, sent to your local inbox. <a href="https://n8n.io">A tracked link</a>.</p>',
						},
						{
							delayMinutes: 2,
							subject: 'Re: quick question',
							body: '<p>Step 2, two minutes later, threaded under step 1.</p>',
						},
						{
							delayMinutes: 5,
							subject: 'Re: quick question',
							body: '<p>Step 3, the last one. Unsubscribe below to see the one-click page.</p>',
						},
					],
					sendingWindow: { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startHour: 0, endHour: 24 },
					accountIds: [account.id],
					// No spacing, so that the first run after the start sends every first step: a newcomer sees them at once.
					minGapSeconds: 0,
					jitterSeconds: 0,
					postalAddress: `${demo.name.replace(/ \(demo client\)$/, '')}, 1 Example Street, Springfield`,
				},
			});
			return transitionCampaign(tx, created.id, 'activate');
		});
		await run((tx) => importLeads(tx, demo.leads, { campaignId: campaign.id }));
		ids.push(organization.id);
		// Saved one by one: a start stopped half-way does not create the first organization again.
		state.demoOrganizationIds = [...ids];
		writeState(state);
	}
	return 'created';
}

/**
 * Runs the Scheduler and the Sender once now, so the demo's first emails are in the inbox right away.
 * @param {import('./n8n/rest').N8nClient} client
 */
async function kickOff(client) {
	const byName = new Map((await client.listWorkflows()).map((w) => [w.name, w]));
	for (const name of ['OPhir Scheduler', 'OPhir Sender']) {
		const workflow = byName.get(name);
		if (workflow)
			await client
				.runWorkflow(workflow.id)
				.catch((/** @type {Error} */ error) => say(`  (${name} did not run now: ${error.message})`));
	}
}

/**
 * What the start has started (PostgreSQL, n8n, the demo inbox), each a function that stops it; stopped newest first.
 * @type {Array<() => unknown>}
 */
const stops = [];
let stoppingAll;
const STOP_TIMEOUT_MS = 30_000; // n8n gets 15 s to finish its executions (scripts/n8n/supervise.js), then is killed

/** Stops everything started so far, newest first; callers at the same time share one stop. Never rejects. */
function stopAll() {
	stoppingAll ??= (async () => {
		while (stops.length) {
			const stop = stops.pop();
			await Promise.resolve()
				.then(stop)
				.catch((error) => say(`  (while stopping: ${error?.message ?? error})`));
		}
	})().finally(() => {
		stoppingAll = undefined;
	});
	return stoppingAll;
}

/** stopAll(), given up after STOP_TIMEOUT_MS so that a stop that hangs cannot keep the process alive. */
async function stopAllWithin() {
	let timer;
	const timeout = new Promise((resolve) => {
		timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
	});
	const outcome = await Promise.race([stopAll(), timeout]);
	clearTimeout(timer);
	if (outcome === 'timeout') say(`  (not everything stopped within ${STOP_TIMEOUT_MS / 1000} s; exiting anyway)`);
}

async function main() {
	const started = Date.now();
	if (!fs.existsSync(path.join(DIST, 'nodes', 'core', 'db', 'index.js'))) {
		throw new StartFailure('dist/ is missing: run `npm run build` first (`npm start` does).');
	}
	fs.mkdirSync(USER_FOLDER, { recursive: true });
	const state = readState();
	let stopping = false;
	const onStop = async () => {
		if (stopping) return;
		stopping = true;
		say('\nStopping n8n, then PostgreSQL ...');
		// No time limit here: exiting before PostgreSQL is down would leave its lock for the next start to trip on,
		// and each stop is bounded already (n8n is killed after its grace period; PostgreSQL gets a fast shutdown).
		await stopAll();
		say(`Stopped. Your data is kept in ${DATA_DIR}`);
		process.exit(0);
	};
	// The launcher below asks for the stop; losing it (killed) means stop too.
	process.on('message', (message) => message === 'ophir:stop' && onStop());
	process.on('disconnect', onStop);

	try {
		await n8nPort(); // before anything slow; checked again below, when n8n starts

		let serverUrl;
		let databaseUrl = ophirUrlFromEnv();
		const n8nDatabase = process.env.N8N_DATABASE_NAME || 'n8n';
		if (databaseUrl) {
			const source = process.env.DATABASE_URL ? 'DATABASE_URL' : 'DB_HOST/DB_NAME/...';
			serverUrl = databaseUrl; // n8n's database goes on the same server
			say(`OPhir database: from ${source}`);
			await checkDatabase(databaseUrl, source);
			await ensureDatabase(serverUrl, n8nDatabase).catch((error) => {
				throw new StartFailure(
					`Could not create n8n's own database "${n8nDatabase}" on the server of ${source} (${error.message}): create it yourself, or set N8N_DATABASE_NAME to an existing empty one.`,
				);
			});
		} else {
			state.postgresPassword ??= secret(18);
			writeState(state);
			say(`Starting PostgreSQL (data in ${path.join(DATA_DIR, 'postgres')}) ...`);
			const dataDir = path.join(DATA_DIR, 'postgres', 'data');
			const pg = await startEmbeddedPostgres({
				dataDir,
				password: state.postgresPassword,
				port: state.postgresPort && (await portIsFree(state.postgresPort)) ? state.postgresPort : undefined,
				persistent: true,
			}).catch((error) => {
				throw new StartFailure(
					`Could not start the embedded PostgreSQL: ${error.message}; ${/in use/.test(error.message) ? 'run npm start again (it picks a free port)' : 'fix that and run npm start again'}.`,
				);
			});
			stops.push(() => pg.stop());
			if (pg.dataDir !== dataDir) {
				// Said, not hidden: a root user backing up or deleting the data folder must know.
				say(`  its files: ${pg.dataDir}, linked from the data folder (started as root, PostgreSQL runs as`);
				say(`  the user postgres, who cannot reach ${DATA_DIR})`);
			}
			state.postgresPort = Number(new URL(pg.url).port);
			writeState(state);
			serverUrl = pg.url;
			await ensureDatabase(pg.url, OPHIR_DATABASE);
			databaseUrl = withDatabase(pg.url, OPHIR_DATABASE);
		}

		const migrations = await migrate(databaseUrl).catch((error) => {
			// Typically a migration file edited after it ran here: only possible while developing OPhir itself.
			throw new StartFailure(
				`OPhir's migrations failed (${error.message}); while developing OPhir, to start over with an empty database: stop, delete ${path.join(DATA_DIR, 'postgres')} and start again.`,
			);
		});
		say(
			migrations.applied.length
				? `Applied OPhir migrations ${migrations.applied.join(', ')} (schema ${migrations.current}).`
				: `OPhir schema is up to date (${migrations.current}).`,
		);

		await ensureN8nInstalled({ log: say }).catch((error) => {
			const [headline, ...detail] = error.message.split('\n');
			throw new StartFailure(
				`Installing n8n ${N8N_VERSION} into ${cacheDir()} did not finish (${headline.replace(/^npm (\w+) .* failed \((.*)\):$/, 'npm $1: $2')}): check the connection to the npm registry and the free disk space (about 3 GB), then run npm start again, which installs it anew.`,
				detail.join('\n'),
			);
		});

		const port = await n8nPort();
		say(`Starting n8n on port ${port} with OPhir installed ...`);
		const n8n = await launchN8n({
			userFolder: USER_FOLDER,
			adminUrl: serverUrl,
			n8nDatabase,
			port,
			log: say,
		}).catch((error) => {
			const [headline, ...detail] = error.message.split('\n');
			throw new StartFailure(
				`n8n did not start (${headline.replace(/[.:]*\s*(Its log:)?$/, '')}): its log is above and in ${path.join(USER_FOLDER, 'n8n.log')}; fix what it says and run npm start again.`,
				detail.join('\n'),
			);
		});
		stops.push(() => n8n.stop());

		const demo = process.env.OPHIR_DEMO !== 'false';
		const inbox = demo ? await startInbox(state) : undefined;
		if (inbox) stops.push(inbox.stop);

		const client = await ownerSession(n8n.url, state);
		await ensureCredential(client, state, { databaseUrl, n8nUrl: n8n.url });
		const workflows = await importWorkflows(client);
		const demoStatus = inbox ? await seedDemo(databaseUrl, state, inbox) : undefined;
		if (inbox) await kickOff(client);

		say('');
		say(`OPhir is running in n8n (ready in ${Math.round((Date.now() - started) / 1000)} s).`);
		say(`  n8n editor:       ${n8n.url}`);
		say(`  login:            ${state.owner?.email ?? process.env.N8N_OWNER_EMAIL}`);
		say(`  credential:       "${CREDENTIAL_NAME}" (OPhir PostgreSQL), ready to pick in any OPhir node`);
		if (workflows.length === 0) say('  workflows:        none bundled yet (workflows/*.json)');
		for (const w of workflows) say(`  workflow:         ${w.name} (${w.status})`);
		if (inbox) {
			say(
				`  demo campaign:    "${DEMO_CAMPAIGN}" (${demoStatus}) in two organizations, ${DEMO_ORGANIZATIONS.map((o) => o.name).join(' and ')}: 5 leads, 3 steps over 7 minutes, all sent by the one set of workflows`,
			);
			say(`  local inbox:      ${inbox.url}  (every email OPhir sends in the demo lands here)`);
		}
		say(`  data folder:      ${DATA_DIR}`);
		say(`  n8n log:          ${n8n.logFile}`);
		say('Press Ctrl+C to stop.');

		const { code, signal } = await n8n.whenExited;
		if (stopping) return;
		say(`n8n stopped unexpectedly (${signal ?? `exit code ${code}`}). The end of its log:`);
		say(n8n.logs().split('\n').slice(-40).join('\n'));
		await stopAllWithin();
		process.exit(1);
	} catch (error) {
		// Ctrl+C mid-step makes that step fail (its server went away): the stop, not the step, has the last word.
		if (stopping) return;
		throw error; // fail() stops what was started
	}
}

/**
 * Ctrl+C signals the terminal's whole process group, PostgreSQL included, which would then stop under n8n's
 * feet. So the work runs in a child process with a group of its own, and this process turns Ctrl+C (or
 * SIGTERM) into an orderly stop request: n8n first, then PostgreSQL.
 */
function launchInOwnGroup() {
	const { spawn } = require('node:child_process');
	const child = spawn(process.execPath, [__filename], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		detached: true,
		env: { ...process.env, OPHIR_START_WORKER: '1' },
	});
	const requestStop = () => {
		if (child.connected) child.send('ophir:stop');
	};
	process.on('SIGINT', requestStop);
	process.on('SIGTERM', requestStop);
	process.on('SIGHUP', requestStop);
	child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

let failing = false;

/**
 * Stops whatever was started (PostgreSQL, n8n, the inbox; see stopAllWithin), then prints why the start failed and
 * exits: any detail first, then one sentence. A full disk says so whatever the step; an error nobody foresaw gets its
 * first line and a request to report it, never a stack trace. Every failure ends here: a failed step, and a library's
 * stray error or rejection; one that comes while stopping after the first (a step losing its server) is only noted.
 * @param {unknown} error
 */
async function fail(error) {
	if (failing) {
		const text = error instanceof Error ? error.message : String(error);
		say(`  (while stopping: ${text.split('\n')[0]})`);
		return;
	}
	failing = true;
	await stopAllWithin().catch(() => {}); // the failure is reported and the process exits whatever happens here
	const text =
		error instanceof Error
			? error.message || String(/** @type {NodeJS.ErrnoException} */ (error).code ?? error)
			: String(error);
	const [headline, ...rest] = text.split('\n');
	const detail = error instanceof StartFailure ? error.detail : rest.join('\n');
	let sentence =
		error instanceof StartFailure
			? text
			: `${headline.replace(/[.:]\s*$/, '')}; this looks like a bug in OPhir's start: please report it with the lines above.`;
	if (/ENOSPC|No space left on device/.test(`${text}\n${detail ?? ''}`)) {
		sentence = `the disk is full (${headline.replace(/[.:]\s*$/, '')}): free some space (n8n's install alone takes about 3 GB) and run npm start again.`;
	}
	if (detail) process.stderr.write(`${detail}\n`);
	process.stderr.write(`\nnpm start failed: ${sentence}\n`);
	process.exit(1);
}

if (process.env.OPHIR_START_WORKER === '1') {
	// A library's stray 'error' event or rejection must end the same way as a failed step.
	process.on('uncaughtException', fail);
	process.on('unhandledRejection', fail);
	main().catch(fail);
} else {
	launchInOwnGroup();
}
