import Handlebars from 'handlebars';

import { InvalidInputError, OphirError } from '../validation/errors';
import { allSpins, resolveSpintax } from './spintax';

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
handlebars.registerHelper('capitalize', (value: unknown) =>
	// By code point: a letter outside the BMP is two UTF-16 units, and charAt(0) would split it.
	isBlank(value)
		? ''
		: String(value)
				.trim()
				.replace(/^./u, (first) => first.toUpperCase()),
);
handlebars.registerHelper('upper', (value: unknown) => (isBlank(value) ? '' : String(value).toUpperCase()));
handlebars.registerHelper('lower', (value: unknown) => (isBlank(value) ? '' : String(value).toLowerCase()));
// {{formatDate date "long" "Europe/Paris"}}: a date (ISO text, epoch ms or "now") in a dateStyle
// (short, medium, long, full; default medium), in a time zone (default UTC). A calendar date ("2026-03-08")
// is shown as written: it has no time of day that a time zone west of UTC could move to the day before.
handlebars.registerHelper('formatDate', (...args: unknown[]) => {
	const [value, style, timeZone] = args.slice(0, -1);
	const zone = typeof timeZone === 'string' ? timeZone : 'UTC';
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: zone });
	} catch {
		throw new OphirError(`formatDate: "${zone}" is not a time zone`, 'Use an IANA time zone such as Europe/Paris.');
	}
	if (isBlank(value)) return '';
	const date = value === 'now' ? new Date() : new Date(value as string | number);
	if (Number.isNaN(date.getTime())) return String(value);
	const dateStyle = ['short', 'medium', 'long', 'full'].includes(style as string) ? (style as 'medium') : 'medium';
	const calendarDate = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.trim());
	return new Intl.DateTimeFormat('en-US', { dateStyle, timeZone: calendarDate ? 'UTC' : zone }).format(date);
});

const HELPERS = new Set(['fallback', 'default', 'capitalize', 'upper', 'lower', 'formatDate']);
/** Helpers that print their first argument reshaped: a blank argument would still leave a blank in the email. */
const FORMATTERS = new Set(['capitalize', 'upper', 'lower', 'formatDate']);
/** Every helper a template may call: ours and the Handlebars built-ins. */
const CALLABLE = new Set([...HELPERS, 'if', 'unless', 'each', 'with', 'lookup']);

/** Handlebars' token names, as a writer would type them. */
const TOKENS: Record<string, string> = {
	OPEN: '{{',
	OPEN_UNESCAPED: '{{{',
	CLOSE: '}}',
	CLOSE_UNESCAPED: '}}}',
	OPEN_BLOCK_PARAMS: '|',
	CLOSE_BLOCK_PARAMS: '|',
	OPEN_ENDBLOCK: '{{/',
	INVERSE: '{{else}}',
	OPEN_SEXPR: '(',
	CLOSE_SEXPR: ')',
};

/** What is wrong, in a writer's words, from a Handlebars parse or compile error. */
function syntaxReason(error: Error): string {
	const lines = error.message.split('\n');
	const parse = /^Parse error on (line \d+):$/.exec(lines[0]);
	if (parse) {
		const got = /got '(\w+)'$/.exec(lines[lines.length - 1])?.[1];
		const problem =
			got === 'EOF'
				? 'the text ends before a {{ tag or {{#block}} is closed'
				: got === 'INVALID'
					? 'a {{ tag is not closed or holds a character it cannot'
					: `unexpected ${got && TOKENS[got] ? `"${TOKENS[got]}"` : (got ?? 'text')}`;
		return `${problem}, ${parse[1]} near "${lines[1].trim()}"`;
	}
	const mismatch = /^(\S+) doesn't match (\S+) - (\d+):\d+$/.exec(lines[0]);
	if (mismatch) return `{{#${mismatch[1]}}} is closed by {{/${mismatch[2]}}}, line ${mismatch[3]}`;
	return lines[0];
}

/** A name as the lead's fields hold it: [First Name] is "First Name", this.x and ./x are "x". */
function variableName(path: hbs.AST.PathExpression): string | undefined {
	return path.data || path.parts.length === 0 ? undefined : path.parts.join('.');
}

