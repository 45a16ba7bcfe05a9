// Runs one scenario in this (child) process and reports its result and this process's peak memory to bench/run.js.
const name = process.argv[2];
const quick = process.argv.includes('--quick');
const scenario = require(`./scenarios/${name}`);

scenario({ quick, log: (line) => process.send({ log: line }) })
	.then((result) => process.send({ result, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }))
	.catch((error) => process.send({ error: error.stack ?? String(error) }))
	.finally(() => setTimeout(() => process.exit(0), 50));
