// Reading an email's HTML: its trackable links and its plain-text form. Regular expressions rather than a DOM: email
// bodies are small, and the one rule that matters is that composeMessage and trackableLinks (the click webhook) find
// the same links in the same order, which one shared scanner ensures.

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
	return text.replace(
		/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));/g,
		(match, dec, hex, name) => {
			if (name !== undefined) return Object.hasOwn(NAMED_ENTITIES, name) ? NAMED_ENTITIES[name] : match;
			const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex, 16);
			const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
			return valid ? String.fromCodePoint(code) : '\ufffd';
		},
	);
}

export function escapeHtml(text: string): string {
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
export function mapLinks(
	html: string,
	replace: (url: string, index: number, tag: string, withHref: (url: string) => string) => string,
) {
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

const BLOCK =
	/<\/?(?:p|div|h[1-6]|table|blockquote|ul|ol|pre|section|article|header|footer)\b(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
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
