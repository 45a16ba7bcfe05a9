import { domainOf, requireEmail } from '../validation/emailAddress';
import { InvalidInputError } from '../validation/errors';
import { signedReturnPath } from '../tracking/returnPath';
import { requireQueueId, requireTrackingBaseUrl, trackingUrl } from '../tracking/trackingToken';

/**
 * Builds one outgoing cold email from an already rendered subject and body: numbers its links (the click
 * webhook redirects link i of a queue item to trackableLinks(stored body)[i]), rewrites them to tracked URLs, adds
 * the open pixel, the unsubscribe footer and headers (CAN-SPAM, RFC 8058 one-click) and a plain-text part.
 * Pure: no I/O, the same input always gives the same message.
 */
export interface ComposeInput {
	queueId: string;
	from: { email: string; name?: string };
	to: { email: string; name?: string };
	/** Already rendered. */
	subject: string;
	/** Already rendered body: HTML, or plain text with line breaks. */
	html: string;
	/** E.g. '<uuid@sender-domain>' (see messageIdFor). */
	messageId: string;
	/** Earlier steps' Message-IDs, oldest first: In-Reply-To is the last, References all of them. */
	previousMessageIds: string[];
	/** returnPath: send from a signed return path (returnPath.ts) so bounces prove which email they are about. */
	tracking: { opens: boolean; clicks: boolean; returnPath?: boolean; baseUrl: string; secret: string };
	/** text: the footer link's text; mailto: an address for List-Unsubscribe's mailto part. */
	unsubscribe: { text: string; mailto?: string };
	postalAddress?: string;
}

/** Shaped as nodemailer's Mail.Options: pass it to sendMail as is. */
export interface ComposedMessage {
	from: { name: string; address: string };
	to: { name: string; address: string };
	subject: string;
	html: string;
	text: string;
	messageId: string;
	inReplyTo?: string;
	references?: string[];
	headers: Record<string, string>;
	/** SMTP envelope, when the sender is a signed return path (the From header stays the mailbox). */
	envelope?: { from: string; to: string };
	/** The original URL of each link index, as trackableLinks(input.html) returns them. */
	links: string[];
}

// Header values must stay on one line: CR/LF would let a rendered subject or a lead's name add headers.
function hasControlCharacter(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
	}
	return false;
}
const MESSAGE_ID = /^<[^\s<>@]+@[^\s<>@]+>$/;
const MAX_LINKS = 0x10000; // a link index is 2 bytes in the token

function requireHeaderText(value: unknown, field: string): string {
	if (typeof value !== 'string' || hasControlCharacter(value)) {
		throw new InvalidInputError(field, 'a single line of text (no line breaks or control characters)', value);
	}
	return value;
}

function requireMessageId(value: unknown, field: string): string {
	if (typeof value !== 'string' || !MESSAGE_ID.test(value)) {
		throw new InvalidInputError(field, 'a Message-ID such as <id@example.com> (one line, in angle brackets)', value);
	}
	return value;
}

export function messageIdFor(queueId: string, senderEmail: string): string {
	return `<${requireQueueId(queueId)}@${domainOf(requireEmail(senderEmail, 'Sender email'))}>`;
}

// ---------------------------------------------------------------------------------------------------------------
// HTML scanning. Regular expressions rather than a DOM: email bodies are small, and the one rule that matters is
// that composeMessage and trackableLinks find the same links in the same order, which one shared scanner ensures.

const NAMED_ENTITIES: Record<string, string> = {
	amp: '&',
	AMP: '&',
	lt: '<',
	LT: '<',
	gt: '>',
	GT: '>',
	quot: '"',
	QUOT: '"',
	apos: "'",
	nbsp: '\u00a0',
	copy: '©',
	reg: '®',
	trade: '™',
	hellip: '…',
	mdash: '—',
	ndash: '–',
	lsquo: '‘',
	rsquo: '’',
	ldquo: '“',
	rdquo: '”',
	laquo: '«',
	raquo: '»',
	bull: '•',
	middot: '·',
	euro: '€',
	pound: '£',
	eacute: 'é',
	egrave: 'è',
	agrave: 'à',
	ccedil: 'ç',
	uuml: 'ü',
	ouml: 'ö',
	auml: 'ä',
	szlig: 'ß',
};

/** Decodes character references once (&amp;lt; becomes &lt;); unknown names stay as written. */
function decodeEntities(text: string): string {
	return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));/g, (match, dec, hex, name) => {
		if (name !== undefined) return Object.hasOwn(NAMED_ENTITIES, name) ? NAMED_ENTITIES[name] : match;
		const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex, 16);
		const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
		return valid ? String.fromCodePoint(code) : '\ufffd';
	});
}

