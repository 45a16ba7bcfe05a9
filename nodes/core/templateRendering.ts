import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';

import { OphirError } from './errors';

/**
 * Renders subjects and bodies for one lead: spintax `{a|b|c}` first (the same choice for the same lead every
 * time, so a retried send or a preview shows what the lead gets), then Handlebars with the helpers cold-email
 * writers expect. A variable that is missing and has no fallback is an error naming it: never an email with a
 * blank where a name should be.
 */
const handlebars = Handlebars.create();

function isBlank(value: unknown): boolean {
	return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

// {{fallback firstName "there"}} (alias: default): the first argument that is not blank.
function fallback(...args: unknown[]): unknown {
	const values = args.slice(0, -1); // the last argument is Handlebars' options object
	return values.find((value) => !isBlank(value)) ?? '';
}
handlebars.registerHelper('fallback', fallback);
handlebars.registerHelper('default', fallback);
handlebars.registerHelper('capitalize', (value: unknown) => {
	const text = isBlank(value) ? '' : String(value).trim();
	return text.charAt(0).toUpperCase() + text.slice(1);
});
handlebars.registerHelper('upper', (value: unknown) => (isBlank(value) ? '' : String(value).toUpperCase()));
handlebars.registerHelper('lower', (value: unknown) => (isBlank(value) ? '' : String(value).toLowerCase()));
// {{formatDate date "long" "Europe/Paris"}}: a date (ISO text, epoch ms or "now") in a dateStyle
// (short, medium, long, full; default medium), in a time zone (default UTC).
handlebars.registerHelper('formatDate', (...args: unknown[]) => {
	const [value, style, timeZone] = args.slice(0, -1);
	if (isBlank(value)) return '';
	const date = value === 'now' ? new Date() : new Date(value as string | number);
	if (Number.isNaN(date.getTime())) return String(value);
	const dateStyle = ['short', 'medium', 'long', 'full'].includes(style as string) ? (style as 'medium') : 'medium';
	return new Intl.DateTimeFormat('en-US', {
		dateStyle,
		timeZone: typeof timeZone === 'string' ? timeZone : 'UTC',
	}).format(date);
});

const HELPERS = new Set(['fallback', 'default', 'capitalize', 'upper', 'lower', 'formatDate']);

// Handlebars mustaches ({{x}}, {{{x}}}) are set aside while spintax resolves, so their braces never count.
const MUSTACHE = /\{\{\{?[^{}]*\}?\}\}/g;
const SPIN_GROUP = /\{([^{}]*\|[^{}]*)\}/; // innermost group first, so {a|{b|c}} nests
const PLACEHOLDER = /\ue000(\d+)\ue001/g; // private-use characters, never in real text

/** Resolves spintax deterministically for `seed` (e.g. the lead id): group n picks by a hash of seed and n. */
export function resolveSpintax(text: string, seed: string): string {
	const mustaches: string[] = [];
	let result = text.replace(MUSTACHE, (m) => `\ue000${mustaches.push(m) - 1}\ue001`);
	for (let group = 0; SPIN_GROUP.test(result); group++) {
		result = result.replace(SPIN_GROUP, (_match, options: string) => {
			const choices = options.split('|');
			const digest = createHash('sha256').update(`${seed}:${group}`).digest();
			return choices[digest.readUInt32BE(0) % choices.length];
		});
	}
	return result.replace(PLACEHOLDER, (_m, index: string) => mustaches[Number(index)]);
}

interface CompiledTemplate {
	render: (context: object) => string;
	/** Paths printed bare ({{firstName}}), which must not be blank. */
	required: string[];
}

// Compiling is the slow part; scheduling renders the same few templates for many leads.
const compiled = new Map<string, CompiledTemplate>();
const MAX_CACHED = 500;

function parseTemplate(source: string): hbs.AST.Program {
	try {
		return handlebars.parse(source);
	} catch (error) {
		throw new OphirError(`The template has a syntax error: ${(error as Error).message.split('\n')[0]}`);
	}
}

function compile(source: string, escapeHtml: boolean): CompiledTemplate {
	const key = `${escapeHtml ? 'h' : 't'}:${source}`;
	let template = compiled.get(key);
	if (!template) {
		const ast = parseTemplate(source);
		const render = handlebars.compile(ast, { noEscape: !escapeHtml, knownHelpers: Object.fromEntries([...HELPERS].map((h) => [h, true])) });
		template = { render, required: bareVariables(ast) };
		if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
		compiled.set(key, template);
	}
	return template;
}

/**
 * Variables printed on their own ({{company}}), as opposed to helper calls or block parameters. Inside
 * {{#if x}} the variable x is known to be set (and inside {{#unless x}}…{{else}} too); inside #each, #with and
 * sections the context is another object, so their variables are not the lead's and are not checked.
 */
function bareVariables(program: hbs.AST.Program): string[] {
	const found = new Set<string>();
	const visit = (node: hbs.AST.Node | undefined, guarded: ReadonlySet<string>): void => {
		if (!node) return;
		if (node.type === 'Program') (node as hbs.AST.Program).body.forEach((child) => visit(child, guarded));
		if (node.type === 'MustacheStatement') {
			const mustache = node as hbs.AST.MustacheStatement;
			const path = mustache.path as hbs.AST.PathExpression;
			if (
				path.type === 'PathExpression' &&
				mustache.params.length === 0 &&
				!HELPERS.has(path.original) &&
				!path.data &&
				!guarded.has(path.original)
			) {
				found.add(path.original);
			}
		}
		if (node.type === 'BlockStatement') {
			const block = node as hbs.AST.BlockStatement;
			const helper = (block.path as hbs.AST.PathExpression).original;
			if (helper !== 'if' && helper !== 'unless') return;
			const condition = block.params[0];
			const guard = condition?.type === 'PathExpression' ? (condition as hbs.AST.PathExpression).original : undefined;
			const withGuard = guard ? new Set([...guarded, guard]) : guarded;
			visit(block.program, helper === 'if' ? withGuard : guarded);
			visit(block.inverse, helper === 'unless' ? withGuard : guarded);
		}
	};
	visit(program, new Set());
	return [...found];
}

function lookup(context: object, path: string): unknown {
	return path
		.replace(/^this\./, '')
		.split('.')
		.reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), context);
}

