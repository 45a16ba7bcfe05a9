import { InvalidInputError } from './errors';

// Practical address syntax (RFC 5321 dot-atom local part, LDH domain labels, alphabetic or punycode TLD such as
// xn--p1ai): what real mail servers accept, without quoted local parts or IP literals, which cold email never needs.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{0,58}[a-z0-9])$/;

/** Lower-cases and trims an address; undefined when it is not a usable email address. */
export function normalizeEmail(raw: unknown): string | undefined {
	if (typeof raw !== 'string') return undefined;
	const email = raw.trim().toLowerCase();
	if (email.length > 254) return undefined;
	const at = email.lastIndexOf('@');
	if (at < 1) return undefined;
	const local = email.slice(0, at);
	const domain = email.slice(at + 1);
	return local.length <= 64 && LOCAL_PART.test(local) && DOMAIN.test(domain) ? email : undefined;
}

/** Like normalizeEmail, but a bad address is an error naming the field. */
export function requireEmail(raw: unknown, field = 'Email'): string {
	const email = normalizeEmail(raw);
	if (!email) throw new InvalidInputError(field, 'a valid email address such as jane@example.com', raw);
	return email;
}

/** A bare domain (example.com), lower-cased; an address's domain part is accepted too (@example.com). */
export function normalizeDomain(raw: unknown): string | undefined {
	if (typeof raw !== 'string') return undefined;
	const domain = raw.trim().toLowerCase().replace(/^@/, '');
	return DOMAIN.test(domain) ? domain : undefined;
}

export function domainOf(email: string): string {
	return email.slice(email.lastIndexOf('@') + 1);
}
