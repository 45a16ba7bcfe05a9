// An SMTP server in its own process (so that it does not share the sender's event loop): accepts everything,
// counts messages, and reports the count when asked.
const { SMTPServer } = require('smtp-server');

/** This process as a benchmark forked it: with an IPC channel, so process.send is there. */
const forked = /** @type {Required<NodeJS.Process>} */ (process);
let received = 0;
const server = new SMTPServer({
	secure: false,
	disabledCommands: ['STARTTLS'],
	allowInsecureAuth: true,
	authOptional: true,
	logger: false,
	maxClients: 500,
	onAuth: (_auth, _session, callback) => callback(null, { user: 'bench' }),
	onData(stream, _session, callback) {
		stream.on('data', () => undefined);
		stream.on('end', () => {
			received++;
			callback();
		});
	},
});
server.listen(0, '127.0.0.1', () =>
	forked.send({ port: /** @type {import('node:net').AddressInfo} */ (server.server.address()).port }),
);
process.on('message', (message) => {
	if (message === 'count') forked.send({ received });
	if (message === 'stop') server.close(() => process.exit(0));
});
