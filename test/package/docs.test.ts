/**
 * The documentation's links resolve: every relative link between the README, docs/ and the other Markdown files
 * names a file that exists and, with an anchor, a heading of that file (GitHub's heading ids); the nodes' codex
 * files link to pages and headings that exist. The performance page shows the latest benchmark figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const REPOSITORY_BLOB = 'https://github.com/ophir-dev/n8n-nodes-ophir/blob/main/';

const markdownFiles = [
	'README.md',
	'CHANGELOG.md',
	'database/SPECIFICATION.md',
	'nodes/core/README.md',
	...readdirSync(join(ROOT, 'docs'))
		.filter((name) => name.endsWith('.md'))
		.map((name) => `docs/${name}`),
];

/** Markdown without code: links and headings inside code are not links and headings. */
function prose(markdown: string): string {
	return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, (code) => code.replace(/[[\]()#]/g, ' '));
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, -1, -2… for repeats. */
function headingIds(file: string): Set<string> {
	const ids = new Set<string>();
	const markdown = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
	for (const [, text] of markdown.matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
		const base = text
			.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
			.toLowerCase()
			.replace(/[^\p{L}\p{N} _-]/gu, '')
			.replace(/ /g, '-');
		let id = base;
		for (let repeat = 1; ids.has(id); repeat++) id = `${base}-${repeat}`;
		ids.add(id);
	}
	return ids;
}

/** Why a link from `from` to `target` (path relative to from's folder, optional #anchor) does not resolve. */
function problem(from: string, target: string): string | undefined {
	const [path, anchor] = target.split('#') as [string, string | undefined];
	const file = path === '' ? join(ROOT, from) : join(ROOT, dirname(from), decodeURI(path));
	if (!existsSync(file)) return `${relative(ROOT, file)} does not exist`;
	if (anchor === undefined) return undefined;
	if (statSync(file).isDirectory() || !file.endsWith('.md')) return `#${anchor} points into a file without headings`;
	return headingIds(file).has(anchor) ? undefined : `${relative(ROOT, file)} has no heading #${anchor}`;
}

describe('documentation', () => {
	it('has a README of at most ~200 lines and a page for every topic it links', () => {
		const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
		expect(readme.split('\n').length).toBeLessThanOrEqual(200);
		const linked = [...readme.matchAll(/\]\((docs\/[\w-]+\.md)/g)].map(([, page]) => page);
		const pages = markdownFiles.filter((file) => file.startsWith('docs/'));
		expect(new Set(linked)).toEqual(new Set(pages));
	});

	it.each(markdownFiles)('%s: every relative link resolves', (file) => {
		const links = [...prose(readFileSync(join(ROOT, file), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)].map(
			([, target]) => target,
		);
		const broken = links
			.filter((target) => !/^[a-z]+:/.test(target))
			.map((target) => [target, problem(file, target)])
			.filter(([, why]) => why);
		expect(broken).toEqual([]);
	});

	it('links each node to documentation pages and headings that exist', () => {
		const codexFiles = readdirSync(join(ROOT, 'nodes'))
			.map((folder) => join('nodes', folder, `${folder}.node.json`))
			.filter((file) => existsSync(join(ROOT, file)));
		expect(codexFiles).toHaveLength(4);
		for (const file of codexFiles) {
			const urls = [...readFileSync(join(ROOT, file), 'utf8').matchAll(/"url": "([^"]+)"/g)].map(([, url]) => url);
			expect(urls.length).toBeGreaterThan(0);
			for (const url of urls) {
				expect(url.startsWith(`${REPOSITORY_BLOB}docs/`)).toBe(true);
				expect([url, problem('README.md', url.slice(REPOSITORY_BLOB.length))]).toEqual([url, undefined]);
			}
		}
	});

	it('shows the latest benchmark figures on the performance page', () => {
		const check = spawnSync(process.execPath, [join(ROOT, 'docs', 'generate-performance.js'), '--check'], {
			encoding: 'utf8',
		});
		expect(check.stderr).toBe('');
		expect(check.status).toBe(0);
	});
});
