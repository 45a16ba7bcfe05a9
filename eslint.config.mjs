import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	// OPhir is for self-hosted n8n only: it needs runtime dependencies (pg, nodemailer, handlebars), which n8n
	// Cloud does not allow, so the cloud-only rules are off (configWithoutCloudSupport).
	...configWithoutCloudSupport,
	{ ignores: ['dist/**', 'coverage/**', 'bench/results/**', '.cache/**'] },
	{
		files: ['**/*.ts', 'package.json'],
		rules: {
			// The package's purpose is a PostgreSQL, SMTP and templating engine inside n8n: pg, nodemailer and
			// handlebars are runtime dependencies by design (see docs/development.md, "Dependencies").
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
	{
		// The domain core is n8n-free by design (callable from tests, the CLI and benchmarks) and raises its own
		// errors; the nodes' shared per-item loop turns every one into a NodeOperationError with its itemIndex.
		files: ['nodes/core/**/*.ts', 'database/**/*.ts'],
		rules: {
			'@n8n/community-nodes/require-node-api-error': 'off',
		},
	},
	{
		// Tests and tooling are not shipped to n8n: they may print and import dev dependencies.
		files: ['test/**/*.ts', 'scripts/**/*.ts'],
		rules: {
			'no-console': 'off',
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-restricted-globals': 'off',
		},
	},
];
