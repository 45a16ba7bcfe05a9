import { readFileSync } from 'fs';
import { join } from 'path';
import { type ParsedMail, simpleParser } from 'mailparser';

import { classifyInboundEmail, type InboundClassification } from '../../nodes/core/tracking';

/**
 * Unit tests (no database): every fixture goes through every input shape n8n's Email Trigger (IMAP) v2 can give,
 * built the way n8n builds them (packages/nodes-base/nodes/EmailReadImap/v2/utils.ts):
 * - 'resolved': simpleParser's result, headers rewritten to { key: line }, attachments moved to base64 binaries;
 * - 'simple': textPlain/textHtml of the first text parts, from/to/cc/subject/date on top, other headers in metadata;
 * - 'raw': `{ raw }` with the body only (IMAP TEXT section), which loses every header.
 */

const FIXTURES = join(__dirname, '..', 'fixtures', 'inbound');

/** A fixture as it travels over SMTP/IMAP: CRLF line ends. */
function fixture(name: string): string {
	return readFileSync(join(FIXTURES, `${name}.eml`), 'utf8').replace(/\r?\n/g, '\r\n');
}

function bodyOf(source: string): string {
	return source.slice(source.indexOf('\r\n\r\n') + 4);
}

/** The JSON n8n's 'resolved' format emits (parseRawEmail + deepCopy), with binaries kept in memory (base64). */
async function resolvedItem(
	source: string,
): Promise<{ json: Record<string, unknown>; binary?: Record<string, unknown> }> {
	const parsed = await simpleParser(source);
	const headers: Record<string, string> = {};
	for (const header of parsed.headerLines) headers[header.key] = header.line;
	const binary = Object.fromEntries(
		parsed.attachments.map((a, i) => [
			`attachment_${i}`,
			{ data: a.content.toString('base64'), mimeType: a.contentType, fileName: a.filename },
		]),
	);
	const json = JSON.parse(
		JSON.stringify({ ...parsed, headers, headerLines: undefined, attachments: undefined }),
	) as Record<string, unknown>;
	json.attributes = { uid: 42 };
	return { json, binary: parsed.attachments.length ? binary : undefined };
}

/** Header fields of a header block, unfolded, names lower-cased: what @n8n/imap's parseHeaders gives. */
function headerFields(block: string): Array<[string, string]> {
	const unfolded = block.slice(0, block.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
	return unfolded.split('\r\n').map((line) => {
		const colon = line.indexOf(':');
		return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
	});
}

function decodeQuotedPrintable(text: string): string {
	const bytes = text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => `%${hex}`);
	return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/g, '%25'));
}

/** The first leaf of a MIME type, decoded, as imapflow's downloadText finds it ('' when there is none). */
function firstLeaf(entity: string, type: string): string {
	const headers = new Map(headerFields(entity));
	const contentType = headers.get('content-type') ?? 'text/plain';
	const body = bodyOf(entity);
	const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
	if (contentType.toLowerCase().startsWith('multipart/') && boundary) {
		for (const section of body.split(`--${boundary}`).slice(1)) {
			if (section.startsWith('--')) break;
			const found = firstLeaf(section.replace(/^\r\n/, ''), type);
			if (found) return found;
		}
		return '';
	}
	if (!contentType.toLowerCase().startsWith(type)) return '';
	return headers.get('content-transfer-encoding')?.toLowerCase() === 'quoted-printable'
		? decodeQuotedPrintable(body)
		: body;
}

/** The JSON n8n's 'simple' format emits. */
function simpleItem(source: string): { json: Record<string, unknown> } {
	const json: Record<string, unknown> = {
		textHtml: firstLeaf(source, 'text/html'),
		textPlain: firstLeaf(source, 'text/plain'),
		metadata: {},
		attributes: { uid: 42 },
	};
	for (const [name, value] of headerFields(source)) {
		if (['cc', 'date', 'from', 'subject', 'to'].includes(name)) json[name] ??= value;
		else (json.metadata as Record<string, string>)[name] ??= value;
	}
	return { json };
}