export interface RenderInput {
	subject: string;
	body: string;
}

/** Renders subject (plain text) and body (HTML: values are escaped) for one lead. */
export function renderMessage(template: RenderInput, context: object, seed: string): RenderInput {
	const render = (source: string, escapeHtml: boolean, part: string) => {
		const spun = resolveSpintax(source, `${seed}:${part}`);
		const { render: run, required } = compile(spun, escapeHtml);
		const missing = required.filter((path) => isBlank(lookup(context, path)));
		if (missing.length > 0) {
			throw new OphirError(
				`Template variable ${missing.map((m) => `"${m}"`).join(', ')} in the ${part} has no value for this lead`,
				`Give the lead that field, or a fallback: {{fallback ${missing[0]} "there"}}`,
			);
		}
		return run(context);
	};
	return { subject: render(template.subject, false, 'subject'), body: render(template.body, true, 'body') };
}

/** Names a template prints or passes to helpers; throws on a syntax error (so templates are checked on save). */
export function templateVariables(source: string): string[] {
	const found = new Set<string>();
	const visit = (node: unknown): void => {
		if (!node || typeof node !== 'object') return;
		const n = node as { type?: string; original?: string; data?: boolean; params?: unknown[]; hash?: unknown };
		if (n.type === 'PathExpression' && n.original && !n.data && !HELPERS.has(n.original) && n.original !== 'this') {
			found.add(n.original.replace(/^this\./, ''));
		}
		// A call's path names a helper ({{#if x}}, {{#each items}}, {{lookup a b}}), not a variable.
		const isCall = (n.params?.length ?? 0) > 0 || !!n.hash;
		for (const [key, value] of Object.entries(node)) {
			if (key === 'path' && isCall) continue;
			if (Array.isArray(value)) value.forEach(visit);
			else if (value && typeof value === 'object' && value !== n) visit(value);
		}
	};
	visit(parseTemplate(source));
	return [...found].sort();
}

/** The fields of a lead as templates see them; template defaults fill what the lead leaves blank. */
export function leadRenderContext(
	lead: { email: string; firstName?: string | null; lastName?: string | null; company?: string | null; data?: Record<string, unknown> | null },
	defaults: Record<string, unknown> = {},
): Record<string, unknown> {
	const context: Record<string, unknown> = { ...defaults };
	const own = { ...(lead.data ?? {}), email: lead.email, firstName: lead.firstName, lastName: lead.lastName, company: lead.company };
	for (const [key, value] of Object.entries(own)) {
		if (!isBlank(value)) context[key] = value;
	}
	return context;
}