function escapeHtml(text: string): string {
	return text
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

// A start tag, with quoted attribute values that may hold '>'.
const ANCHOR_TAG = /<a(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;
const ANY_TAG = /<\/?[A-Za-z][^\s/>]*(?:[^>"']|"[^"]*"|'[^']*')*>/g;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`]+)))?/g;

interface HrefAttribute {
	/** Offsets of the whole `href=…` text within the tag's attribute text. */
	start: number;
	end: number;
	raw: string;
}

/** The tag's first href attribute (HTML ignores repeats), found attribute by attribute so title="href=…" is not one. */
function hrefAttribute(attributes: string): HrefAttribute | undefined {
	for (const match of attributes.matchAll(ATTRIBUTE)) {
		if (match[1].toLowerCase() !== 'href') continue;
		const raw = match[2] ?? match[3] ?? match[4];
		return raw === undefined ? undefined : { start: match.index, end: match.index + match[0].length, raw };
	}
	return undefined;
}

/** The original URL of an href when it is a trackable http(s) link (HTML trims the attribute's whitespace). */
function httpUrl(rawHref: string): string | undefined {
	const url = decodeEntities(rawHref).trim();
	return /^https?:\/\/./i.test(url) ? url : undefined;
}

/**
 * A link as a Location header can carry it: the WHATWG serialisation percent-encodes what is not ASCII and drops
 * CR/LF (Node refuses such header values). Undefined for a link no browser could follow (`https://exa mple.com/`):
 * such a link keeps its index but is never wrapped, so the click redirect and the composer agree.
 */
export function redirectableUrl(link: string | undefined): string | undefined {
	if (!link) return undefined;
	try {
		const url = new URL(link);
		return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Visits every <a> with an http(s) href in document order, comments included (Outlook's conditional comments are
 * content). `replace` returns the start tag to keep; withHref(url) is the tag with only its href changed.
 */
function mapLinks(html: string, replace: (url: string, index: number, tag: string, withHref: (url: string) => string) => string) {
	let index = 0;
	return html.replace(ANCHOR_TAG, (tag: string, attributes: string) => {
		const href = hrefAttribute(attributes);
		const url = href && httpUrl(href.raw);
		if (url === undefined || href === undefined) return tag;
		const withHref = (newUrl: string) =>
			`${tag.slice(0, 2)}${attributes.slice(0, href.start)}href="${escapeHtml(newUrl)}"${attributes.slice(href.end)}>`;
		return replace(url, index++, tag, withHref);
	});
}

export function trackableLinks(html: string): string[] {
	const links: string[] = [];
	mapLinks(html, (url, _index, tag) => {
		links.push(url);
		return tag;
	});
	return links;
}

// ---------------------------------------------------------------------------------------------------------------
// Plain text part.

const BLOCK = /<\/?(?:p|div|h[1-6]|table|blockquote|ul|ol|pre|section|article|header|footer)\b(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
const LINE_END = /<(?:br|hr)\b(?:[^>"']|"[^"]*"|'[^']*')*>|<\/(?:tr|dt|dd)\s*>/gi;
const PLACEHOLDER = /\ue000(\d+)\ue001/g; // private-use characters, never in real text

/** Readable text for an HTML body: links as "text (url)", no images, scripts or styles, entities decoded. */
export function htmlToText(html: string): string {
	const pieces: string[] = [];
	const keep = (text: string) => `\ue000${pieces.push(text) - 1}\ue001`;
	const text = html
		.replace(/<!--[\s\S]*?(?:-->|$)/g, '')
		.replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)/gi, '')
		// Whitespace in HTML source is layout: a run of it shows as one space.
		.replace(/\s+/g, ' ')
		.replace(/<a(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>([\s\S]*?)<\/a\s*>/gi, (_m, attributes: string, inner) => {
			const label = decodeEntities(inner.replace(ANY_TAG, '')).replace(/\s+/g, ' ').trim();
			const raw = hrefAttribute(attributes)?.raw;
			const url = raw === undefined ? '' : decodeEntities(raw).trim();
			if (!/^(?:https?:|mailto:|tel:)/i.test(url)) return keep(label);
			const shown = url.replace(/^(?:mailto|tel):/i, '');
			return keep(!label ? url : label === url || label === shown ? label : `${label} (${url})`);
		})
		.replace(/<li\b[^>]*>/gi, '\n- ')
		.replace(LINE_END, '\n')
		.replace(/<\/t[dh]\s*>/gi, ' ')
		.replace(BLOCK, '\n\n')
		.replace(ANY_TAG, '');
	return decodeEntities(text)
		.replace(PLACEHOLDER, (_m, index: string) => pieces[Number(index)])
		.replace(/\u00a0/g, ' ')
		.split('\n')
		.map((line) => line.replace(/ {2,}/g, ' ').trim())
		.join('\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

// ---------------------------------------------------------------------------------------------------------------
// Composition.

const HAS_TAG = /<(?:[A-Za-z][A-Za-z0-9-]*(?:\s[^>]*)?\/?|\/[A-Za-z][A-Za-z0-9-]*\s*|!--[\s\S]*?--|!doctype[^>]*)>/i;

/** A plain-text body as HTML: escaped, blank lines separate paragraphs, single line breaks stay. */
function textToHtml(text: string): string {
	return text
		.replace(/\r\n?/g, '\n')
		.split(/\n[ \t]*\n/)
		.map((paragraph) => paragraph.trim())
		.filter((paragraph) => paragraph !== '')
		.map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>\n')}</p>`)
		.join('\n');
}

/** Inserts before the last </body>, or appends when the body is a fragment. */
function beforeBodyEnd(html: string, addition: string): string {
	const end = html.toLowerCase().lastIndexOf('</body');
	return end === -1 ? `${html}\n${addition}` : `${html.slice(0, end)}${addition}\n${html.slice(end)}`;
}

export function composeMessage(input: ComposeInput): ComposedMessage {
	const { queueId, tracking } = input;
	const fromEmail = requireEmail(input.from.email, 'Sender email');
	const toEmail = requireEmail(input.to.email, 'Recipient email');
	const fromName = requireHeaderText(input.from.name ?? '', 'Sender name').trim();
	const toName = requireHeaderText(input.to.name ?? '', 'Recipient name').trim();
	const subject = requireHeaderText(input.subject, 'Subject');
	const messageId = requireMessageId(input.messageId, 'Message ID');
	if (!Array.isArray(input.previousMessageIds)) {
		throw new InvalidInputError('Previous message IDs', 'a list of Message-IDs', input.previousMessageIds);
	}
	const previous = input.previousMessageIds.map((id) => requireMessageId(id, 'Previous message IDs'));
	if (typeof input.html !== 'string') throw new InvalidInputError('Body', 'text or HTML', input.html);
	const mailto = input.unsubscribe.mailto === undefined ? undefined : requireEmail(input.unsubscribe.mailto, 'Unsubscribe mailto');

	const base = requireTrackingBaseUrl(tracking.baseUrl);
	const url = (kind: 'open' | 'click' | 'unsubscribe', linkIndex?: number) =>
		trackingUrl(base, tracking.secret, queueId, kind, linkIndex);
	const unsubscribeUrl = url('unsubscribe');

	let html = HAS_TAG.test(input.html) ? input.html : textToHtml(input.html);
	const links = trackableLinks(html);
	if (links.length > MAX_LINKS) {
		throw new InvalidInputError('Number of links in the body', `at most ${MAX_LINKS}`, links.length);
	}
	if (tracking.clicks) {
		// A link into the tracking webhook (e.g. an unsubscribe link the template wrote), or one no browser could
		// follow, keeps its index but is not wrapped.
		html = mapLinks(html, (original, index, tag, withHref) =>
			original.startsWith(`${base}/`) || !redirectableUrl(original) ? tag : withHref(url('click', index)),
		);
	}

	const unsubscribeText = input.unsubscribe.text?.trim() || 'Unsubscribe';
	const address = input.postalAddress?.trim()
		? `<br>${escapeHtml(input.postalAddress.trim()).replace(/\r?\n/g, '<br>')}`
		: '';
	const footer =
		'<p style="font-size:12px;color:#888888;margin-top:24px">' +
		`<a href="${escapeHtml(unsubscribeUrl)}">${escapeHtml(unsubscribeText)}</a>${address}</p>`;
	html = beforeBodyEnd(html, footer);
	const text = htmlToText(html);
	if (tracking.opens) {
		const pixel = `<img src="${escapeHtml(url('open'))}" width="1" height="1" alt="" style="display:none">`;
		html = beforeBodyEnd(html, pixel);
	}

	const headers: Record<string, string> = {
		'List-Unsubscribe': `<${unsubscribeUrl}>${mailto ? `, <mailto:${mailto}?subject=unsubscribe>` : ''}`,
		'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
	};
	const returnPath = tracking.returnPath ? signedReturnPath(fromEmail, tracking.secret, queueId) : undefined;
	return {
		from: { name: fromName, address: fromEmail },
		to: { name: toName, address: toEmail },
		subject,
		html,
		text,
		messageId,
		...(previous.length > 0 ? { inReplyTo: previous[previous.length - 1], references: previous } : {}),
		headers,
		...(returnPath ? { envelope: { from: returnPath, to: toEmail } } : {}),
		links,
	};
}
