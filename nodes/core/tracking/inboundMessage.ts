import { simpleParser } from 'mailparser';

// An inbound email reduced to what classification reads (headers, sender, subject, date, text and the parts that
// carry a report or a copy of the original message), read from mailparser's ParsedMail or from the raw source.

export type Headers = Map<string, string[]>;

/** A part that carries a report or a copy of the original message, decoded to text. */
export interface ReportPart {
	type: string;
	body: string;
}

/** What every input shape is reduced to before classifying. */
export interface InboundMessage {
	headers: Headers;
	from?: string;
	subject?: string;
	date?: string;
	text: string;
	parts: ReportPart[];
	/** n8n's 'raw' format: the body without the message's headers. */
	bodyOnly: boolean;
}

export const REPORT_TYPES = [
	'message/delivery-status',
	'message/global-delivery-status',
	'message/feedback-report',
	'message/rfc822',
	'message/global',
	'text/rfc822-headers',
];
const MAX_MIME_DEPTH = 8;
const MAX_MIME_PARTS = 200;

// ---------------------------------------------------------------------------------------------------------------
// Header values and MIME entities

export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asString(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

export function first(headers: Headers, name: string): string | undefined {
	return headers.get(name)?.[0];
}

export function addHeader(headers: Headers, name: string, value: string): void {
	const key = name.trim().toLowerCase();
	if (!key) return;
	const values = headers.get(key);
	if (values) values.push(value.trim());
	else headers.set(key, [value.trim()]);
}

/** Headers of an RFC 822 header block (stops at the first blank line), unfolded, names lower-cased. */
export function parseHeaderBlock(block: string): Headers {
	const headers: Headers = new Map();
	const end = block.search(/\r?\n\r?\n/);
	const lines = (end === -1 ? block : block.slice(0, end)).split(/\r?\n/);
	let name: string | undefined;
	let value = '';
	for (const line of lines) {
		if (/^[ \t]/.test(line) && name !== undefined) {
			value += ' ' + line.trim();
			continue;
		}
		if (name !== undefined) addHeader(headers, name, value);
		const colon = line.indexOf(':');
		name = colon > 0 ? line.slice(0, colon) : undefined;
		value = colon > 0 ? line.slice(colon + 1) : '';
	}
	if (name !== undefined) addHeader(headers, name, value);
	return headers;
}

/** A header line as mailparser keeps it ('Name: value', possibly folded) reduced to its unfolded value. */
function lineValue(line: string, key: string): string {
	const unfolded = line.replace(/\r?\n[ \t]+/g, ' ');
	const colon = unfolded.indexOf(':');
	return colon > 0 && unfolded.slice(0, colon).trim().toLowerCase() === key
		? unfolded.slice(colon + 1).trim()
		: unfolded.trim();
}

/** The main value and the parameters of a Content-Type header. */
export function contentType(value: string | undefined): { type: string; params: Record<string, string> } {
	const [type = '', ...rest] = (value ?? '').split(';');
	const params: Record<string, string> = {};
	for (const param of rest) {
		const eq = param.indexOf('=');
		if (eq > 0)
			params[param.slice(0, eq).trim().toLowerCase()] = param
				.slice(eq + 1)
				.trim()
				.replace(/^"(.*)"$/, '$1');
	}
	return { type: type.trim().toLowerCase(), params };
}

function decodeQuotedPrintable(text: string): string {
	const soft = text.replace(/=\r?\n/g, '');
	const bytes: number[] = [];
	for (let i = 0; i < soft.length; i++) {
		if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
			bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			bytes.push(...Buffer.from(soft[i], 'utf8'));
		}
	}
	return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body: string, encoding: string | undefined): string {
	switch ((encoding ?? '').trim().toLowerCase()) {
		case 'base64':
			return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
		case 'quoted-printable':
			return decodeQuotedPrintable(body);
		default:
			return body;
	}
}

/**
 * The report parts of a raw MIME entity. mailparser is not enough here: it folds message/delivery-status into the
 * text and inlines a message/rfc822 marked inline without its Message-ID, which is exactly what a bounce needs.
 */
function reportParts(entity: string, depth = 0, found: ReportPart[] = []): ReportPart[] {
	if (depth > MAX_MIME_DEPTH || found.length >= MAX_MIME_PARTS) return found;
	const split = entity.search(/\r?\n\r?\n/);
	const headers = parseHeaderBlock(entity);
	const body = split === -1 ? '' : entity.slice(split).replace(/^\r?\n\r?\n/, '');
	const { type, params } = contentType(first(headers, 'content-type'));
	if (type.startsWith('multipart/') && params.boundary) {
		const delimiter = `--${params.boundary}`;
		const sections = body.split(/\r?\n/).reduce<string[][]>(
			(acc, line) => {
				if (line.startsWith(delimiter)) acc.push([]);
				else acc[acc.length - 1].push(line);
				return acc;
			},
			[[]],
		);
		// The first section is the preamble and a section after the closing delimiter is the epilogue.
		for (const section of sections.slice(1)) {
			if (found.length >= MAX_MIME_PARTS) break;
			reportParts(section.join('\r\n'), depth + 1, found);
		}
	} else if (REPORT_TYPES.includes(type)) {
		found.push({ type, body: decodeBody(body, first(headers, 'content-transfer-encoding')) });
	}
	return found;
}

