import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Inbound emails as they reach the replies mailbox (RFC 822 source), for Process Inbound Email tests. `messageId` is
 * the Message-ID of the email of ours they concern; left out, nothing in them proves which email that was.
 */
interface Report {
	/** Where the report was delivered: the sending mailbox, or a signed return path. */
	to: string;
	/** The address the report names. */
	recipient: string;
	messageId?: string;
}

function multipartReport(
	reportType: string,
	headers: string[],
	parts: Array<{ type: string; lines: string[] }>,
): string {
	const boundary = `report-${randomBytes(6).toString('hex')}`;
	return [
		...headers,
		'MIME-Version: 1.0',
		`Content-Type: multipart/report; report-type=${reportType}; boundary="${boundary}"`,
		'',
		...parts.flatMap(({ type, lines }) => [`--${boundary}`, `Content-Type: ${type}`, '', ...lines, '']),
		`--${boundary}--`,
		'',
	].join('\r\n');
}

/** A hard bounce: an RFC 3464 delivery status notification with the original's headers attached. */
export function hardBounce({ to, recipient, messageId }: Report): string {
	return multipartReport(
		'delivery-status',
		[
			'Return-Path: <>',
			`Date: ${new Date().toUTCString()}`,
			'From: Mail Delivery System <MAILER-DAEMON@mx.prospects.example>',
			`To: ${to}`,
			'Subject: Undelivered Mail Returned to Sender',
			'Auto-Submitted: auto-replied',
			`Message-ID: <${randomUUID()}@mx.prospects.example>`,
		],
		[
			{
				type: 'text/plain; charset=utf-8',
				lines: [`Your message could not be delivered to <${recipient}>: user unknown.`],
			},
			{
				type: 'message/delivery-status',
				lines: [
					'Reporting-MTA: dns; mx.prospects.example',
					'',
					`Final-Recipient: rfc822; ${recipient}`,
					'Action: failed',
					'Status: 5.1.1',
					`Diagnostic-Code: smtp; 550 5.1.1 <${recipient}>: Recipient address rejected: User unknown`,
				],
			},
			{
				type: 'text/rfc822-headers',
				lines: [...(messageId ? [`Message-ID: ${messageId}`] : []), `To: ${recipient}`, 'Subject: Quick question'],
			},
		],
	);
}

/** A complaint: an RFC 5965 abuse report (ARF) with the original's headers attached. */
export function complaint({ to, recipient, messageId }: Report): string {
	return multipartReport(
		'feedback-report',
		[
			'From: staff@hotmail.example',
			`To: ${to}`,
			'Subject: complaint about message from 198.51.100.7',
			`Message-ID: <${randomUUID()}@hotmail.example>`,
		],
		[
			{ type: 'text/plain', lines: ['This is an email abuse report.'] },
			{
				type: 'message/feedback-report',
				lines: [
					'Feedback-Type: abuse',
					'User-Agent: SomeGenerator/1.0',
					'Version: 1',
					`Original-Rcpt-To: ${recipient}`,
				],
			},
			{
				type: 'text/rfc822-headers',
				lines: [...(messageId ? [`Message-ID: ${messageId}`] : []), `To: ${recipient}`, 'Subject: Hi'],
			},
		],
	);
}

/** A person's reply, threaded under `inReplyTo` when given. */
export function reply({
	from,
	to,
	inReplyTo,
	text = 'Not interested, thanks.',
}: {
	from: string;
	to: string;
	inReplyTo?: string;
	text?: string;
}): string {
	return [
		`From: ${from}`,
		`To: ${to}`,
		'Subject: Re: Hi',
		...(inReplyTo ? [`In-Reply-To: ${inReplyTo}`, `References: ${inReplyTo}`] : []),
		`Message-ID: <${randomUUID()}@mail.example>`,
		'Date: Wed, 25 Nov 2026 12:00:00 +0000',
		'Content-Type: text/plain; charset=utf-8',
		'',
		text,
	].join('\r\n');
}
