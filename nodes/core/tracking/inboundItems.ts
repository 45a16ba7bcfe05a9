import {
	addHeader,
	addressIn,
	asString,
	first,
	type Headers,
	htmlToText,
	type InboundMessage,
	isObject,
	isoDate,
	messageFromParsedMail,
	parseRawMessage,
	REPORT_TYPES,
	type ReportPart,
} from './inboundMessage';

// The inputs Process Inbound Email reads: the item n8n's Email Trigger (IMAP) v2 emits in any of its formats, or
// what that item is made from:
// - 'resolved': mailparser's ParsedMail serialized, `headers` rewritten to { name: 'Name: value' } (the raw line,
//   one per name), `attachments` moved to the item's `binary` (base64 `data` when n8n keeps binaries in memory);
// - 'simple': `textPlain`, `textHtml`, from/to/cc/subject/date at the top level and every other header, decoded,
//   under `metadata` (first value only);
// - 'raw': `{ raw }` holding the message BODY ONLY (IMAP's TEXT section, as the server sent it, not base64 despite
//   the option's description): the headers are missing, so only bounces and complaints can be recognised from it;
// - a live ParsedMail, the full RFC 822 source as a string, or `{ raw }` with the full source (plain or base64).

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

/** n8n's 'simple' format. */
function fromSimple(item: Record<string, unknown>, extraParts: ReportPart[]): InboundMessage {
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

/** The message an input holds, or why it cannot be read. */
export async function readInboundItem(input: unknown): Promise<InboundMessage | string> {
	if (typeof input === 'string') return input.trim() ? parseRawMessage(input) : 'the email is empty';
	if (Buffer.isBuffer(input)) return parseRawMessage(input.toString('utf8'));
	if (!isObject(input)) return `expected an email item, received ${input === null ? 'null' : typeof input}`;
	// An n8n item: { json, binary }.
	const item = isObject(input.json) ? input.json : input;
	const extraParts = binaryParts(input.binary);
	if (typeof item.raw === 'string') return item.raw.trim() ? parseRawMessage(item.raw) : 'the email is empty';
	if (Array.isArray(item.headerLines) || isObject(item.headers) || item.headers instanceof Map) {
		return messageFromParsedMail(item, extraParts);
	}
	if ('textPlain' in item || 'textHtml' in item || isObject(item.metadata)) return fromSimple(item, extraParts);
	return 'the item is not an email in a known shape (n8n Email Trigger simple/resolved/raw, a ParsedMail or RFC 822 source)';
}
