import {
	assertStorableJson,
	characterCount,
	InvalidInputError,
	optionalText,
	requiredText,
	storableJsonObject,
	storableText,
} from '../../nodes/core/validation';

const NO_NUL = (field: string) => `${field} must be text without NUL (\\u0000) characters`;
const NO_SURROGATE = (field: string) => `${field} must be valid Unicode text (no unpaired surrogate)`;
const PLAIN_JSON = 'plain JSON values (text, numbers, true/false, null, lists, objects)';

/** The InvalidInputError `run` throws (fails the test if it throws nothing or something else). */
function refusal(run: () => unknown): InvalidInputError {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(InvalidInputError);
		return error as InvalidInputError;
	}
	throw new Error('expected an InvalidInputError, but nothing was thrown');
}

describe('text checks shared by the core modules', () => {
	describe('characterCount', () => {
		it.each([
			['', 0],
			['abc', 3],
			['é', 1],
			['😀', 1],
			['👋👋', 2],
			['a😀b', 3],
		])('counts %j as %i characters, as PostgreSQL does (code points, not UTF-16 units)', (text, count) => {
			expect(characterCount(text)).toBe(count);
		});
	});

	describe('storableText', () => {
		it('returns well-formed text as it is, emoji included', () => {
			expect(storableText(' Zoë 🙂 ', 'Name')).toBe(' Zoë 🙂 ');
		});

		it.each([
			['a NUL character', 'a\u0000b', NO_NUL('Name')],
			['an unpaired high surrogate', 'a\uD83D', NO_SURROGATE('Name')],
			['an unpaired low surrogate', '\uDE00a', NO_SURROGATE('Name')],
			['two high surrogates in a row', '\uD83D\uD83D', NO_SURROGATE('Name')],
		])('refuses %s, naming the field and showing what was received', (_label, text, message) => {
			const error = refusal(() => storableText(text, 'Name'));
			expect(error.message).toBe(message);
			expect(error.field).toBe('Name');
			expect(error.description).toBe(`Received: ${JSON.stringify(text)}`);
		});
	});

	describe('requiredText', () => {
		it('trims the text', () => {
			expect(requiredText('  Acme \n', 'Name')).toBe('Acme');
		});

		it('keeps the surrounding whitespace when told to, and still refuses blank text', () => {
			expect(requiredText('\n<p>Hi</p>\n', 'Body', undefined, { trim: false })).toBe('\n<p>Hi</p>\n');
			expect(refusal(() => requiredText(' \n ', 'Body', undefined, { trim: false })).message).toBe(
				'Body must be a non-empty text',
			);
		});

		it.each<[unknown]>([[undefined], [null], [''], ['  \t '], [42], [true], [{ name: 'x' }], [['x']]])(
			'refuses %j as not a non-empty text',
			(value) => {
				expect(refusal(() => requiredText(value, 'Name', 10)).message).toBe('Name must be a non-empty text');
			},
		);

		it('accepts exactly `max` characters, counted as code points, and refuses one more', () => {
			expect(requiredText('😀'.repeat(5), 'Name', 5)).toBe('😀😀😀😀😀');
			expect(requiredText(`  ${'n'.repeat(5)}  `, 'Name', 5)).toBe('nnnnn');
			expect(refusal(() => requiredText('n'.repeat(6), 'Name', 5)).message).toBe('Name must be at most 5 characters');
		});

		it('has no length limit when no `max` is given', () => {
			expect(requiredText('x'.repeat(100_000), 'Body')).toHaveLength(100_000);
		});

		it('refuses text PostgreSQL cannot store, whether trimmed or not', () => {
			expect(refusal(() => requiredText('a\u0000', 'Name', 10)).message).toBe(NO_NUL('Name'));
			expect(refusal(() => requiredText('\uD800 body ', 'Body', undefined, { trim: false })).message).toBe(
				NO_SURROGATE('Body'),
			);
		});
	});

	describe('optionalText', () => {
		it.each<[unknown]>([[undefined], [null], [''], ['   ']])('gives null for %j', (value) => {
			expect(optionalText(value, 'Company', 10)).toBeNull();
		});

		it('trims the text and counts its characters as code points', () => {
			expect(optionalText(' Acme ', 'Company', 4)).toBe('Acme');
			expect(optionalText('🙂'.repeat(4), 'Company', 4)).toBe('🙂🙂🙂🙂');
			expect(refusal(() => optionalText('Acme!', 'Company', 4)).message).toBe('Company must be at most 4 characters');
		});

		it.each<[unknown]>([[42], [false], [{ name: 'Acme' }], [['Acme']]])(
			'refuses %j as not a text (never "[object Object]")',
			(value) => {
				expect(refusal(() => optionalText(value, 'Company', 10)).message).toBe('Company must be a text');
			},
		);

		it('refuses text PostgreSQL cannot store', () => {
			expect(refusal(() => optionalText('Ac\u0000me', 'Company')).message).toBe(NO_NUL('Company'));
			expect(refusal(() => optionalText('Acme\uDBFF', 'Company')).message).toBe(NO_SURROGATE('Company'));
		});
	});

	describe('assertStorableJson', () => {
		it('accepts any JSON value made of storable text', () => {
			expect(() => assertStorableJson({ a: [1, 'ü', { '🙂': null, b: true }], c: 'd' }, 'Data')).not.toThrow();
			for (const value of [null, 1, 'x', true, [], {}]) expect(() => assertStorableJson(value, 'Data')).not.toThrow();
		});

		it.each([
			['a NUL in a top-level text', 'a\u0000', NO_NUL('Data')],
			['a NUL in a key', { 'k\u0000': 1 }, NO_NUL('Data')],
			['a NUL deep in lists and objects', { a: [{ b: ['ok', 'x\u0000'] }] }, NO_NUL('Data')],
			['an unpaired surrogate in a nested key', { a: { ['\uDC00']: 1 } }, NO_SURROGATE('Data')],
			['an unpaired surrogate in a list', ['fine', '\uD800'], NO_SURROGATE('Data')],
		])('refuses %s, naming the field', (_label, value, message) => {
			expect(refusal(() => assertStorableJson(value, 'Data')).message).toBe(message);
		});
	});

	describe('storableJsonObject', () => {
		const EXPECTED = 'an object of names and values';

		it('gives an empty object for nothing', () => {
			for (const value of [undefined, null, '']) expect(storableJsonObject(value, 'Settings', EXPECTED)).toEqual({});
		});

		it('parses JSON text and returns a copy exactly as it will be stored', () => {
			expect(storableJsonObject('{"a": [1, "b"]}', 'Settings', EXPECTED)).toEqual({ a: [1, 'b'] });
			const given = { when: new Date('2026-01-02T03:04:05.000Z'), gone: undefined, nested: { n: 1 } };
			const stored = storableJsonObject(given, 'Settings', EXPECTED);
			expect(stored).toStrictEqual({ when: '2026-01-02T03:04:05.000Z', nested: { n: 1 } });
			expect(stored.nested).not.toBe(given.nested);
		});

		it.each<[string, unknown, string]>([
			['JSON text that does not parse', '{a: 1}', 'Settings must be valid JSON'],
			['a list', [1, 2], `Settings must be ${EXPECTED}`],
			['JSON text of a list', '[1]', `Settings must be ${EXPECTED}`],
			['a number', 7, `Settings must be ${EXPECTED}`],
			['a BigInt value', { n: BigInt(1) }, `Settings must be ${PLAIN_JSON}`],
			['a NUL escaped in JSON text', '{"a": "\\u0000"}', NO_NUL('Settings')],
			['an unpaired surrogate escaped in JSON text', '{"a": "\\ud800"}', NO_SURROGATE('Settings')],
		])('refuses %s, naming the field', (_label, value, message) => {
			expect(refusal(() => storableJsonObject(value, 'Settings', EXPECTED)).message).toBe(message);
		});

		it('refuses a cycle, which JSON cannot hold', () => {
			const cyclic: Record<string, unknown> = {};
			cyclic.self = cyclic;
			expect(refusal(() => storableJsonObject(cyclic, 'Settings', EXPECTED)).message).toBe(
				`Settings must be ${PLAIN_JSON}`,
			);
		});
	});
});