/** Parses `source` (the Subject, the Body…); a syntax error or an unknown helper names the field and the reason. */
function parseTemplate(source: string, field: string): hbs.AST.Program {
	let program: hbs.AST.Program;
	try {
		program = handlebars.parse(source);
	} catch (error) {
		throw new InvalidInputError(field, `a valid template (${syntaxReason(error as Error)})`, source);
	}
	// A call to a helper that does not exist would fail for every lead at send time: refuse it now.
	const visit = (node: unknown): void => {
		if (!node || typeof node !== 'object') return;
		const n = node as { type?: string; path?: hbs.AST.PathExpression; params?: unknown[]; hash?: unknown };
		if (n.type?.startsWith('Partial') || n.type?.startsWith('Decorator')) {
			throw new InvalidInputError(
				field,
				'a valid template (partials {{> name}} and decorators are not supported)',
				source,
			);
		}
		const isCall = (n.params?.length ?? 0) > 0 || !!n.hash;
		if (isCall && n.path?.type === 'PathExpression' && !CALLABLE.has(n.path.original)) {
			throw new InvalidInputError(
				field,
				`a valid template (unknown helper "${n.path.original}"; the helpers are ${[...CALLABLE].join(', ')})`,
				source,
			);
		}
		for (const value of Object.values(node)) {
			if (Array.isArray(value)) value.forEach(visit);
			else if (value && typeof value === 'object' && value !== node) visit(value);
		}
	};
	visit(program);
	return program;
}

interface CompiledTemplate {
	render: (context: object) => string;
	/** Variables whose value is printed (bare or through a formatter), which must not be blank. */
	required: Array<{ name: string; parts: string[] }>;
}

// Compiling is the slow part; scheduling renders the same few templates for many leads.
const compiled = new Map<string, CompiledTemplate>();
const MAX_CACHED = 500;

function compile(source: string, escapeHtml: boolean, field: string): CompiledTemplate {
	const key = `${escapeHtml ? 'h' : 't'}:${source}`;
	let template = compiled.get(key);
	if (!template) {
		const ast = parseTemplate(source, field);
		const render = handlebars.compile(ast, {
			noEscape: !escapeHtml,
			knownHelpers: Object.fromEntries([...HELPERS].map((h) => [h, true])),
		});
		template = { render, required: printedVariables(ast) };
		if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
		compiled.set(key, template);
	}
	return template;
}

/**
 * Variables printed on their own ({{company}}) or through a formatter ({{capitalize firstName}}), as opposed to
 * fallbacks or block parameters. Inside {{#if x}} the variable x is known to be set (and inside
 * {{#unless x}}…{{else}} too); inside #each, #with and sections the context is another object, so their
 * variables are not the lead's and are not checked.
 */
function printedVariables(program: hbs.AST.Program): Array<{ name: string; parts: string[] }> {
	const found = new Map<string, string[]>();
	const printed = (expression: hbs.AST.Expression | undefined, guarded: ReadonlySet<string>): void => {
		if (expression?.type === 'PathExpression') {
			const path = expression as hbs.AST.PathExpression;
			const name = variableName(path);
			if (name && !guarded.has(name)) found.set(name, path.parts);
		}
		if (expression?.type === 'SubExpression') call(expression as hbs.AST.SubExpression, guarded);
	};
	const call = (node: hbs.AST.MustacheStatement | hbs.AST.SubExpression, guarded: ReadonlySet<string>): void => {
		const helper = (node.path as hbs.AST.PathExpression).original;
		if (node.params.length === 0 && !HELPERS.has(helper)) printed(node.path, guarded);
		else if (FORMATTERS.has(helper)) printed(node.params[0], guarded);
	};
	const visit = (node: hbs.AST.Node | undefined, guarded: ReadonlySet<string>): void => {
		if (!node) return;
		if (node.type === 'Program') (node as hbs.AST.Program).body.forEach((child) => visit(child, guarded));
		if (node.type === 'MustacheStatement') call(node as hbs.AST.MustacheStatement, guarded);
		if (node.type === 'BlockStatement') {
			const block = node as hbs.AST.BlockStatement;
			const helper = (block.path as hbs.AST.PathExpression).original;
			if (helper !== 'if' && helper !== 'unless') return;
			const condition = block.params[0];
			const guard =
				condition?.type === 'PathExpression' ? variableName(condition as hbs.AST.PathExpression) : undefined;
			const withGuard = guard ? new Set([...guarded, guard]) : guarded;
			visit(block.program, helper === 'if' ? withGuard : guarded);
			visit(block.inverse, helper === 'unless' ? withGuard : guarded);
		}
	};
	visit(program, new Set());
	return [...found].map(([name, parts]) => ({ name, parts }));
}

