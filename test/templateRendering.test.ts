import { renderMessage, resolveSpintax } from '../nodes/core/templateRendering';

const lead = { email: 'ada@example.com', firstName: 'ada', lastName: 'Lovelace', company: 'Analytical & Co', city: '' };

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
		expect(() => renderMessage({ subject: 'Hi {{firstName}}', body: 'At {{city}} and {{title}}' }, lead, 'lead-1')).toThrow(
			'Template variable "city", "title" in the body has no value for this lead',
		);
		expect(() => renderMessage({ subject: 'Hi {{nickname}}', body: 'b' }, lead, 'lead-1')).toThrow(/"nickname" in the subject/);
	});

	it('resolves spintax the same way for the same lead, and spreads choices across leads', () => {
		const text = '{Hi|Hello|Hey} {{firstName}}, {quick|short} {question|note}';
		expect(resolveSpintax(text, 'lead-1')).toBe(resolveSpintax(text, 'lead-1'));
		expect(resolveSpintax(text, 'lead-1')).toMatch(/^(Hi|Hello|Hey) \{\{firstName\}\}, (quick|short) (question|note)$/);
		const greetings = new Set(Array.from({ length: 60 }, (_, i) => resolveSpintax(text, `lead-${i}`).split(' ')[0]));
		expect(greetings).toEqual(new Set(['Hi', 'Hello', 'Hey']));
		expect(resolveSpintax('{a|{b|c}}', 'x')).toMatch(/^(a|b|c)$/);
	});

	it('reports a syntax error in a template clearly', () => {
		expect(() => renderMessage({ subject: 'Hi {{firstName', body: 'b' }, lead, 'x')).toThrow(/^The template has a syntax error: Parse error on line 1:/);
	});
});
