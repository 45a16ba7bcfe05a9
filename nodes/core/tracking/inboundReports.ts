import {
	ADDRESS,
	addressIn,
	contentType,
	first,
	type InboundMessage,
	messageIdsIn,
	parseHeaderBlock,
} from './inboundMessage';

// Delivery reports in an inbound email: bounces (RFC 3464 DSNs, and the non-standard notices many servers still
// send) and complaints (RFC 5965 ARF feedback reports).

/** What a report says about the email it concerns. */
export interface ReportFields {
	/** DSN Status 5.x.x hard, 4.x.x (or Action: delayed) soft. */
	bounceType?: 'hard' | 'soft';
	/** E.g. '5.1.1'. */
	status?: string;
	/** E.g. 'smtp; 550 5.1.1 user unknown'. */
	diagnosticCode?: string;
	/** The recipient the report is about (bounce: Original-/Final-Recipient; complaint: Original-Rcpt-To), lower-case. */
	failedRecipient?: string;
}

/** A report found in an inbound email, and why it was read so. */
export interface ReportFinding {
	kind: 'bounce' | 'complaint' | 'unknown';
	reason: string;
	fields?: ReportFields;
	/** Include the original message's Message-ID from the attached copy. */
	original?: boolean;
}

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
		.filter(
			(fields) =>
				fields.has('final-recipient') ||
				fields.has('original-recipient') ||
				(fields.has('action') && fields.has('status')),
		)
		.map((fields) => ({
			action: fields.get('action')?.toLowerCase().split(/[\s(]/)[0],
			status: ENHANCED_STATUS.exec(fields.get('status') ?? '')?.[0],
			finalRecipient: addressField(fields.get('final-recipient')),
			originalRecipient: addressField(fields.get('original-recipient')),
			diagnosticCode: fields.get('diagnostic-code'),
		}));
}

/** Message-IDs of the original message in attached copies, or in its headers quoted in the text. */
export function originalMessageIds(email: InboundMessage): string[] {
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

function standardBounce(email: InboundMessage, reportType: string | undefined): ReportFinding | undefined {
	const statusParts = email.parts.filter(
		(p) => p.type === 'message/delivery-status' || p.type === 'message/global-delivery-status',
	);
	const recipients = statusParts.length ? statusParts.flatMap((p) => dsnRecipients(p.body)) : dsnRecipients(email.text);
	if (!recipients.length) return undefined;
	const failed =
		recipients.find((r) => r.action === 'failed') ??
		recipients.find((r) => r.action === 'delayed') ??
		recipients.find((r) => !r.action && r.status && r.status[0] !== '2');
	if (!failed) {
		// Delivered, relayed or expanded: a success notice, nothing to act on.
		return reportType === 'delivery-status'
			? {
					kind: 'unknown',
					reason: `delivery status notification without a failure (Action: ${recipients[0].action ?? 'none'})`,
				}
			: undefined;
	}
	const status = failed.status ?? ENHANCED_STATUS.exec(failed.diagnosticCode ?? '')?.[0];
	const bounceType = bounceTypeOf(status, failed.action, /\b([45])\d\d\b/.exec(failed.diagnosticCode ?? '')?.[1]);
	return {
		kind: 'bounce',
		reason: `delivery status notification (RFC 3464): Action ${failed.action ?? 'missing'}${status ? `, Status ${status}` : ''}, a ${bounceType} bounce`,
		fields: {
			bounceType,
			status,
			diagnosticCode: failed.diagnosticCode,
			failedRecipient: failed.originalRecipient ?? failed.finalRecipient,
		},
		original: true,
	};
}

const DAEMON_SENDER = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;
const BOUNCE_SUBJECT = new RegExp(
	[
		'undelivered mail returned to sender',
		String.raw`delivery status notification \((failure|delay)\)`,
		String.raw`^\s*undeliverable:`,
		String.raw`^\s*undelivered:`,
		'mail delivery (failed|failure)',
		'delivery (failure|has failed)',
		'failure notice|returned mail|message not delivered|could not send message',
		'nicht zustellbar|unzustellbar|non remis|no entregado|non recapitabile',
	].join('|'),
	'i',
);

/** A bounce that is not a DSN: daemon sender or bounce subject, with the SMTP code and the address in the text. */
function nonStandardBounce(email: InboundMessage, reportType: string | undefined): ReportFinding | undefined {
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
	const diagnostic =
		codeAt === undefined
			? undefined
			: /^[^\n]*?(?=\.\s|'|\s*#*\s*$)/m.exec(text.slice(codeAt).replace(/\r?\n[ \t]+/g, ' '))?.[0];
	const own = new Set([email.from, ...(email.headers.get('to') ?? []).map(addressIn)]);
	const failedRecipient = [...text.matchAll(new RegExp(ADDRESS.source, 'gi'))]
		.map((m) => m[0].toLowerCase())
		.find((address) => !own.has(address) && !DAEMON_SENDER.test(address) && !isOwnOriginalSender(email, address));
	const delayed = /\(delay\)|delayed|warning/i.test(email.subject ?? '');
	const bounceType = delayed ? 'soft' : bounceTypeOf(status, undefined, basic?.[1]);
	return {
		kind: 'bounce',
		reason: `bounce notice${DAEMON_SENDER.test(email.from ?? '') ? ` from ${email.from}` : ''}${subject ? ` with subject "${email.subject}"` : ''}${status ? `, Status ${status}` : ''}, a ${bounceType} bounce`,
		fields: {
			bounceType,
			status,
			diagnosticCode: diagnostic?.replace(/\s+/g, ' ').trim().slice(0, 300) || undefined,
			failedRecipient,
		},
		original: true,
	};
}

/** The sender named in a quoted copy of our original message is us, not the failed recipient. */
function isOwnOriginalSender(email: InboundMessage, address: string): boolean {
	return [...email.text.matchAll(/^[ \t]*From:[^\n]*$/gim)].some((m) => addressIn(m[0]) === address);
}

function complaint(email: InboundMessage, reportType: string | undefined): ReportFinding | undefined {
	const reports = email.parts.filter((p) => p.type === 'message/feedback-report').map((p) => p.body);
	if (!reports.length && email.bodyOnly && /^Feedback-Type:/im.test(email.text)) reports.push(email.text);
	if (reportType !== 'feedback-report' && !reports.length) return undefined;
	const fields = reports.flatMap(fieldGroups).find((group) => group.has('feedback-type'));
	const original = email.parts.find((p) => p.type === 'message/rfc822' || p.type === 'text/rfc822-headers');
	const failedRecipient =
		addressIn(fields?.get('original-rcpt-to')) ??
		addressIn(fields?.get('removal-recipient')) ??
		addressIn(original && first(parseHeaderBlock(original.body), 'to'));
	return {
		kind: 'complaint',
		reason: `feedback report (RFC 5965)${fields?.get('feedback-type') ? `, Feedback-Type ${fields.get('feedback-type')}` : ''}`,
		fields: { failedRecipient },
		original: true,
	};
}

/** The complaint or bounce report an email is, if any (checked in that order: ARF, DSN, non-standard notice). */
export function deliveryReport(email: InboundMessage): ReportFinding | undefined {
	const { type, params } = contentType(first(email.headers, 'content-type'));
	const reportType = type === 'multipart/report' ? params['report-type']?.toLowerCase() : undefined;
	return complaint(email, reportType) ?? standardBounce(email, reportType) ?? nonStandardBounce(email, reportType);
}