/** A value as Handlebars prints it: own fields only, never what Object.prototype holds (constructor, toString…). */
function lookup(context: object, parts: string[]): unknown {
	return parts.reduce<unknown>(
		(value, key) =>
			value && typeof value === 'object' && Object.hasOwn(value, key)
				? (value as Record<string, unknown>)[key]
				: undefined,
		context,
	);
}

export interface RenderInput {
	subject: string;
	body: string;
}

/** Renders subject (plain text) and body (HTML: values are escaped) for one lead. */
export function renderMessage(template: RenderInput, context: object, seed: string): RenderInput {
	const render = (source: string, escapeHtml: boolean, part: 'subject' | 'body') => {
		const spun = resolveSpintax(source, `${seed}:${part}`);
		const { render: run, required } = compile(spun, escapeHtml, part === 'subject' ? 'Subject' : 'Body');
		const missing = required
			.filter((variable) => isBlank(lookup(context, variable.parts)))
			.map((variable) => variable.name);
		if (missing.length > 0) {
			throw new OphirError(
				`Template variable ${missing.map((m) => `"${m}"`).join(', ')} in the ${part} has no value for this lead`,
				`Give the lead that field, or a fallback: {{fallback ${/^[\w.]+$/.test(missing[0]) ? missing[0] : `[${missing[0]}]`} "there"}}`,
			);
		}
		return run(context);
	};
	return { subject: render(template.subject, false, 'subject'), body: render(template.body, true, 'body') };
}

/**
 * Names a template prints or passes to helpers, with every spintax option counted. Throws an InvalidInputError
 * naming `field` on a syntax error or an unknown helper, so templates are checked when they are saved.
 */
export function templateVariables(source: string, field = 'Template'): string[] {
	const found = new Set<string>();
	const visit = (node: unknown): void => {
		if (!node || typeof node !== 'object') return;
		const n = node as { type?: string; params?: unknown[]; hash?: unknown };
		if (n.type === 'PathExpression') {
			const path = node as hbs.AST.PathExpression;
			const name = variableName(path);
			if (name && !HELPERS.has(path.original)) found.add(name);
		}
		// A call's path names a helper ({{#if x}}, {{#each items}}, {{lookup a b}}), not a variable.
		const isCall = (n.params?.length ?? 0) > 0 || !!n.hash;
		for (const [key, value] of Object.entries(node)) {
			if (key === 'path' && isCall) continue;
			if (Array.isArray(value)) value.forEach(visit);
			else if (value && typeof value === 'object' && value !== n) visit(value);
		}
	};
	visit(parseTemplate(allSpins(source), field));
	return [...found].sort();
}

/**
 * The fields of a lead as templates see them: its data, then its own columns, each filling only what it
 * sets (a blank column does not hide the same field in data); template defaults fill what the lead leaves blank.
 */
export function leadRenderContext(
	lead: {
		email: string;
		firstName?: string | null;
		lastName?: string | null;
		company?: string | null;
		data?: Record<string, unknown> | null;
	},
	defaults: Record<string, unknown> = {},
): Record<string, unknown> {
	// Without a prototype, a field named __proto__ is stored as a field, not set as the context's prototype.
	const context: Record<string, unknown> = Object.assign(Object.create(null), defaults);
	const columns = { email: lead.email, firstName: lead.firstName, lastName: lead.lastName, company: lead.company };
	for (const [key, value] of [...Object.entries(lead.data ?? {}), ...Object.entries(columns)]) {
		if (!isBlank(value)) context[key] = value;
	}
	return context;
}
