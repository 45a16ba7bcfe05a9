/** Integration tests share one PostgreSQL server per run (embedded, or TEST_DATABASE_URL); each test file
 * works in a fresh database of its own, so files run in parallel safely. */
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
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
	},
};
