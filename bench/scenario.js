// Runs one scenario in this (child) process and reports its result and this process's peak memory to bench/run.js.
const name = process.argv[2];
const quick = process.argv.includes('--quick');
/** @type {(options: import('./lib').ScenarioOptions) => Promise<unknown>} */
const scenario = require(`./scenarios/${name}`);
/** This process as bench/run.js forked it: with an IPC channel, so process.send is there. */
const forked = /** @type {Required<NodeJS.Process>} */ (process);

scenario({ quick, log: (/** @type {string} */ line) => forked.send({ log: line }) })
	.then((/** @type {unknown} */ result) =>
		forked.send({ result, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }),
	)
	.catch((error) => forked.send({ error: error.stack ?? String(error) }))
	.finally(() => setTimeout(() => process.exit(0), 50));