export function htmlToText(html: string): string {
	return html
		.replace(/<(style|script|head)\b[\s\S]*?<\/\1>/gi, ' ')
		.replace(/<(br|\/p|\/div|\/h\d|\/li|\/tr)\b[^>]*>/gi, '\n')
		.replace(/<[^>]+>/g, '')
		.replace(/&nbsp;/gi, ' ')
		.replace(/&lt;/gi, '<')
		.replace(/&gt;/gi, '>')
		.replace(/&quot;/gi, '"')
		.replace(/&#39;/gi, "'")
		.replace(/&amp;/gi, '&');
}

export const ADDRESS = /[a-z0-9._%+'!#$&*/=?^`{|}~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,63}/i;

/** The mailbox of an address header value ('"Jane" <jane@x.com>', 'jane@x.com (Jane)'), lower-case. */
export function addressIn(value: string | undefined): string | undefined {
	if (!value) return undefined;
	const angled = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
	const address = angled ? angled[1] : ADDRESS.exec(value)?.[0];
	return address?.toLowerCase();
}

export function messageIdsIn(value: string | undefined): string[] {
	return value?.match(/<[^<>\s]+@[^<>\s]+>/g) ?? [];
}

export function isoDate(value: unknown): string | undefined {
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
	if (typeof value !== 'string' || !value.trim()) return undefined;
	// Drop a trailing comment such as '(UTC)', which Date.parse refuses.
	const date = new Date(value.replace(/\s*\([^)]*\)\s*$/, ''));
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

// ---------------------------------------------------------------------------------------------------------------
// ParsedMail and raw source

function attachmentParts(attachments: unknown): ReportPart[] {
	if (!Array.isArray(attachments)) return [];
	return attachments.flatMap((attachment): ReportPart[] => {
		if (!isObject(attachment)) return [];
		const type = asString(attachment.contentType)?.toLowerCase() ?? '';
		const content = attachment.content;
		if (!REPORT_TYPES.includes(type) || !Buffer.isBuffer(content)) return [];
		return [{ type, body: content.toString('utf8') }];
	});
}

/** mailparser's ParsedMail, live (headerLines, attachments with Buffers) or as n8n's 'resolved' JSON. */
export function messageFromParsedMail(mail: Record<string, unknown>, extraParts: ReportPart[]): InboundMessage {
	const headers: Headers = new Map();
	if (Array.isArray(mail.headerLines)) {
		for (const line of mail.headerLines) {
			if (isObject(line) && typeof line.key === 'string' && typeof line.line === 'string') {
				addHeader(headers, line.key, lineValue(line.line, line.key.toLowerCase()));
			}
		}
	} else if (isObject(mail.headers)) {
		for (const [key, line] of Object.entries(mail.headers)) {
			if (typeof line === 'string') addHeader(headers, key, lineValue(line, key.toLowerCase()));
		}
	}
	const from =
		isObject(mail.from) && Array.isArray(mail.from.value) && isObject(mail.from.value[0])
			? asString(mail.from.value[0].address)
			: undefined;
	const text = asString(mail.text) || htmlToText(asString(mail.html) ?? '');
	return {
		headers,
		from: from?.toLowerCase() || addressIn(first(headers, 'from')),
		subject: asString(mail.subject) ?? first(headers, 'subject'),
		date: isoDate(mail.date) ?? isoDate(first(headers, 'date')),
		text,
		parts: [...attachmentParts(mail.attachments), ...extraParts],
		bodyOnly: false,
	};
}

const HEADER_LINE = /^[!-9;-~]+:/;

/** n8n's 'raw' format says base64url but gives the body as the server sent it; accept real base64 too. */
function decodeIfBase64(raw: string): string {
	const compact = raw.replace(/\s+/g, '');
	if (compact.length < 16 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) return raw;
	const decoded = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
	return HEADER_LINE.test(decoded) && decoded.isWellFormed() && !decoded.includes('\uFFFD') ? decoded : raw;
}

/** The boundary of a MIME body: a '--token' line that the body closes with '--token--'. */
function bodyBoundary(body: string): string | undefined {
	for (const match of body.matchAll(/^--([^\s][^\r\n]{0,199}?)[ \t]*$/gm)) {
		if (body.includes(`--${match[1]}--`)) return match[1].replace(/--$/, '');
	}
	return undefined;
}

/** An RFC 822 source, or a body alone (n8n's 'raw' format), plain or base64. */
export async function parseRawMessage(source: string): Promise<InboundMessage> {
	const raw = decodeIfBase64(source);
	const lead = raw.replace(/^(\s*\r?\n)+/, '');
	const bodyOnly = !HEADER_LINE.test(lead);
	// A body without its headers has lost its Content-Type; a MIME body names its boundary on its first line.
	const boundary = bodyOnly ? bodyBoundary(lead) : undefined;
	const full = bodyOnly
		? `Content-Type: ${boundary ? `multipart/mixed; boundary="${boundary}"` : 'text/plain'}\r\n\r\n${lead}`
		: raw;
	const mail = await simpleParser(full, { skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true });
	const email = messageFromParsedMail(mail as unknown as Record<string, unknown>, []);
	// The walker sees every report part once; mailparser's attachment list would add some of them again.
	email.parts = reportParts(full);
	if (bodyOnly) {
		email.headers = new Map();
		email.subject = undefined;
		email.date = undefined;
		email.from = undefined;
		email.bodyOnly = true;
	}
	return email;
}
