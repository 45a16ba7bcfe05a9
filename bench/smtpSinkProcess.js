// An SMTP server in its own process (so that it does not share the sender's event loop): accepts everything,
// counts messages, and reports the count when asked.
const { SMTPServer } = require('smtp-server');

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
server.listen(0, '127.0.0.1', () => process.send({ port: server.server.address().port }));
process.on('message', (message) => {
	if (message === 'count') process.send({ received });
	if (message === 'stop') server.close(() => process.exit(0));
});
