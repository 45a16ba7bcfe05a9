/** Integration tests share one PostgreSQL server per run (embedded, or TEST_DATABASE_URL); each test file
 * works in a fresh database of its own, so files run in parallel safely. */
// Tests run in a zone with daylight saving time, never UTC: OPhir must keep times right whatever the zone of the
// n8n process (workers inherit this; a test cannot change it, since jest gives each file a copy of process.env).
process.env.TZ = 'America/New_York';

module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	globalSetup: '<rootDir>/test/support/globalSetup.js',
	globalTeardown: '<rootDir>/test/support/globalTeardown.js',
	testTimeout: 60_000,
	maxWorkers: 2,
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: { warnOnly: false } }],
	},
};
