import {
	domainOf,
	InvalidInputError,
	normalizeDomain,
	normalizeEmail,
	requireEmail,
} from '../../nodes/core/validation';

describe('email addresses', () => {
	describe('normalizeEmail', () => {
		it.each([
			['jane@example.com', 'jane@example.com'],
			['  Jane.Doe@Example.COM ', 'jane.doe@example.com'],
			['\tjane@example.com\n', 'jane@example.com'],
			['\uFEFFjane@example.com', 'jane@example.com'],
			['jane+tag@mail.example.co.uk', 'jane+tag@mail.example.co.uk'],
			["o'brien@example.ie", "o'brien@example.ie"],
			['a.b-c_d@sub-domain.example.org', 'a.b-c_d@sub-domain.example.org'],
			['x@a1.io', 'x@a1.io'],
			['ivan@example.xn--p1ai', 'ivan@example.xn--p1ai'],
			['user@xn--bcher-kva.de', 'user@xn--bcher-kva.de'],
			[`${'l'.repeat(64)}@example.com`, `${'l'.repeat(64)}@example.com`],
			[`x@${'d'.repeat(63)}.com`, `x@${'d'.repeat(63)}.com`],
		])('accepts %j as %j', (raw, expected) => {
			expect(normalizeEmail(raw)).toBe(expected);
		});

		it.each<unknown>([
			'',
			'   ',
			'plainaddress',
			'jane@',
			'@example.com',
			'jane@example',
			'jane@@example.com',
			'jane@exa@mple.com',
			'jane doe@example.com',
			'jane..doe@example.com',
			'.jane@example.com',
			'jane.@example.com',
			'jane@-example.com',
			'jane@example-.com',
			'jane@example..com',
			'jane@example.c',
			'jane@example.123',
			'jane@example.xn--',
			'jane@[127.0.0.1]',
			'"jane doe"@example.com',
			'Jane <jane@example.com>',
			'mailto:jane@example.com',
			'jöhn@example.com',
			'john@bücher.de',
			'ja\u0000ne@example.com',
			'jane\uD800@example.com',
			`${'l'.repeat(65)}@example.com`,
			`x@${'d'.repeat(64)}.com`,
			`${'x'.repeat(10)}@${'d'.repeat(60)}.${'d'.repeat(60)}.${'d'.repeat(60)}.${'d'.repeat(60)}.com`,
			42,
			null,
			undefined,
			true,
			{ email: 'jane@example.com' },
			['jane@example.com'],
		])('rejects %p', (raw) => {
			expect(normalizeEmail(raw)).toBeUndefined();
		});
	});

	describe('requireEmail', () => {
		it('returns the normalized address', () => {
			expect(requireEmail(' JANE@example.com')).toBe('jane@example.com');
		});

		it('names the field, what was expected and what was received', () => {
			let error: unknown;
			try {
				requireEmail('nope');
			} catch (caught) {
				error = caught;
			}
			expect(error).toBeInstanceOf(InvalidInputError);
			expect(error).toMatchObject({
				field: 'Email',
				message: 'Email must be a valid email address such as jane@example.com',
				description: 'Received: "nope"',
			});
		});

		it('uses the field name it is given', () => {
			expect(() => requireEmail(undefined, 'Reply-To')).toThrow(
				'Reply-To must be a valid email address such as jane@example.com',
			);
			expect(() => requireEmail(null, 'From')).toThrow(expect.objectContaining({ description: 'Received: null' }));
		});
	});

	describe('normalizeDomain', () => {
		it.each([
			['example.com', 'example.com'],
			[' Example.COM ', 'example.com'],
			['@example.com', 'example.com'],
			['mail.example.co.uk', 'mail.example.co.uk'],
			['example.xn--p1ai', 'example.xn--p1ai'],
		])('accepts %j as %j', (raw, expected) => {
			expect(normalizeDomain(raw)).toBe(expected);
		});

		it.each<unknown>([
			'',
			'localhost',
			'example',
			'-example.com',
			'exa_mple.com',
			'jane@example.com',
			'@@example.com',
			'example.com.',
			7,
			null,
		])('rejects %p', (raw) => {
			expect(normalizeDomain(raw)).toBeUndefined();
		});
	});

	it('domainOf returns what follows the last @', () => {
		expect(domainOf('jane@example.com')).toBe('example.com');
		expect(domainOf('a@b.example.org')).toBe('b.example.org');
	});
});