/** The classification without the fields a shape cannot carry. */
function without(
	result: InboundClassification,
	...keys: Array<keyof InboundClassification>
): Partial<InboundClassification> {
	return Object.fromEntries(
		Object.entries(result).filter(([key]) => !keys.includes(key as keyof InboundClassification)),
	);
}

const OUR_ID = (uuid: string) => `<${uuid}@acme-outreach.com>`;

/** What every shape that carries the whole message must give. */
const EXPECTED: Record<string, InboundClassification> = {
	'postfix-dsn-user-unknown': {
		kind: 'bounce',
		bounceType: 'hard',
		status: '5.1.1',
		diagnosticCode:
			'smtp; 550 5.1.1 <Bob.Stone@Globex.example>: Recipient address rejected: User unknown in virtual mailbox table',
		failedRecipient: 'bob.stone@globex.example',
		from: 'mailer-daemon@mx1.acme-outreach.com',
		subject: 'Undelivered Mail Returned to Sender',
		referencedMessageIds: [OUR_ID('3f1c2a9e-7b4d-4e21-9a53-0c8d6e2f1a01')],
		receivedAt: '2026-11-03T10:15:07.000Z',
		reason: 'delivery status notification (RFC 3464): Action failed, Status 5.1.1, a hard bounce',
	},
	'exchange-ndr-recipient-not-found': {
		kind: 'bounce',
		bounceType: 'hard',
		status: '5.1.10',
		diagnosticCode: 'smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
		failedRecipient: 'peter.gibbons@initech.example',
		from: 'postmaster@initech.onmicrosoft.com',
		subject: 'Undeliverable: Following up on our call',
		referencedMessageIds: [OUR_ID('7a9d0c11-5e2f-4b6a-8c3d-2e1f0a9b8c77')],
		receivedAt: '2026-11-03T10:21:33.000Z',
		reason: 'delivery status notification (RFC 3464): Action failed, Status 5.1.10, a hard bounce',
	},
	'soft-bounce-mailbox-full': {
		kind: 'bounce',
		bounceType: 'soft',
		status: '4.2.2',
		diagnosticCode: 'SMTP; 452 4.2.2 Mailbox full',
		failedRecipient: 'carol@umbrella.example',
		from: 'mailer-daemon@mx2.acme-outreach.com',
		subject: 'Warning: could not send message for past 4 hours',
		referencedMessageIds: [OUR_ID('c4d5e6f7-0a1b-4c2d-8e3f-4a5b6c7d8e9f')],
		receivedAt: '2026-11-04T06:00:12.000Z',
		reason: 'delivery status notification (RFC 3464): Action delayed, Status 4.2.2, a soft bounce',
	},
	'gmail-dsn-failure': {
		kind: 'bounce',
		bounceType: 'hard',
		status: '5.1.1',
		diagnosticCode: '550 5.1.1 The email account that you tried to reach does not exist',
		failedRecipient: 'dwight.schrute@dundermifflin.example',
		from: 'mailer-daemon@googlemail.com',
		subject: 'Delivery Status Notification (Failure)',
		referencedMessageIds: [OUR_ID('9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4')],
		receivedAt: '2026-11-03T10:31:44.000Z',
		reason:
			'bounce notice from mailer-daemon@googlemail.com with subject "Delivery Status Notification (Failure)", Status 5.1.1, a hard bounce',
	},
	'postmaster-undeliverable-plain': {
		kind: 'bounce',
		bounceType: 'hard',
		status: '5.1.1',
		diagnosticCode: '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found',
		failedRecipient: 'bob.vance@vance-refrigeration.example',
		from: 'postmaster@mail.vance-refrigeration.example',
		subject: 'Undeliverable: Cutting your refrigeration costs',
		referencedMessageIds: [OUR_ID('a1a2a3a4-b5b6-4c7c-8d8d-e9e9f0f0a1a1')],
		receivedAt: '2026-11-05T13:45:10.000Z',
		reason:
			'bounce notice from postmaster@mail.vance-refrigeration.example with subject "Undeliverable: Cutting your refrigeration costs", Status 5.1.1, a hard bounce',
	},
	'vacation-auto-replied': {
		kind: 'auto_reply',
		from: 'michael.scott@dundermifflin.example',
		subject: 'Re: Quick question about Dunder Mifflin',
		referencedMessageIds: [OUR_ID('d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6')],
		receivedAt: '2026-11-03T11:02:18.000Z',
		textSnippet:
			'I am on vacation until November 16 with limited access to email.\nFor urgent matters please contact pam.beesly@dundermifflin.example.\n\nMichael',
		reason: 'Auto-Submitted: auto-replied (vacation)',
	},
	'outlook-automatic-reply': {
		kind: 'auto_reply',
		from: 'angela.martin@vance-refrigeration.example',
		subject: 'Automatic reply: Cutting your refrigeration costs',
		referencedMessageIds: [OUR_ID('e7f8a9b0-c1d2-4e3f-9a4b-5c6d7e8f9a0b')],
		receivedAt: '2026-11-03T11:40:01.000Z',
		textSnippet:
			'Thank you for your email. I am out of the office until Monday, November 9 and will respond when I return.',
		reason: 'auto-reply subject "Automatic reply: Cutting your refrigeration costs"',
	},
	'human-reply': {
		kind: 'reply',
		from: 'oscar.martinez@globex.example',
		subject: 'Re: Quick question about Globex',
		referencedMessageIds: [
			OUR_ID('0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e'),
			OUR_ID('3f1c2a9e-7b4d-4e21-9a53-0c8d6e2f1a01'),
		],
		receivedAt: '2026-11-03T14:07:41.000Z',
		textSnippet:
			'Hi Jane,\n\nThanks for reaching out — the timing is actually good. We are reviewing vendors next month.\nCould you send over pricing for a team of 40?\n\nBest,\nOscar',
		reason: 'a reply: refers to 2 Message-ID(s) (In-Reply-To/References)',
	},
	'arf-complaint': {
		kind: 'complaint',
		failedRecipient: 'kevin.malone@hotmail.example',
		from: 'staff@hotmail.com',
		subject: 'complaint about message from 198.51.100.7',
		referencedMessageIds: [OUR_ID('f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f')],
		receivedAt: '2026-11-05T09:12:43.000Z',
		reason: 'feedback report (RFC 5965), Feedback-Type abuse',
	},
	'plus-address-reply': {
		kind: 'reply',
		from: 'toby.flenderson@sabre.example',
		subject: 'RE: Quick question about Sabre',
		referencedMessageIds: [],
		// Signed with the tests' tracking secret for queue item 5b2c8e1f-3d4a-4f6b-9c7d-8e9f0a1b2c3d (see returnPath.ts).
		returnPathTokens: ['lmwi4hz5jjhwxhd5r2pqugzmhvpposviinpumvyxwm'],
		receivedAt: '2026-11-04T16:20:03.000Z',
		textSnippet: 'Please take me off your list. We are not interested.\n\nToby',
		reason: 'a reply: sent to a signed return path',
	},
	unrelated: {
		kind: 'unknown',
		from: 'stanley.hudson@example.net',
		subject: 'Crossword club on Friday',
		referencedMessageIds: [],
		receivedAt: '2026-11-05T12:00:58.000Z',
		textSnippet: 'Are you coming to the crossword club on Friday? Bring a pencil.\n\nStanley',
		reason: 'no bounce, complaint or auto-reply markers, and no reference to a message of ours',
	},
};

