import { simpleParser } from 'mailparser';

import { RETURN_PATH_TOKEN } from './returnPath';

/**
 * Classifies an email that arrived in OPhir's reply mailbox: a bounce (RFC 3464 DSN or a common non-standard one),
 * a complaint (RFC 5965 ARF), an auto-reply, a reply to one of our messages, or unknown. Pure: no database, no n8n.
 *
 * It takes the item n8n's Email Trigger (IMAP) v2 emits in any of its formats, or what that item is made from:
 * - 'resolved': mailparser's ParsedMail serialized, `headers` rewritten to { name: 'Name: value' } (the raw line,
 *   one per name), `attachments` moved to the item's `binary` (base64 `data` when n8n keeps binaries in memory);
 * - 'simple': `textPlain`, `textHtml`, from/to/cc/subject/date at the top level and every other header, decoded,
 *   under `metadata` (first value only);
 * - 'raw': `{ raw }` holding the message BODY ONLY (IMAP's TEXT section, as the server sent it, not base64 despite
 *   the option's description): the headers are missing, so only bounces and complaints can be recognised from it;
 * - a live ParsedMail, the full RFC 822 source as a string, or `{ raw }` with the full source (plain or base64).
 */

export type InboundKind = 'bounce' | 'auto_reply' | 'reply' | 'complaint' | 'unknown';

export interface InboundClassification {
	kind: InboundKind;
	/** DSN Status 5.x.x hard, 4.x.x (or Action: delayed) soft. */
	bounceType?: 'hard' | 'soft';
	/** E.g. '5.1.1'. */
	status?: string;
	/** E.g. 'smtp; 550 5.1.1 user unknown'. */
	diagnosticCode?: string;
	/** The recipient the report is about (bounce: Original-/Final-Recipient; complaint: Original-Rcpt-To), lower-case. */
	failedRecipient?: string;
	/** Sender address of the inbound email, lower-case. */
	from?: string;
	subject?: string;
	/**
	 * Message-IDs of ours this email refers to: In-Reply-To, References, and for bounces and complaints the original
	 * message's Message-ID from the attached message/rfc822 or text/rfc822-headers part. Angle-bracketed, deduplicated.
	 */
	referencedMessageIds: string[];
	/**
	 * Tokens of signed return paths (`local+b<token>@domain`, see returnPath.ts) found in To/Cc/Delivered-To and the
	 * like, or in the Return-Path of an attached original. Unverified here: only the tracking secret can tell ours.
	 */
	returnPathTokens?: string[];
	/** The Date header, as an ISO 8601 timestamp. */
	receivedAt?: string;
	/** First ~500 characters of the reply text without the quoted part. */
	textSnippet?: string;
	/** Why it was classified so (human readable). */
	reason?: string;
}

type Headers = Map<string, string[]>;

/** A part that carries a report or a copy of the original message, decoded to text. */
interface ReportPart {
	type: string;
	body: string;
}

/** What every input shape is reduced to before classifying. */
interface Email {
	headers: Headers;
	from?: string;
	subject?: string;
	date?: string;
	text: string;
	parts: ReportPart[];
	/** n8n's 'raw' format: the body without the message's headers. */
	bodyOnly: boolean;
}

const REPORT_TYPES = ['message/delivery-status', 'message/global-delivery-status', 'message/feedback-report', 'message/rfc822', 'message/global', 'text/rfc822-headers'];
const MAX_MIME_DEPTH = 8;
const MAX_MIME_PARTS = 200;
const SNIPPET_LENGTH = 500;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

function first(headers: Headers, name: string): string | undefined {
	return headers.get(name)?.[0];
}

function addHeader(headers: Headers, name: string, value: string): void {
	const key = name.trim().toLowerCase();
	if (!key) return;
	const values = headers.get(key);
	if (values) values.push(value.trim());
	else headers.set(key, [value.trim()]);
}

/** Headers of an RFC 822 header block (stops at the first blank line), unfolded, names lower-cased. */
function parseHeaderBlock(block: string): Headers {
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
	return colon > 0 && unfolded.slice(0, colon).trim().toLowerCase() === key ? unfolded.slice(colon + 1).trim() : unfolded.trim();
}

