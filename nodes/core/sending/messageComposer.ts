import { domainOf, requireEmail } from '../validation/emailAddress';
import { InvalidInputError } from '../validation/errors';
import { escapeHtml, htmlToText, mapLinks, redirectableUrl, trackableLinks } from './emailHtml';
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
	/** E.g. '<queue uuid.o<organization hex>@sender-domain>' (see messageIdFor). */
	messageId: string;
	/** Earlier steps' Message-IDs, oldest first: In-Reply-To is the last, References all of them. */
	previousMessageIds: string[];
	/**
	 * returnPath: send from a signed return path (returnPath.ts) so bounces prove which email they are about.
	 * secret: the organization's signing key (trackingKeys(...).signing); organizationId: the organization whose email
	 * this is, named in every tracking token and the return path (one tracking workflow serves every organization).
	 */
	tracking: {
		opens: boolean;
		clicks: boolean;
		returnPath?: boolean;
		baseUrl: string;
		secret: string;
		organizationId: string;
	};
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

/**
 * The Message-ID of a queue item's email: `<queue id.o<organization id, 32 hex digits>@sender domain>`. It names the
 * organization so that a reply in an operator's catch-all mailbox, whose In-Reply-To/References carry it, can be
 * routed to its organization (messageIdOrganization); that routing proves nothing, the proof is still an exact match
 * in email_queue.message_id inside that organization. Emails sent before had `<queue id@sender domain>`, stored as
 * sent, and stay valid. Derived from the queue id, so a re-send keeps it.
 */
export function messageIdFor(queueId: string, senderEmail: string, organizationId: string): string {
	const organization = requireQueueId(organizationId, 'Organization ID').replace(/-/g, '');
	return `<${requireQueueId(queueId)}.o${organization}@${domainOf(requireEmail(senderEmail, 'Sender email'))}>`;
}

const ORGANIZATION_MESSAGE_ID =
	/^<[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.o([0-9a-f]{32})@[^\s<>@]+>$/i;

/**
 * The organization a Message-ID of messageIdFor's form names (canonical UUID), or undefined for any other
 * Message-ID (an older email of ours, someone else's). Unverified: anyone can write such a Message-ID.
 */
export function messageIdOrganization(messageId: unknown): string | undefined {
	const hex = typeof messageId === 'string' ? ORGANIZATION_MESSAGE_ID.exec(messageId)?.[1]?.toLowerCase() : undefined;
	return hex && `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

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
	const mailto =
		input.unsubscribe.mailto === undefined ? undefined : requireEmail(input.unsubscribe.mailto, 'Unsubscribe mailto');

	const base = requireTrackingBaseUrl(tracking.baseUrl);
	const organizationId = requireQueueId(tracking.organizationId, 'Organization ID');
	const url = (kind: 'open' | 'click' | 'unsubscribe', linkIndex?: number) =>
		trackingUrl(base, tracking.secret, organizationId, queueId, kind, linkIndex);
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
	const returnPath = tracking.returnPath
		? signedReturnPath(fromEmail, tracking.secret, organizationId, queueId)
		: undefined;
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