const NAMES = Object.keys(EXPECTED);

/** Shapes that carry the whole message; each builds the input from the RFC 822 source. */
const FULL_SHAPES: Array<[string, (source: string) => Promise<unknown> | unknown]> = [
	['the RFC 822 source as a string', (source) => source],
	['the source as a Buffer', (source) => Buffer.from(source)],
	['{ raw } with the full source', (source) => ({ raw: source })],
	['{ raw } with the full source base64-encoded', (source) => ({ raw: Buffer.from(source).toString('base64') })],
	[
		'{ raw } with the full source base64url-encoded, in an n8n item',
		(source) => ({ json: { raw: Buffer.from(source).toString('base64url') } }),
	],
	["n8n's 'resolved' item (ParsedMail JSON, attachments as base64 binaries)", resolvedItem],
	['a live mailparser ParsedMail', (source) => simpleParser(source)],
];

/**
 * mailparser inlines a message/rfc822 part marked inline into the text without its Message-ID, so a shape built
 * from a ParsedMail cannot give the Message-ID of the ARF complaint's original message.
 */
const PARSED_MAIL_SHAPES = new Set(FULL_SHAPES.slice(5).map(([label]) => label));

describe('classifyInboundEmail', () => {
	describe.each(FULL_SHAPES)('given %s', (label, build) => {
		it.each(NAMES)('classifies %s', async (name) => {
			const expected = { ...EXPECTED[name] };
			if (name === 'arf-complaint' && PARSED_MAIL_SHAPES.has(label)) expected.referencedMessageIds = [];
			expect(await classifyInboundEmail(await build(fixture(name)))).toEqual(expected);
		});
	});

	describe("given n8n's 'resolved' JSON without its binaries (n8n stores them outside the item, or only json is passed)", () => {
		it.each(['postfix-dsn-user-unknown', 'soft-bounce-mailbox-full', 'gmail-dsn-failure'])(
			'classifies %s as from the full source, but cannot name the original message',
			async (name) => {
				expect(await classifyInboundEmail((await resolvedItem(fixture(name))).json)).toEqual({
					...EXPECTED[name],
					referencedMessageIds: [],
				});
			},
		);

		it('recognises the ARF complaint from its Content-Type, without the recipient the report part holds', async () => {
			const expected = without(EXPECTED['arf-complaint'], 'failedRecipient');
			expect(await classifyInboundEmail((await resolvedItem(fixture('arf-complaint'))).json)).toEqual({
				...expected,
				referencedMessageIds: [],
				reason: 'feedback report (RFC 5965)',
			});
		});
	});

	describe("given n8n's 'simple' item (text parts and headers only, no report parts)", () => {
		it.each([
			'vacation-auto-replied',
			'outlook-automatic-reply',
			'human-reply',
			'plus-address-reply',
			'unrelated',
			'postmaster-undeliverable-plain',
		])('classifies %s exactly as from the full source', async (name) => {
			expect(await classifyInboundEmail(simpleItem(fixture(name)))).toEqual(EXPECTED[name]);
		});

		it.each([
			[
				'postfix-dsn-user-unknown',
				'550 5.1.1 <Bob.Stone@Globex.example>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)',
			],
			[
				'exchange-ndr-recipient-not-found',
				'550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
			],
			['soft-bounce-mailbox-full', '452 4.2.2 Mailbox full'],
			['gmail-dsn-failure', '550 5.1.1 The email account that you tried to reach does not exist'],
		])(
			'still recognises the bounce %s from its notification text, without the attached original',
			async (name, diagnosticCode) => {
				const expected = without(EXPECTED[name], 'referencedMessageIds', 'reason');
				const result = await classifyInboundEmail(simpleItem(fixture(name)));
				expect(result).toMatchObject({ ...expected, diagnosticCode });
				expect(result.reason).toMatch(/^bounce notice/);
				// Only In-Reply-To of the notice itself can name our message (the Exchange NDR has one).
				expect(result.referencedMessageIds).toEqual(
					name === 'exchange-ndr-recipient-not-found' ? [OUR_ID('7a9d0c11-5e2f-4b6a-8c3d-2e1f0a9b8c77')] : [],
				);
			},
		);

		it('recognises an ARF complaint from its Content-Type, without the recipient the report part holds', async () => {
			const expected = without(EXPECTED['arf-complaint'], 'failedRecipient');
			expect(await classifyInboundEmail(simpleItem(fixture('arf-complaint')))).toEqual({
				...expected,
				referencedMessageIds: [],
				reason: 'feedback report (RFC 5965)',
			});
		});
	});

	describe("given n8n's 'raw' item (the body only: IMAP's TEXT section, headers lost)", () => {
		it.each([
			'postfix-dsn-user-unknown',
			'exchange-ndr-recipient-not-found',
			'soft-bounce-mailbox-full',
			'arf-complaint',
		])('still recognises the report %s from its MIME parts', async (name) => {
			const expected = without(EXPECTED[name], 'from', 'subject', 'receivedAt');
			expect(await classifyInboundEmail({ json: { raw: bodyOf(fixture(name)) } })).toEqual(expected);
		});

		it.each([
			'gmail-dsn-failure',
			'vacation-auto-replied',
			'outlook-automatic-reply',
			'human-reply',
			'plus-address-reply',
			'unrelated',
		])('cannot tell %s apart without its headers, and says why', async (name) => {
			const result = await classifyInboundEmail({ raw: bodyOf(fixture(name)) });
			expect(result.kind).toBe('unknown');
			expect(result.referencedMessageIds).toEqual([]);
			expect(result.reason).toBe(
				"only the body was given (n8n's 'raw' format has no headers): use the 'resolved' format to recognise replies",
			);
		});
	});

	describe('auto-replies', () => {
		/** A minimal reply to one of our messages, with extra header lines. */
		const replyWith = (headers: string, subject = 'Re: Quick question') =>
			[
				'From: Pam Beesly <pam@dundermifflin.example>',
				'To: jane@acme-outreach.com',
				`Subject: ${subject}`,
				'Date: Tue, 3 Nov 2026 12:00:00 +0000',
				'Message-ID: <r1@dundermifflin.example>',
				'In-Reply-To: <11111111-2222-4333-8444-555555555555@acme-outreach.com>',
				...(headers ? [headers] : []),
				'Content-Type: text/plain; charset=utf-8',
				'',
				'Thanks!',
				'',
			].join('\r\n');

		it.each([
			['Auto-Submitted: auto-generated', 'Auto-Submitted: auto-generated'],
			[
				'Auto-Submitted: auto-notified; owner-email="pam@dundermifflin.example"',
				'Auto-Submitted: auto-notified; owner-email="pam@dundermifflin.example"',
			],
			['X-Autoreply: yes', 'x-autoreply header present'],
			['X-Autorespond: Out of office', 'x-autorespond header present'],
			['Precedence: auto_reply', 'Precedence: auto_reply'],
		])('takes the header %j as an auto-reply even though it has In-Reply-To', async (header, reason) => {
			expect(await classifyInboundEmail(replyWith(header))).toMatchObject({ kind: 'auto_reply', reason });
		});

		it.each([
			['Out of Office: Quick question'],
			['Automatic reply: Quick question'],
			['AW: Abwesenheitsnotiz'],
			['Automatische Antwort: Quick question'],
			['=?UTF-8?Q?R=C3=A9ponse_automatique_:_Quick_question?='],
			['=?UTF-8?Q?Respuesta_autom=C3=A1tica:_Quick_question?='],
			['Risposta automatica: Quick question'],
			['Autoreply: Quick question'],
			['Auto-Reply: Quick question'],
			['AUTO: Pam Beesly is out of the office'],
		])('takes the subject %j as an auto-reply', async (subject) => {
			const result = await classifyInboundEmail(replyWith('', subject));
			expect(result.kind).toBe('auto_reply');
			expect(result.reason).toMatch(/^auto-reply subject "/);
		});

		it('names Precedence: bulk in the reason when it comes with an auto-reply subject', async () => {
			expect(await classifyInboundEmail(replyWith('Precedence: bulk', 'Out of office'))).toMatchObject({
				kind: 'auto_reply',
				reason: 'auto-reply subject "Out of office" with Precedence: bulk',
			});
		});

		it.each([
			['Auto-Submitted: no'],
			['X-Auto-Response-Suppress: All'],
			['X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply'],
			['Precedence: bulk'],
		])('does not take %j alone as an auto-reply: it stays a reply', async (header) => {
			expect(await classifyInboundEmail(replyWith(header))).toMatchObject({
				kind: 'reply',
				referencedMessageIds: ['<11111111-2222-4333-8444-555555555555@acme-outreach.com>'],
			});
		});
	});

	describe('reply details', () => {
		const reply = (lines: string[], body: string) =>
			[
				...lines,
				'Subject: Re: Hello',
				'From: lead@example.org',
				'Content-Type: text/plain; charset=utf-8',
				'',
				body,
			].join('\r\n');

		it('deduplicates Message-IDs found in both In-Reply-To and References, keeping their order', async () => {
			const result = await classifyInboundEmail(
				reply(
					['In-Reply-To: <b@acme-outreach.com>', 'References: <a@acme-outreach.com> <b@acme-outreach.com>'],
					'Yes.',
				),
			);
			expect(result.referencedMessageIds).toEqual(['<b@acme-outreach.com>', '<a@acme-outreach.com>']);
		});

		it.each([
			[
				'a German client',
				'Gerne!\r\n\r\nAm 03.11.2026 um 10:15 schrieb Jane Miller <jane@acme-outreach.com>:\r\n> Hallo',
				'Gerne!',
			],
			[
				'a French client',
				'Avec plaisir.\r\n\r\nLe mar. 3 nov. 2026 à 10:15, Jane Miller <jane@acme-outreach.com> a écrit :\r\n> Bonjour',
				'Avec plaisir.',
			],
			[
				'Outlook',
				'Sure, call me.\r\n\r\n________________________________\r\nFrom: Jane Miller <jane@acme-outreach.com>\r\nSent: Tuesday',
				'Sure, call me.',
			],
			['a bare quote', 'Agreed.\r\n> Would Tuesday work?', 'Agreed.'],
		])('cuts the quoted part written by %s from the snippet', async (_client, body, snippet) => {
			expect((await classifyInboundEmail(reply(['In-Reply-To: <b@acme-outreach.com>'], body))).textSnippet).toBe(
				snippet,
			);
		});

		it('keeps at most 500 characters of a long reply, marking the cut', async () => {
			const snippet =
				(await classifyInboundEmail(reply(['In-Reply-To: <b@acme-outreach.com>'], '😀'.repeat(600)))).textSnippet ?? '';
			expect([...snippet]).toHaveLength(501);
			expect(snippet.endsWith('😀…')).toBe(true);
		});

		it('takes the reply text from the HTML part when there is no plain one', async () => {
			const result = await classifyInboundEmail({
				json: {
					textPlain: '',
					textHtml: '<p>Sounds good &amp; thanks</p><blockquote>old</blockquote>',
					metadata: { 'in-reply-to': '<b@acme-outreach.com>' },
				},
			});
			expect(result).toMatchObject({ kind: 'reply', textSnippet: 'Sounds good & thanks\nold' });
		});

		it('finds a return path token in Cc or Delivered-To, lower-casing it (unverified: that needs the secret)', async () => {
			const result = await classifyInboundEmail(
				reply(
					[
						'To: someone@example.org',
						'Cc: "Replies" <jane+bLMWI4HZ5JJHWXHD5R2PQUGZMHVPPOSVIINPUMVYXWM@replies.acme-outreach.com>',
					],
					'Hi',
				),
			);
			expect(result).toMatchObject({ kind: 'reply', returnPathTokens: ['lmwi4hz5jjhwxhd5r2pqugzmhvpposviinpumvyxwm'] });
		});

		it('ignores a plus address whose tag is not a return path token, such as a bare queue id', async () => {
			expect(await classifyInboundEmail(reply(['To: jane+newsletter@acme-outreach.com'], 'Hi'))).toMatchObject({
				kind: 'unknown',
			});
			const bare = await classifyInboundEmail(
				reply(['To: reply+abcdef01-2345-4678-9abc-def012345678@acme-outreach.com'], 'Hi'),
			);
			expect(bare).toMatchObject({ kind: 'unknown' });
			expect(bare).not.toHaveProperty('returnPathTokens');
		});
	});

	describe('reports', () => {
		it('treats a DSN that reports delivery (Action: delivered) as unknown, not as a bounce', async () => {
			const source = fixture('postfix-dsn-user-unknown')
				.replace('Action: failed', 'Action: delivered')
				.replace('Status: 5.1.1', 'Status: 2.0.0');
			expect(await classifyInboundEmail(source)).toMatchObject({
				kind: 'unknown',
				reason: 'delivery status notification without a failure (Action: delivered)',
			});
		});

		it('takes a 4.x.x status as a soft bounce even when the Action is failed', async () => {
			const source = fixture('postfix-dsn-user-unknown').replace('Status: 5.1.1', 'Status: 4.4.7');
			expect(await classifyInboundEmail(source)).toMatchObject({ kind: 'bounce', bounceType: 'soft', status: '4.4.7' });
		});

		it('reads a base64-encoded delivery-status part', async () => {
			const source = fixture('soft-bounce-mailbox-full');
			const start = source.indexOf('Reporting-MTA');
			const end = source.indexOf('\r\n--4A460C12', start);
			const encoded = `Content-Transfer-Encoding: base64\r\n\r\n${Buffer.from(source.slice(start, end)).toString('base64')}\r\n`;
			const result = await classifyInboundEmail(
				source.slice(0, start).replace(/\r\n\r\n$/, '\r\n') + encoded + source.slice(end),
			);
			expect(result).toMatchObject({
				kind: 'bounce',
				bounceType: 'soft',
				status: '4.2.2',
				failedRecipient: 'carol@umbrella.example',
			});
		});
	});

	describe('never throws', () => {
		it.each<[string, unknown, string]>([
			['undefined', undefined, 'unreadable input: expected an email item, received undefined'],
			['null', null, 'unreadable input: expected an email item, received null'],
			['a number', 42, 'unreadable input: expected an email item, received number'],
			['an empty string', '  ', 'unreadable input: the email is empty'],
			['an empty raw', { raw: '' }, 'unreadable input: the email is empty'],
			[
				'an object of another kind',
				{ hello: 'world' },
				'unreadable input: the item is not an email in a known shape (n8n Email Trigger simple/resolved/raw, a ParsedMail or RFC 822 source)',
			],
		])('gives unknown with a reason for %s', async (_label, input, reason) => {
			expect(await classifyInboundEmail(input)).toEqual({ kind: 'unknown', referencedMessageIds: [], reason });
		});

		it.each<[string, unknown]>([
			['binary garbage', '\u0000\u0001\u0002 \uFFFD'],
			['a header line without a body', 'Subject: lonely'],
			[
				'an unterminated multipart',
				'Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed',
			],
			[
				'headers with odd types',
				{ json: { headers: { subject: 42, from: null }, from: { value: 'x' }, text: 7, html: {} } },
			],
			[
				'simple metadata with odd types',
				{ json: { textPlain: null, metadata: { 'in-reply-to': ['<a@b.c>', 5], 'auto-submitted': {} } } },
			],
			[
				'a deeply nested multipart',
				`Content-Type: multipart/mixed; boundary=b0\r\n\r\n${Array.from({ length: 30 }, (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary=b${i + 1}\r\n\r\n`).join('')}`,
			],
		])('classifies %s without throwing', async (_label, input) => {
			const result = await classifyInboundEmail(input);
			expect(['unknown', 'reply', 'bounce']).toContain(result.kind);
			expect(Array.isArray(result.referencedMessageIds)).toBe(true);
		});

		it('reads an unterminated DSN as far as it goes', async () => {
			const source =
				'Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; a@b.example\r\nAction: failed\r\nStatus: 5.2.1';
			expect(await classifyInboundEmail(source)).toMatchObject({
				kind: 'bounce',
				bounceType: 'hard',
				status: '5.2.1',
				failedRecipient: 'a@b.example',
			});
		});
	});

	it('keeps the live ParsedMail unchanged', async () => {
		const mail: ParsedMail = await simpleParser(fixture('human-reply'));
		const before = mail.headerLines.length;
		await classifyInboundEmail(mail);
		expect(mail.headerLines).toHaveLength(before);
		expect(mail.attachments).toEqual([]);
	});
});
