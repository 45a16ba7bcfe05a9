import { readInboundItem } from './inboundItems';
import { first, type InboundMessage, messageIdsIn, parseHeaderBlock } from './inboundMessage';
import { deliveryReport, originalMessageIds, type ReportFields } from './inboundReports';
import { RETURN_PATH_TOKEN } from './returnPath';

// Classifies an email that arrived in OPhir's reply mailbox: a bounce (RFC 3464 DSN or a common non-standard one),
// a complaint (RFC 5965 ARF), an auto-reply, a reply to one of our messages, or unknown. Pure: no database, no n8n.
// The inputs it reads are listed in inboundItems.ts, the reports it recognises in inboundReports.ts.

export type InboundKind = 'bounce' | 'auto_reply' | 'reply' | 'complaint' | 'unknown';

export interface InboundClassification extends ReportFields {
	kind: InboundKind;
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

const SNIPPET_LENGTH = 500;

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

/** Why an email is an automatic reply, or undefined when nothing says so. */
function autoReplyReason(email: InboundMessage): string | undefined {
	const autoSubmitted = first(email.headers, 'auto-submitted');
	if (autoSubmitted && autoSubmitted.split(/[;(\s]/)[0].toLowerCase() !== 'no') {
		return `Auto-Submitted: ${autoSubmitted}`;
	}
	for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder']) {
		const value = first(email.headers, name);
		if (value !== undefined && !/^(no|false|0)$/i.test(value)) return `${name} header present`;
	}
	const precedence = first(email.headers, 'precedence')?.toLowerCase();
	if (precedence === 'auto_reply') return 'Precedence: auto_reply';
	// X-Auto-Response-Suppress is set by Outlook on ordinary mail too, so it is never evidence on its own.
	if (AUTO_SUBJECT.test(email.subject ?? '')) {
		return `auto-reply subject "${email.subject}"${precedence === 'bulk' || precedence === 'junk' ? ` with Precedence: ${precedence}` : ''}`;
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
	const reply = text
		.slice(0, cut)
		.replace(/\r\n/g, '\n')
		.replace(/[ \t]+\n/g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
	if (!reply) return undefined;
	const chars = [...reply];
	return chars.length > SNIPPET_LENGTH ? chars.slice(0, SNIPPET_LENGTH).join('').trimEnd() + '…' : reply;
}

// ---------------------------------------------------------------------------------------------------------------
// Classification

const RECIPIENT_HEADERS = ['to', 'cc', 'delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to'];

/** Where a bounce of ours was addressed (our envelope sender), or where the copy of our email says it was. */
function returnPathTokens(email: InboundMessage): string[] {
	const values = RECIPIENT_HEADERS.flatMap((name) => email.headers.get(name) ?? []);
	for (const part of email.parts) {
		if (part.type === 'message/rfc822' || part.type === 'message/global' || part.type === 'text/rfc822-headers') {
			values.push(...(parseHeaderBlock(part.body).get('return-path') ?? []));
		}
	}
	return dedupe(
		values.flatMap((value) => [...value.matchAll(RETURN_PATH_TOKEN)].map((match) => match[1].toLowerCase())),
	);
}

function dedupe(ids: string[]): string[] {
	return [...new Set(ids)];
}

function classify(email: InboundMessage): InboundClassification {
	const threadIds = [...(email.headers.get('in-reply-to') ?? []), ...(email.headers.get('references') ?? [])].flatMap(
		messageIdsIn,
	);
	const base: InboundClassification = {
		kind: 'unknown',
		from: email.from,
		subject: email.subject,
		referencedMessageIds: [],
		returnPathTokens: returnPathTokens(email),
		receivedAt: email.date,
	};

	const report = deliveryReport(email);
	if (report) {
		const ids = dedupe([...threadIds, ...(report.original ? originalMessageIds(email) : [])]);
		return prune({ ...base, ...report.fields, kind: report.kind, referencedMessageIds: ids, reason: report.reason });
	}

	const referencedMessageIds = dedupe(threadIds);
	const textSnippet = replySnippet(email.text);
	const autoReply = autoReplyReason(email);
	if (autoReply) return prune({ ...base, kind: 'auto_reply', referencedMessageIds, textSnippet, reason: autoReply });

	if (email.bodyOnly) {
		return prune({
			...base,
			textSnippet,
			reason:
				"only the body was given (n8n's 'raw' format has no headers): use the 'resolved' format to recognise replies",
		});
	}
	const tokens = base.returnPathTokens ?? [];
	if (referencedMessageIds.length || tokens.length) {
		const why = [
			referencedMessageIds.length
				? `refers to ${referencedMessageIds.length} Message-ID(s) (In-Reply-To/References)`
				: '',
			tokens.length ? 'sent to a signed return path' : '',
		].filter(Boolean);
		return prune({
			...base,
			kind: 'reply',
			referencedMessageIds,
			textSnippet,
			reason: `a reply: ${why.join(' and ')}`,
		});
	}
	return prune({
		...base,
		textSnippet,
		reason: 'no bounce, complaint or auto-reply markers, and no reference to a message of ours',
	});
}

/** Leaves out the optional fields that are undefined or empty, so results compare and serialize cleanly. */
function prune(result: InboundClassification): InboundClassification {
	for (const key of Object.keys(result) as Array<keyof InboundClassification>) {
		const value = result[key];
		if (value === undefined || value === '' || (key === 'returnPathTokens' && (value as string[]).length === 0))
			delete result[key];
	}
	return result;
}

/** Classifies one inbound email; never throws: input it cannot read gives kind 'unknown' with the reason. */
export async function classifyInboundEmail(item: unknown): Promise<InboundClassification> {
	try {
		const email = await readInboundItem(item);
		if (typeof email === 'string')
			return { kind: 'unknown', referencedMessageIds: [], reason: `unreadable input: ${email}` };
		return classify(email);
	} catch (error) {
		return {
			kind: 'unknown',
			referencedMessageIds: [],
			reason: `unreadable input: ${error instanceof Error ? error.message : String(error)}`,
		};
	}
}
