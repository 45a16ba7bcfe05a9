// Runs one command in a process group of its own and makes sure the whole group ends with its parent:
// when the parent closes our stdin (it stopped, crashed or was killed), on SIGTERM/SIGINT/SIGHUP, or when the
// parent process disappears. Used by launch.js so that n8n (and the task runners it spawns) never outlive
// `npm start` or a test run.
//   node supervise.js <command> [args...]     (stdout/stderr pass through)
const { spawn } = require('node:child_process');

const [command, ...args] = process.argv.slice(2);
const GRACE_MS = Number(process.env.OPHIR_SUPERVISE_GRACE_MS ?? 15_000);
const parentPid = process.ppid;

const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
let stopping = false;

/** @param {NodeJS.Signals} signal */
function killGroup(signal) {
	try {
		process.kill(-(/** @type {number} */ (child.pid)), signal);
	} catch {
		// already gone
	}
}

function stop() {
	if (stopping) return;
	stopping = true;
	killGroup('SIGTERM');
	// n8n finishes running executions on SIGTERM; do not wait for ever.
	setTimeout(() => killGroup('SIGKILL'), GRACE_MS).unref();
}

child.on('exit', (code, signal) => {
	// Task runners and other helpers of the child may still be alive in its group.
	killGroup('SIGKILL');
	process.exit(code ?? (signal ? 1 : 0));
});
child.on('error', (error) => {
	process.stderr.write(`Could not start ${command}: ${error.message}\n`);
	process.exit(1);
});

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
setInterval(() => {
	if (process.ppid !== parentPid) stop(); // re-parented: the parent is gone
}, 1000).unref();
