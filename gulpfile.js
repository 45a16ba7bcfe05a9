// Build: clean dist/, compile TypeScript, then copy what n8n loads beside the compiled nodes (icons, codex
// .node.json files) and the SQL and workflow files the package ships. Documentation (the schema specification
// database/SPECIFICATION.md included) stays in the repository: dist/ holds what runs.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { src, dest, series, parallel } = require('gulp');

const DIST = path.join(__dirname, 'dist');

function clean(done) {
	fs.rmSync(DIST, { recursive: true, force: true });
	done();
}

function compile() {
	const tsc = require.resolve('typescript/bin/tsc');
	return spawn(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
}

function copyNodeAssets() {
	return src(['icons/**/*.svg', 'nodes/**/*.{svg,png,json}'], { base: '.', encoding: false }).pipe(dest(DIST));
}

function copyDatabase() {
	return src('database/**/*.sql', { base: '.' }).pipe(dest(DIST));
}

function copyWorkflows(done) {
	if (!fs.existsSync(path.join(__dirname, 'workflows'))) return done();
	return src('workflows/**/*.json', { base: '.', allowEmpty: true }).pipe(dest(DIST));
}

exports.clean = clean;
exports.build = series(clean, compile, parallel(copyNodeAssets, copyDatabase, copyWorkflows));
exports.default = exports.build;
