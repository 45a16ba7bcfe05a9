import { InvalidInputError, OphirError } from '../../nodes/core/validation';
import { leadRenderContext, renderMessage, resolveSpintax, templateVariables } from '../../nodes/core/sending';

const lead = { email: 'ada@example.com', firstName: 'ada', lastName: 'Lovelace', company: 'Analytical & Co', city: '' };
const SEEDS = Array.from({ length: 40 }, (_, i) => `lead-${i}`);

/** What `text` resolves to across many seeds. */
const spins = (text: string) => new Set(SEEDS.map((seed) => resolveSpintax(text, seed)));

describe('template rendering', () => {
	it('renders variables and the helpers writers expect', () => {
		const { subject, body } = renderMessage(
			{
				subject: '{{capitalize firstName}}, a question about {{company}}',
				body: '<p>Hi {{capitalize firstName}} from {{fallback city "your city"}}, {{upper lastName}} {{lower "LOUD"}} {{formatDate "2026-03-08T12:00:00Z" "long"}}</p>',
			},
			lead,
			'lead-1',
		);
		// The subject is plain text; the body is HTML, so values are escaped there.
		expect(subject).toBe('Ada, a question about Analytical & Co');
		expect(body).toBe('<p>Hi Ada from your city, LOVELACE loud March 8, 2026</p>');
		expect(renderMessage({ subject: 's', body: '{{company}}' }, lead, 'x').body).toBe('Analytical &amp; Co');
	});

	it('fails naming the variable that has no value and no fallback', () => {
		expect(() =>
			renderMessage({ subject: 'Hi {{firstName}}', body: 'At {{city}} and {{title}}' }, lead, 'lead-1'),
		).toThrow('Template variable "city", "title" in the body has no value for this lead');
		expect(() => renderMessage({ subject: 'Hi {{nickname}}', body: 'b' }, lead, 'lead-1')).toThrow(
			/"nickname" in the subject/,
		);
	});

	it('treats a variable reshaped by a formatter like a printed one: missing is an error, a fallback or #if is fine', () => {
		for (const subject of [
			'Hi {{capitalize nickname}}',
			'Hi {{upper nickname}}',
			'Hi {{lower nickname}}',
			'On {{formatDate nickname}}',
		]) {
			expect(() => renderMessage({ subject, body: 'b' }, lead, 'x')).toThrow(
				'Template variable "nickname" in the subject has no value for this lead',
			);
		}
		expect(() => renderMessage({ subject: 's', body: '{{upper (capitalize nickname)}}' }, lead, 'x')).toThrow(
			/"nickname" in the body/,
		);
		const { subject, body } = renderMessage(
			{
				subject: 'Hi {{capitalize (fallback nickname "friend")}}',
				body: '{{#if nickname}}{{upper nickname}}{{else}}none{{/if}}',
			},
			lead,
			'x',
		);
		expect({ subject, body }).toEqual({ subject: 'Hi Friend', body: 'none' });
	});

	it('reads fields whose names need brackets, and hints the fallback in the same syntax', () => {
		const context = { ...lead, 'First Name': 'Grace', 'company.name': 'Dotted' };
		expect(
			renderMessage(
				{ subject: 's', body: '{{[First Name]}} {{[company.name]}} {{this.firstName}} {{./lastName}}' },
				context,
				'x',
			).body,
		).toBe('Grace Dotted ada Lovelace');
		let error: OphirError | undefined;
		try {
			renderMessage({ subject: 's', body: 'Hi {{[Job Title]}}' }, lead, 'x');
		} catch (e) {
			error = e as OphirError;
		}
		expect(error).toMatchObject({
			message: 'Template variable "Job Title" in the body has no value for this lead',
			description: 'Give the lead that field, or a fallback: {{fallback [Job Title] "there"}}',
		});
	});

	it('resolves spintax the same way for the same lead, and spreads choices across leads', () => {
		const text = '{Hi|Hello|Hey} {{firstName}}, {quick|short} {question|note}';
		expect(resolveSpintax(text, 'lead-1')).toBe(resolveSpintax(text, 'lead-1'));
		expect(resolveSpintax(text, 'lead-1')).toMatch(/^(Hi|Hello|Hey) \{\{firstName\}\}, (quick|short) (question|note)$/);
		const greetings = new Set(Array.from({ length: 60 }, (_, i) => resolveSpintax(text, `lead-${i}`).split(' ')[0]));
		expect(greetings).toEqual(new Set(['Hi', 'Hello', 'Hey']));
		expect(spins('{a|{b|c}}')).toEqual(new Set(['a', 'b', 'c']));
		expect(spins('{{x|y}|z}')).toEqual(new Set(['x', 'y', 'z']));
	});

	it('resolves spintax whose options are mustaches, right next to the braces', () => {
		// The first and last brace belong to the spintax, not to a triple-stache.
		expect(spins('{a|{{firstName}}}')).toEqual(new Set(['a', '{{firstName}}']));
		expect(spins('{{{firstName}}|there}')).toEqual(new Set(['{{firstName}}', 'there']));
		expect(spins('{ {{{company}}} |b}')).toEqual(new Set([' {{{company}}} ', 'b']));
		// A triple-stache on its own and block parameters stay as they are.
		expect(spins('{{{company}}} {{#each items as |item i|}}{{item}}{{/each}}')).toEqual(
			new Set(['{{{company}}} {{#each items as |item i|}}{{item}}{{/each}}']),
		);
		const bodies = new Set(
			SEEDS.map((seed) => renderMessage({ subject: 's', body: 'Hi {{{firstName}}|there}!' }, lead, seed).body),
		);
		expect(bodies).toEqual(new Set(['Hi ada!', 'Hi there!']));
	});

	it('resolves spintax inside a helper’s text argument', () => {
		const bodies = new Set(
			SEEDS.map(
				(seed) => renderMessage({ subject: 's', body: 'Hi {{fallback nickname "{pal|friend}"}}' }, lead, seed).body,
			),
		);
		expect(bodies).toEqual(new Set(['Hi pal', 'Hi friend']));
	});

	it('keeps unicode intact in spintax, values and helpers', () => {
		expect(spins('{Grüße 👋|こんにちは|Olá}')).toEqual(new Set(['Grüße 👋', 'こんにちは', 'Olá']));
		const context = { email: 'e@x.test', firstName: 'élodie', lastName: 'straße', company: '𐐨ompany' };
		expect(
			renderMessage(
				{ subject: '{{capitalize firstName}} {{capitalize company}}', body: '{{upper lastName}} {{lower "ÉCOLE"}}' },
				context,
				'x',
			),
		).toEqual({ subject: 'Élodie 𐐀ompany', body: 'STRASSE école' });
	});

	it('formats dates in a style and time zone, and a calendar date as written', () => {
		const body = (source: string, context: object = lead) =>
			renderMessage({ subject: 's', body: source }, context, 'x').body;
		expect(body('{{formatDate "2026-03-08T02:00:00Z" "long" "America/New_York"}}')).toBe('March 7, 2026');
		expect(body('{{formatDate "2026-03-08" "long" "America/New_York"}}')).toBe('March 8, 2026');
		expect(body('{{formatDate meeting "full"}}', { ...lead, meeting: '2026-03-08' })).toBe('Sunday, March 8, 2026');
		expect(body('{{formatDate 0 "short"}}')).toBe('1/1/70');
		expect(body('{{formatDate "soon"}}')).toBe('soon');
		expect(() => body('{{formatDate "2026-03-08" "long" "Mars/Olympus"}}')).toThrow(
			'formatDate: "Mars/Olympus" is not a time zone',
		);
	});

	it('reports a syntax error naming the part and what is wrong', () => {
		const attempt = () => renderMessage({ subject: 'Hi {{firstName', body: 'b' }, lead, 'x');
		expect(attempt).toThrow(InvalidInputError);
		expect(attempt).toThrow(
			'Subject must be a valid template (a {{ tag is not closed or holds a character it cannot, line 1 near "Hi {{firstName")',
		);
		expect(() => renderMessage({ subject: 's', body: '{{#if company}}x' }, lead, 'x')).toThrow(
			'Body must be a valid template (the text ends before a {{ tag or {{#block}} is closed, line 1 near "{{#if company}}x")',
		);
	});

	it.each([
		['{{#if x}}a{{/iff}}', '{{#if}} is closed by {{/iff}}, line 1'],
		['{{{firstName}}', 'unexpected "}}", line 1 near "{{{firstName}}"'],
		['one\n{{firstName}}}', 'unexpected "}}}", line 2 near "one{{firstName}}}"'],
		[
			'{Hi|Hello|Hey}\n{{#if company}}x',
			'the text ends before a {{ tag or {{#block}} is closed, line 2 near "...Hey{{#if company}}x"',
		],
		[
			'{{shout firstName}}',
			'unknown helper "shout"; the helpers are fallback, default, capitalize, upper, lower, formatDate, if, unless, each, with, lookup',
		],
		[
			'{{#repeat 3}}x{{/repeat}}',
			'unknown helper "repeat"; the helpers are fallback, default, capitalize, upper, lower, formatDate, if, unless, each, with, lookup',
		],
		['{{> footer}}', 'partials {{> name}} and decorators are not supported'],
	])('refuses %j when checking a template', (source, reason) => {
		expect(() => templateVariables(source, 'Body')).toThrow(`Body must be a valid template (${reason})`);
	});

	it('lists the variables a template uses, in every spintax option, without helpers or data variables', () => {
		expect(
			templateVariables(
				'{Hi {{firstName}}|Hello {{[Last Name]}}} {{fallback city "x"}} {{#if company}}{{upper company}}{{/if}} {{@index}} {{this.title}}',
			),
		).toEqual(['Last Name', 'city', 'company', 'firstName', 'title']);
		expect(templateVariables('{{{firstName}}|there}')).toEqual(['firstName']);
		expect(() => templateVariables('{{oops')).toThrow(/^Template must be a valid template/);
	});

	it('prints a field named __proto__ like any other, and never takes Object.prototype for a lead field', () => {
		const data = JSON.parse('{"__proto__": "Ada", "nested": {"x": 1}}') as Record<string, unknown>;
		const context = leadRenderContext({ email: 'a@x.test', data });
		expect(renderMessage({ subject: 'Hi {{__proto__}}', body: '{{[__proto__]}}' }, context, 'seed')).toEqual({
			subject: 'Hi Ada',
			body: 'Ada',
		});
		// Names Object.prototype holds are not the lead's: missing, so an error rather than a blank.
		for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'nested.constructor']) {
			const bare = leadRenderContext({ email: 'a@x.test', data: { nested: { x: 1 } } });
			expect(() => renderMessage({ subject: `Hi {{${name}}}`, body: 'x' }, bare, 'seed')).toThrow(
				`Template variable "${name}" in the subject has no value`,
			);
		}
	});

	it('keeps an object given as __proto__ as a field, not as the prototype of the context', () => {
		const data = JSON.parse('{"__proto__": {"polluted": "yes"}}') as Record<string, unknown>;
		const context = leadRenderContext({ email: 'a@x.test', data });
		expect(() => renderMessage({ subject: '{{polluted}}', body: 'x' }, context, 'seed')).toThrow(
			'Template variable "polluted"',
		);
		expect(renderMessage({ subject: '{{__proto__.polluted}}', body: 'x' }, context, 'seed').subject).toBe('yes');
		const defaults = JSON.parse('{"__proto__": {"fromDefaults": "yes"}}') as Record<string, unknown>;
		const withDefaults = leadRenderContext({ email: 'a@x.test' }, defaults);
		expect(() => renderMessage({ subject: '{{fromDefaults}}', body: 'x' }, withDefaults, 'seed')).toThrow(
			'Template variable "fromDefaults"',
		);
		expect(renderMessage({ subject: '{{__proto__.fromDefaults}}', body: 'x' }, withDefaults, 'seed').subject).toBe(
			'yes',
		);
	});

	it('builds the context from data, then the columns, then the template defaults for what stays blank', () => {
		expect(
			leadRenderContext(
				{
					email: 'a@x.test',
					firstName: null,
					lastName: '  ',
					company: 'Acme',
					data: { firstName: 'Ada', city: 'Paris', title: '' },
				},
				{ city: 'your city', title: 'there', lastName: 'friend', company: 'your team' },
			),
		).toEqual({
			email: 'a@x.test',
			firstName: 'Ada',
			lastName: 'friend',
			company: 'Acme',
			city: 'Paris',
			title: 'there',
		});
	});
});