/** The main value and the parameters of a Content-Type header. */
function contentType(value: string | undefined): { type: string; params: Record<string, string> } {
	const [type = '', ...rest] = (value ?? '').split(';');
	const params: Record<string, string> = {};
	for (const param of rest) {
		const eq = param.indexOf('=');
		if (eq > 0) params[param.slice(0, eq).trim().toLowerCase()] = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
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

function htmlToText(html: string): string {
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

const ADDRESS = /[a-z0-9._%+'!#$&*/=?^`{|}~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,63}/i;

/** The mailbox of an address header value ('"Jane" <jane@x.com>', 'jane@x.com (Jane)'), lower-case. */
function addressIn(value: string | undefined): string | undefined {
	if (!value) return undefined;
	const angled = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
	const address = angled ? angled[1] : ADDRESS.exec(value)?.[0];
	return address?.toLowerCase();
}

function messageIdsIn(value: string | undefined): string[] {
	return value?.match(/<[^<>\s]+@[^<>\s]+>/g) ?? [];
}

function isoDate(value: unknown): string | undefined {
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
	if (typeof value !== 'string' || !value.trim()) return undefined;
	// Drop a trailing comment such as '(UTC)', which Date.parse refuses.
	const date = new Date(value.replace(/\s*\([^)]*\)\s*$/, ''));
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

// ---------------------------------------------------------------------------------------------------------------
// Input shapes

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

/** n8n binary properties kept in memory hold their content base64-encoded in `data`; stored ones only an id. */
function binaryParts(binary: unknown): ReportPart[] {
	if (!isObject(binary)) return [];
	return Object.values(binary).flatMap((entry): ReportPart[] => {
		if (!isObject(entry)) return [];
		const type = asString(entry.mimeType)?.toLowerCase() ?? '';
		const data = asString(entry.data);
		if (!REPORT_TYPES.includes(type) || !data || !/^[A-Za-z0-9+/=\s]+$/.test(data)) return [];
		return [{ type, body: Buffer.from(data, 'base64').toString('utf8') }];
	});
}

/** mailparser's ParsedMail, live (headerLines, attachments with Buffers) or as n8n's 'resolved' JSON. */
function fromParsedMail(mail: Record<string, unknown>, extraParts: ReportPart[]): Email {
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
	const from = isObject(mail.from) && Array.isArray(mail.from.value) && isObject(mail.from.value[0]) ? asString(mail.from.value[0].address) : undefined;
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

/** n8n's 'simple' format. */
function fromSimple(item: Record<string, unknown>, extraParts: ReportPart[]): Email {
	const headers: Headers = new Map();
	const metadata = isObject(item.metadata) ? item.metadata : {};
	for (const [key, value] of Object.entries(metadata)) {
		if (typeof value === 'string') addHeader(headers, key, value);
		else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') addHeader(headers, key, v);
	}
	for (const key of ['from', 'to', 'cc', 'subject', 'date']) {
		const value = asString(item[key]);
		if (value !== undefined) addHeader(headers, key, value);
	}
	return {
		headers,
		from: addressIn(first(headers, 'from')),
		subject: first(headers, 'subject'),
		date: isoDate(first(headers, 'date')),
		text: asString(item.textPlain) || htmlToText(asString(item.textHtml) ?? ''),
		parts: extraParts,
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

async function fromRaw(source: string): Promise<Email> {
	const raw = decodeIfBase64(source);
	const lead = raw.replace(/^(\s*\r?\n)+/, '');
	const bodyOnly = !HEADER_LINE.test(lead);
	// A body without its headers has lost its Content-Type; a MIME body names its boundary on its first line.
	const boundary = bodyOnly ? bodyBoundary(lead) : undefined;
	const full = bodyOnly ? `Content-Type: ${boundary ? `multipart/mixed; boundary="${boundary}"` : 'text/plain'}\r\n\r\n${lead}` : raw;
	const mail = await simpleParser(full, { skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true });
	const email = fromParsedMail(mail as unknown as Record<string, unknown>, []);
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

async function normalize(input: unknown): Promise<Email | string> {
	if (typeof input === 'string') return input.trim() ? fromRaw(input) : 'the email is empty';
	if (Buffer.isBuffer(input)) return fromRaw(input.toString('utf8'));
	if (!isObject(input)) return `expected an email item, received ${input === null ? 'null' : typeof input}`;
	// An n8n item: { json, binary }.
	const item = isObject(input.json) ? input.json : input;
	const extraParts = binaryParts(input.binary);
	if (typeof item.raw === 'string') return item.raw.trim() ? fromRaw(item.raw) : 'the email is empty';
	if (Array.isArray(item.headerLines) || isObject(item.headers) || item.headers instanceof Map) {
		return fromParsedMail(item, extraParts);
	}
	if ('textPlain' in item || 'textHtml' in item || isObject(item.metadata)) return fromSimple(item, extraParts);
	return 'the item is not an email in a known shape (n8n Email Trigger simple/resolved/raw, a ParsedMail or RFC 822 source)';
}

// ---------------------------------------------------------------------------------------------------------------
// Reports

interface DsnRecipient {
	action?: string;
	status?: string;
	finalRecipient?: string;
	originalRecipient?: string;
	diagnosticCode?: string;
}

/** RFC 3464 / RFC 5965 "Name: value" groups separated by blank lines, continuation lines unfolded. */
function fieldGroups(text: string): Array<Map<string, string>> {
	return text
		.split(/\r?\n[ \t]*\r?\n/)
		.map((block) => {
			const fields = new Map<string, string>();
			for (const [name, values] of parseHeaderBlock(block.replace(/^\s*\r?\n/, ''))) {
				if (/^[a-z][a-z0-9-]*$/.test(name)) fields.set(name, values[0].replace(/\s+/g, ' '));
			}
			return fields;
		})
		.filter((fields) => fields.size > 0);
}

/** An address-type field ('rfc822; Bob@Example.org'), its address lower-cased. */
function addressField(value: string | undefined): string | undefined {
	if (!value) return undefined;
	const semicolon = value.indexOf(';');
	return addressIn(semicolon === -1 ? value : value.slice(semicolon + 1));
}

const ENHANCED_STATUS = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)/;

function dsnRecipients(text: string): DsnRecipient[] {
	return fieldGroups(text)
		.filter((fields) => fields.has('final-recipient') || fields.has('original-recipient') || (fields.has('action') && fields.has('status')))
		.map((fields) => ({
			action: fields.get('action')?.toLowerCase().split(/[\s(]/)[0],
			status: ENHANCED_STATUS.exec(fields.get('status') ?? '')?.[0],
			finalRecipient: addressField(fields.get('final-recipient')),
			originalRecipient: addressField(fields.get('original-recipient')),
			diagnosticCode: fields.get('diagnostic-code'),
		}));
}

/** Message-IDs of the original message in attached copies, or in its headers quoted in the text. */
function originalMessageIds(email: Email): string[] {
	const ids: string[] = [];
	for (const part of email.parts) {
		if (part.type === 'message/rfc822' || part.type === 'message/global' || part.type === 'text/rfc822-headers') {
			ids.push(...(parseHeaderBlock(part.body).get('message-id') ?? []).flatMap(messageIdsIn));
		}
	}
	// Some servers quote the original headers in the notification text instead of attaching them.
	for (const match of email.text.matchAll(/^[ \t]*Message-ID:[ \t]*(<[^<>\s]+@[^<>\s]+>)/gim)) ids.push(match[1]);
	const own = messageIdsIn(first(email.headers, 'message-id'));
	return ids.filter((id) => !own.includes(id));
}

function bounceTypeOf(status: string | undefined, action: string | undefined, code?: string): 'hard' | 'soft' {
	if (action === 'delayed') return 'soft';
	if (status) return status.startsWith('4') ? 'soft' : 'hard';
	return code?.startsWith('4') ? 'soft' : 'hard';
}

interface Finding {
	kind: InboundKind;
	reason: string;
	fields?: Partial<InboundClassification>;
	/** Include the original message's Message-ID from the attached copy. */
	original?: boolean;
}

function standardBounce(email: Email, reportType: string | undefined): Finding | undefined {
	const statusParts = email.parts.filter((p) => p.type === 'message/delivery-status' || p.type === 'message/global-delivery-status');
	const recipients = statusParts.length ? statusParts.flatMap((p) => dsnRecipients(p.body)) : dsnRecipients(email.text);
	if (!recipients.length) return undefined;
	const failed =
		recipients.find((r) => r.action === 'failed') ??
		recipients.find((r) => r.action === 'delayed') ??
		recipients.find((r) => !r.action && r.status && r.status[0] !== '2');
	if (!failed) {
		// Delivered, relayed or expanded: a success notice, nothing to act on.
		return reportType === 'delivery-status' ? { kind: 'unknown', reason: `delivery status notification without a failure (Action: ${recipients[0].action ?? 'none'})` } : undefined;
	}
	const status = failed.status ?? ENHANCED_STATUS.exec(failed.diagnosticCode ?? '')?.[0];
	const bounceType = bounceTypeOf(status, failed.action, /\b([45])\d\d\b/.exec(failed.diagnosticCode ?? '')?.[1]);
	return {
		kind: 'bounce',
		reason: `delivery status notification (RFC 3464): Action ${failed.action ?? 'missing'}${status ? `, Status ${status}` : ''}, a ${bounceType} bounce`,
		fields: { bounceType, status, diagnosticCode: failed.diagnosticCode, failedRecipient: failed.originalRecipient ?? failed.finalRecipient },
		original: true,
	};
}

const DAEMON_SENDER = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;
const BOUNCE_SUBJECT =
	/undelivered mail returned to sender|delivery status notification \((failure|delay)\)|^\s*undeliverable:|^\s*undelivered:|mail delivery (failed|failure)|delivery (failure|has failed)|failure notice|returned mail|message not delivered|could not send message|nicht zustellbar|unzustellbar|non remis|no entregado|non recapitabile/i;

/** A bounce that is not a DSN: daemon sender or bounce subject, with the SMTP code and the address in the text. */
function nonStandardBounce(email: Email, reportType: string | undefined): Finding | undefined {
	// A DSN whose status part is missing (n8n's 'simple' format keeps only the text parts) is judged like these.
	const daemon = DAEMON_SENDER.test(email.from ?? '') || reportType === 'delivery-status';
	const subject = BOUNCE_SUBJECT.test(email.subject ?? '');
	const text = email.text;
	const enhanced = ENHANCED_STATUS.exec(text);
	const basic = /(?<![\d.])([45])\d\d(?=[\s-])(?![\d.])/.exec(text);
	if (!(daemon && subject) && !((daemon || subject) && (enhanced || basic))) return undefined;
	const status = enhanced?.[0];
	// The server's answer: from its reply code to the end of its first sentence.
	const codeAt = basic && (!enhanced || basic.index <= enhanced.index) ? basic.index : enhanced?.index;
	// Servers wrap it with indented continuation lines (Postfix) or mark its end with ' or ## (Exchange).
	const diagnostic = codeAt === undefined ? undefined : /^[^\n]*?(?=\.\s|'|\s*#*\s*$)/m.exec(text.slice(codeAt).replace(/\r?\n[ \t]+/g, ' '))?.[0];
	const own = new Set([email.from, ...(email.headers.get('to') ?? []).map(addressIn)]);
	const failedRecipient = [...text.matchAll(new RegExp(ADDRESS.source, 'gi'))]
		.map((m) => m[0].toLowerCase())
		.find((address) => !own.has(address) && !DAEMON_SENDER.test(address) && !isOwnOriginalSender(email, address));
	const delayed = /\(delay\)|delayed|warning/i.test(email.subject ?? '');
	const bounceType = delayed ? 'soft' : bounceTypeOf(status, undefined, basic?.[1]);
	return {
		kind: 'bounce',
		reason: `bounce notice${DAEMON_SENDER.test(email.from ?? '') ? ` from ${email.from}` : ''}${subject ? ` with subject "${email.subject}"` : ''}${status ? `, Status ${status}` : ''}, a ${bounceType} bounce`,
		fields: { bounceType, status, diagnosticCode: diagnostic?.replace(/\s+/g, ' ').trim().slice(0, 300) || undefined, failedRecipient },
		original: true,
	};
}

/** The sender named in a quoted copy of our original message is us, not the failed recipient. */
function isOwnOriginalSender(email: Email, address: string): boolean {
	return [...email.text.matchAll(/^[ \t]*From:[^\n]*$/gim)].some((m) => addressIn(m[0]) === address);
}

function complaint(email: Email, reportType: string | undefined): Finding | undefined {
	const reports = email.parts.filter((p) => p.type === 'message/feedback-report').map((p) => p.body);
	if (!reports.length && email.bodyOnly && /^Feedback-Type:/im.test(email.text)) reports.push(email.text);
	if (reportType !== 'feedback-report' && !reports.length) return undefined;
	const fields = reports.flatMap(fieldGroups).find((group) => group.has('feedback-type'));
	const original = email.parts.find((p) => p.type === 'message/rfc822' || p.type === 'text/rfc822-headers');
	const failedRecipient =
		addressIn(fields?.get('original-rcpt-to')) ?? addressIn(fields?.get('removal-recipient')) ?? addressIn(original && first(parseHeaderBlock(original.body), 'to'));
	return {
		kind: 'complaint',
		reason: `feedback report (RFC 5965)${fields?.get('feedback-type') ? `, Feedback-Type ${fields.get('feedback-type')}` : ''}`,
		fields: { failedRecipient },
		original: true,
	};
}

// ---------------------------------------------------------------------------------------------------------------
// Auto-replies

const AUTO_SUBJECT = new RegExp(
	[
		'out of (the )?office',
		'automatic reply',
		'auto(matic)?[ -]?(reply|response|respond|antwort)',
		'^\\s*auto:',
		'abwesenheitsnotiz',
		'automatische antwort',
		'r[ée]ponse automatique',
		'absence du bureau',
		'respuesta autom[áa]tica',
		'fuera de la oficina',
		'risposta automatica',
		'fuori ufficio',
		'resposta autom[áa]tica',
		'automatisch antwoord',
		'afwezigheidsmelding',
		'autosvar',
		'automaattinen vastaus',
		'automatyczna odpowied[źz]',
		'on vacation',
	].join('|'),
	'i',
);

function autoReply(email: Email): Finding | undefined {
	const autoSubmitted = first(email.headers, 'auto-submitted');
	if (autoSubmitted && autoSubmitted.split(/[;(\s]/)[0].toLowerCase() !== 'no') {
		return { kind: 'auto_reply', reason: `Auto-Submitted: ${autoSubmitted}` };
	}
	for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder']) {
		const value = first(email.headers, name);
		if (value !== undefined && !/^(no|false|0)$/i.test(value)) return { kind: 'auto_reply', reason: `${name} header present` };
	}
	const precedence = first(email.headers, 'precedence')?.toLowerCase();
	if (precedence === 'auto_reply') return { kind: 'auto_reply', reason: 'Precedence: auto_reply' };
	// X-Auto-Response-Suppress is set by Outlook on ordinary mail too, so it is never evidence on its own.
	if (AUTO_SUBJECT.test(email.subject ?? '')) {
		return { kind: 'auto_reply', reason: `auto-reply subject "${email.subject}"${precedence === 'bulk' || precedence === 'junk' ? ` with Precedence: ${precedence}` : ''}` };
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Reply text

const QUOTE_STARTS = [
	/^[ \t]*On\b[^\n]{0,300}(\n[^\n]{0,300})?\bwrote:[ \t]*$/im,
	/^[ \t]*Am\b[^\n]{0,300}(\n[^\n]{0,300})?\bschrieb[^\n]{0,100}:[ \t]*$/im,
	/^[ \t]*Le\b[^\n]{0,300}(\n[^\n]{0,300})?\ba écrit[ \t]*:[ \t]*$/im,
	/^[ \t]*El\b[^\n]{0,300}(\n[^\n]{0,300})?\bescribió[ \t]*:[ \t]*$/im,
	/^[ \t]*-{2,}[ \t]*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original)[ \t]*-{2,}/im,
	/^[ \t]*_{10,}[ \t]*$/m,
	/^[ \t]*From:[^\n]+\n[ \t]*(Sent|Date):/im,
	/^[ \t]*>/m,
];

function replySnippet(text: string): string | undefined {
	const cut = Math.min(...QUOTE_STARTS.map((pattern) => pattern.exec(text)?.index ?? text.length));
	const reply = text.slice(0, cut).replace(/\r\n/g, '\n').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
	if (!reply) return undefined;
	const chars = [...reply];
	return chars.length > SNIPPET_LENGTH ? chars.slice(0, SNIPPET_LENGTH).join('').trimEnd() + '…' : reply;
}

// ---------------------------------------------------------------------------------------------------------------

const RECIPIENT_HEADERS = ['to', 'cc', 'delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to'];

/** Where a bounce of ours was addressed (our envelope sender), or where the copy of our email says it was. */
function returnPathTokens(email: Email): string[] {
	const values = RECIPIENT_HEADERS.flatMap((name) => email.headers.get(name) ?? []);
	for (const part of email.parts) {
		if (part.type === 'message/rfc822' || part.type === 'message/global' || part.type === 'text/rfc822-headers') {
			values.push(...(parseHeaderBlock(part.body).get('return-path') ?? []));
		}
	}
	return dedupe(values.flatMap((value) => [...value.matchAll(RETURN_PATH_TOKEN)].map((match) => match[1].toLowerCase())));
}

function dedupe(ids: string[]): string[] {
	return [...new Set(ids)];
}

function classify(email: Email): InboundClassification {
	const { type, params } = contentType(first(email.headers, 'content-type'));
	const reportType = type === 'multipart/report' ? params['report-type']?.toLowerCase() : undefined;
	const threadIds = [...(email.headers.get('in-reply-to') ?? []), ...(email.headers.get('references') ?? [])].flatMap(messageIdsIn);
	const base: InboundClassification = {
		kind: 'unknown',
		from: email.from,
		subject: email.subject,
		referencedMessageIds: [],
		returnPathTokens: returnPathTokens(email),
		receivedAt: email.date,
	};

	const report = complaint(email, reportType) ?? standardBounce(email, reportType) ?? nonStandardBounce(email, reportType);
	if (report) {
		const ids = dedupe([...threadIds, ...(report.original ? originalMessageIds(email) : [])]);
		return prune({ ...base, ...report.fields, kind: report.kind, referencedMessageIds: ids, reason: report.reason });
	}

	const referencedMessageIds = dedupe(threadIds);
	const textSnippet = replySnippet(email.text);
	const auto = autoReply(email);
	if (auto) return prune({ ...base, kind: 'auto_reply', referencedMessageIds, textSnippet, reason: auto.reason });

	if (email.bodyOnly) {
		return prune({ ...base, textSnippet, reason: "only the body was given (n8n's 'raw' format has no headers): use the 'resolved' format to recognise replies" });
	}
	const tokens = base.returnPathTokens ?? [];
	if (referencedMessageIds.length || tokens.length) {
		const why = [
			referencedMessageIds.length ? `refers to ${referencedMessageIds.length} Message-ID(s) (In-Reply-To/References)` : '',
			tokens.length ? 'sent to a signed return path' : '',
		].filter(Boolean);
		return prune({ ...base, kind: 'reply', referencedMessageIds, textSnippet, reason: `a reply: ${why.join(' and ')}` });
	}
	return prune({ ...base, textSnippet, reason: 'no bounce, complaint or auto-reply markers, and no reference to a message of ours' });
}

/** Leaves out the optional fields that are undefined or empty, so results compare and serialize cleanly. */
function prune(result: InboundClassification): InboundClassification {
	for (const key of Object.keys(result) as Array<keyof InboundClassification>) {
		const value = result[key];
		if (value === undefined || value === '' || (key === 'returnPathTokens' && (value as string[]).length === 0)) delete result[key];
	}
	return result;
}

/** Classifies one inbound email; never throws: input it cannot read gives kind 'unknown' with the reason. */
export async function classifyInboundEmail(item: unknown): Promise<InboundClassification> {
	try {
		const email = await normalize(item);
		if (typeof email === 'string') return { kind: 'unknown', referencedMessageIds: [], reason: `unreadable input: ${email}` };
		return classify(email);
	} catch (error) {
		return { kind: 'unknown', referencedMessageIds: [], reason: `unreadable input: ${error instanceof Error ? error.message : String(error)}` };
	}
}
