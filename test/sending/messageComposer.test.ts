import nodemailer from 'nodemailer';

import { InvalidInputError } from '../../nodes/core/validation';
import {
	type ComposeInput,
	composeMessage,
	htmlToText,
	messageIdFor,
	messageIdOrganization,
	trackableLinks,
} from '../../nodes/core/sending';
import {
	RETURN_PATH_TOKEN,
	returnPathOrganizationHint,
	trackingUrl,
	verifyReturnPathToken,
	verifyTrackingToken,
} from '../../nodes/core/tracking';
import { thrown } from '../support/thrown';

const QUEUE_ID = '6a1f0c2e-4b3d-4c5e-9f70-8a9b0c1d2e3f';
const ORGANIZATION_ID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const SECRET = 'tracking-secret-'.repeat(3);
const BASE = 'https://n8n.example.com/webhook/ophir';
const MESSAGE_ID = `<${QUEUE_ID}@acme.example>`;
const STEP_1 = '<11111111-1111-4111-8111-111111111111@acme.example>';
const STEP_2 = '<22222222-2222-4222-8222-222222222222@acme.example>';
const POSTAL_ADDRESS = '1 Main Street, Springfield, IL 62701, USA';

const BODY = [
	'<html><head><style>p { color: red; }</style><title>Hi</title></head><body>',
	'<p>Hi Jane,</p>',
	'<p>See <a href="https://acme.example/pricing?plan=pro&amp;ref=mail">our pricing</a> and',
	'<a class="btn" target="_blank" href=\'https://acme.example/demo\'>book a demo</a>.</p>',
	'<p>Again: <a href="https://acme.example/pricing?plan=pro&amp;ref=mail">pricing</a>,',
	'<a href="mailto:sales@acme.example">mail us</a>, <a href="tel:+15551234567">call</a>,',
	'<a href="#top">top</a>, <A TITLE="x" HREF="HTTP://ACME.EXAMPLE/UPPER">shouting</A>.</p>',
	'</body></html>',
].join('\n');
const BODY_LINKS = [
	'https://acme.example/pricing?plan=pro&ref=mail',
	'https://acme.example/demo',
	'https://acme.example/pricing?plan=pro&ref=mail',
	'HTTP://ACME.EXAMPLE/UPPER',
];

function input(overrides: Partial<ComposeInput> = {}): ComposeInput {
	return {
		queueId: QUEUE_ID,
		from: { email: 'sam@acme.example', name: 'Sam from Acme' },
		to: { email: 'jane@prospect.example', name: 'Jane Doe' },
		subject: 'Quick question, Jane',
		html: BODY,
		messageId: MESSAGE_ID,
		previousMessageIds: [],
		tracking: { opens: true, clicks: true, baseUrl: BASE, secret: SECRET, organizationId: ORGANIZATION_ID },
		unsubscribe: { text: 'Unsubscribe from these emails', mailto: 'unsubscribe@acme.example' },
		postalAddress: POSTAL_ADDRESS,
		...overrides,
	};
}

const tracking = (opens: boolean, clicks: boolean) => ({
	opens,
	clicks,
	baseUrl: BASE,
	secret: SECRET,
	organizationId: ORGANIZATION_ID,
});
const clickUrl = (index: number) => trackingUrl(BASE, SECRET, ORGANIZATION_ID, QUEUE_ID, 'click', index);
const openUrl = trackingUrl(BASE, SECRET, ORGANIZATION_ID, QUEUE_ID, 'open');
const unsubscribeUrl = trackingUrl(BASE, SECRET, ORGANIZATION_ID, QUEUE_ID, 'unsubscribe');

/** The href of every <a> in document order, entities decoded as a browser would. */
function hrefs(html: string): string[] {
	return [...html.matchAll(/<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)].map((m) =>
		(m[1] ?? m[2]).replace(/&amp;/g, '&'),
	);
}

describe('message composer', () => {
	describe('trackableLinks', () => {
		it('lists the http(s) links in document order, duplicates included, entities decoded', () => {
			expect(trackableLinks(BODY)).toEqual(BODY_LINKS);
		});

		it('finds href in any attribute order, quoting and case, and only the href attribute', () => {
			const html = [
				'<a href="https://one.example/">1</a>',
				"<a id='x' href='https://two.example/'>2</a>",
				'<a href=https://three.example/?a=b>3</a>',
				'<A\nstyle="color:blue"\nHref = "https://four.example/" >4</A>',
				'<a title="see href=&quot;https://not-a-link.example/&quot;" href="https://five.example/">5</a>',
				'<a data-href="https://not-a-link.example/" href="https://six.example/">6</a>',
				'<a title="a > b" href="https://seven.example/">7</a>',
				'<a href="https://eight.example/" href="https://ignored.example/">8</a>',
				'<a href="  https://nine.example/\n">9</a>',
				'<a href="&#104;ttps://ten.example/?q=&#x26;&lt;">10</a>',
			].join('');
			expect(trackableLinks(html)).toEqual([
				'https://one.example/',
				'https://two.example/',
				'https://three.example/?a=b',
				'https://four.example/',
				'https://five.example/',
				'https://six.example/',
				'https://seven.example/',
				'https://eight.example/',
				'https://nine.example/',
				'https://ten.example/?q=&<',
			]);
		});

		it('skips links that are not http(s): mailto, tel, anchors, relative, javascript, and tags that are not <a>', () => {
			const html = [
				'<a href="mailto:x@example.com">m</a>',
				'<a href="tel:+1555">t</a>',
				'<a href="#top">#</a>',
				'<a href="/relative">r</a>',
				'<a href="javascript:alert(1)">j</a>',
				'<a href="https://">empty host</a>',
				'<a name="anchor">no href</a>',
				'<abbr href="https://abbr.example/">abbr</abbr>',
				'<link href="https://style.example/x.css">',
				'<img src="https://img.example/x.png">',
				'<area href="https://area.example/">',
			].join('');
			expect(trackableLinks(html)).toEqual([]);
		});

		it('decodes an entity once only', () => {
			expect(trackableLinks('<a href="https://x.example/?a=1&amp;amp;b=2">x</a>')).toEqual([
				'https://x.example/?a=1&amp;b=2',
			]);
		});

		it('finds nothing in a plain-text body, and the same links every time', () => {
			expect(trackableLinks('Hi Jane,\nsee https://acme.example/ for more.')).toEqual([]);
			expect(trackableLinks(BODY)).toEqual(trackableLinks(BODY));
		});
	});

	describe('links', () => {
		it('rewrites every http(s) link to its click URL with link index i in document order', () => {
			const message = composeMessage(input());
			const links = hrefs(message.html);
			// four body links, then the mailto, tel and #anchor links unchanged, then the footer's unsubscribe link
			expect(links).toEqual([
				clickUrl(0),
				clickUrl(1),
				clickUrl(2),
				'mailto:sales@acme.example',
				'tel:+15551234567',
				'#top',
				clickUrl(3),
				unsubscribeUrl,
			]);
			expect(message.links).toEqual(BODY_LINKS);
		});

		it('lets the webhook find the original URL of every click: trackableLinks(stored body)[i]', () => {
			const message = composeMessage(input());
			const clicked = hrefs(message.html).filter((href) => href.startsWith(`${BASE}/c?t=`));
			expect(clicked).toHaveLength(4);
			const stored = input().html;
			const targets = clicked.map((href) => {
				const token = verifyTrackingToken(SECRET, href.slice(`${BASE}/c?t=`.length));
				expect(token).toMatchObject({ organizationId: ORGANIZATION_ID, queueId: QUEUE_ID, kind: 'click' });
				return trackableLinks(stored)[token!.linkIndex];
			});
			expect(targets).toEqual(BODY_LINKS);
		});

		it('gives each duplicate link its own index', () => {
			const html = '<p><a href="https://x.example/">a</a> <a href="https://x.example/">b</a></p>';
			const message = composeMessage(input({ html }));
			expect(message.links).toEqual(['https://x.example/', 'https://x.example/']);
			expect(hrefs(message.html).slice(0, 2)).toEqual([clickUrl(0), clickUrl(1)]);
		});

		it('keeps the other attributes and the link text of a rewritten link', () => {
			const { html } = composeMessage(input());
			expect(html).toContain(`<a class="btn" target="_blank" href="${clickUrl(1)}">book a demo</a>`);
			expect(html).toContain(`<A TITLE="x" href="${clickUrl(3)}">shouting</A>`);
		});

		it('rewrites unquoted and whitespace-padded hrefs too, and only the href', () => {
			const html =
				'<p><a href=https://x.example/?a=b style="color:red">x</a><a\nhref = " https://y.example/ ">y</a></p>';
			const message = composeMessage(input({ html }));
			expect(message.html).toContain(`<a href="${clickUrl(0)}" style="color:red">x</a>`);
			expect(message.html).toContain(`<a\nhref="${clickUrl(1)}">y</a>`);
			expect(message.links).toEqual(['https://x.example/?a=b', 'https://y.example/']);
		});

		it('leaves links unchanged when click tracking is off, but still lists them', () => {
			const message = composeMessage(input({ tracking: tracking(true, false) }));
			expect(message.html).not.toContain(`${BASE}/c?t=`);
			expect(hrefs(message.html)).toEqual([...trackableLinksOfBody(), unsubscribeUrl]);
			expect(message.html).toContain('href="https://acme.example/pricing?plan=pro&amp;ref=mail"');
			expect(message.links).toEqual(BODY_LINKS);
		});

		it('does not wrap a link of the body that already points into the tracking webhook, but keeps its index', () => {
			const html = `<p><a href="https://a.example/">a</a> <a href="${unsubscribeUrl}">stop</a> <a href="https://b.example/">b</a></p>`;
			const message = composeMessage(input({ html }));
			expect(message.links).toEqual(['https://a.example/', unsubscribeUrl, 'https://b.example/']);
			expect(hrefs(message.html)).toEqual([clickUrl(0), unsubscribeUrl, clickUrl(2), unsubscribeUrl]);
		});

		it('refuses a body with more links than a link index can number', () => {
			const html = '<a href="https://x.example/">x</a>'.repeat(65_537);
			expect(() => composeMessage(input({ html }))).toThrow('Number of links in the body must be at most 65536');
		});
	});

	describe('open pixel', () => {
		const pixel = `<img src="${openUrl}" width="1" height="1" alt="" style="display:none">`;

		it('adds a 1x1 pixel before </body> when opens are tracked', () => {
			const { html } = composeMessage(input());
			expect(html.split(pixel)).toHaveLength(2);
			expect(html).toMatch(new RegExp(`${escapeRegExp(pixel)}\\n</body></html>$`));
			expect(verifyTrackingToken(SECRET, /\/o\.gif\?t=([\w-]+)/.exec(html)?.[1])).toEqual({
				organizationId: ORGANIZATION_ID,
				queueId: QUEUE_ID,
				kind: 'open',
				linkIndex: 0,
			});
		});

		it('appends the pixel to a body without </body>', () => {
			const { html } = composeMessage(input({ html: '<p>Hi</p>' }));
			expect(html.endsWith(pixel)).toBe(true);
		});

		it('adds no pixel when opens are not tracked', () => {
			for (const clicks of [true, false]) {
				const { html } = composeMessage(input({ tracking: tracking(false, clicks) }));
				expect(html).not.toContain('<img');
				expect(html).not.toContain(`${BASE}/o.gif?t=`);
			}
		});
	});

	describe('footer and headers', () => {
		it('adds the unsubscribe link and the postal address before </body>, even with tracking off', () => {
			const { html, links } = composeMessage(input({ tracking: tracking(false, false) }));
			expect(html).toContain(
				'<p style="font-size:12px;color:#888888;margin-top:24px">' +
					`<a href="${unsubscribeUrl}">Unsubscribe from these emails</a><br>${POSTAL_ADDRESS}</p>\n</body></html>`,
			);
			expect(links).toEqual(BODY_LINKS); // the footer's link is not a trackable link
			expect(verifyTrackingToken(SECRET, unsubscribeUrl.slice(`${BASE}/u?t=`.length))).toEqual({
				organizationId: ORGANIZATION_ID,
				queueId: QUEUE_ID,
				kind: 'unsubscribe',
				linkIndex: 0,
			});
		});

		it('escapes the unsubscribe text and the postal address, keeping the address lines', () => {
			const { html } = composeMessage(
				input({ unsubscribe: { text: 'Stop <these> & "those"' }, postalAddress: 'Acme <Inc>\n1 Main St & Co' }),
			);
			expect(html).toContain(
				'>Stop &lt;these&gt; &amp; &quot;those&quot;</a><br>Acme &lt;Inc&gt;<br>1 Main St &amp; Co</p>',
			);
		});

		it('uses "Unsubscribe" for a blank link text and leaves out a missing postal address', () => {
			const { html } = composeMessage(
				input({ unsubscribe: { text: '  ' }, postalAddress: undefined, html: '<p>Hi</p>' }),
			);
			expect(html).toContain(`<a href="${unsubscribeUrl}">Unsubscribe</a></p>`);
		});

		it('sets List-Unsubscribe (https and mailto) and List-Unsubscribe-Post for one-click unsubscribe', () => {
			expect(composeMessage(input()).headers).toEqual({
				'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:unsubscribe@acme.example?subject=unsubscribe>`,
				'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
			});
		});

		it('leaves the mailto part out when no address is given, and keeps the headers with tracking off', () => {
			const { headers } = composeMessage(
				input({ unsubscribe: { text: 'Unsubscribe' }, tracking: tracking(false, false) }),
			);
			expect(headers).toEqual({
				'List-Unsubscribe': `<${unsubscribeUrl}>`,
				'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
			});
		});

		it('sends from a signed return path (version 2, naming the organization) only when asked, keeping the From header the mailbox', () => {
			expect(composeMessage(input())).not.toHaveProperty('envelope');
			const message = composeMessage(input({ tracking: { ...tracking(true, true), returnPath: true } }));
			expect(message.from.address).toBe(input().from.email.trim().toLowerCase());
			const [local, domain] = message.from.address.split('@');
			expect(message.envelope).toEqual({
				from: expect.stringMatching(new RegExp(`^${local}\\+c[a-z2-7]{45}@${domain}$`)),
				to: message.to.address,
			});
			const token = [...message.envelope!.from.matchAll(RETURN_PATH_TOKEN)].map((m) => m[1])[0];
			expect(returnPathOrganizationHint(token)).toBe(ORGANIZATION_ID.slice(0, 8));
			expect(verifyReturnPathToken(SECRET, ORGANIZATION_ID, token)).toEqual({
				queueId: QUEUE_ID,
				organizationId: ORGANIZATION_ID,
			});
			// Not a token of another organization, even one sharing the hint.
			const sameHint = `${ORGANIZATION_ID.slice(0, 8)}-0000-4000-8000-000000000000`;
			expect(verifyReturnPathToken(SECRET, sameHint, token)).toBeUndefined();
		});

		it('signs links and the return path for the organization it is given, and refuses a missing or bad one', () => {
			const other = '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f';
			const message = composeMessage(input({ tracking: { ...tracking(true, true), organizationId: other } }));
			expect(hrefs(message.html)).toContain(trackingUrl(BASE, SECRET, other, QUEUE_ID, 'unsubscribe'));
			expect(() => composeMessage(input({ tracking: { ...tracking(true, true), organizationId: 'acme' } }))).toThrow(
				'Organization ID must be a UUID',
			);
		});

		it('shapes addresses, subject and ids for nodemailer', () => {
			const message = composeMessage(
				input({ from: { email: ' Sam@Acme.example ' }, to: { email: 'jane@prospect.example', name: ' Jane ' } }),
			);
			expect(message).toMatchObject({
				from: { name: '', address: 'sam@acme.example' },
				to: { name: 'Jane', address: 'jane@prospect.example' },
				subject: 'Quick question, Jane',
				messageId: MESSAGE_ID,
			});
		});
	});

	describe('threading', () => {
		it('sets no In-Reply-To or References on a first email', () => {
			const message = composeMessage(input());
			expect(message).not.toHaveProperty('inReplyTo');
			expect(message).not.toHaveProperty('references');
		});

		it('replies to the last earlier email and references all of them, oldest first', () => {
			const message = composeMessage(input({ previousMessageIds: [STEP_1, STEP_2] }));
			expect(message.inReplyTo).toBe(STEP_2);
			expect(message.references).toEqual([STEP_1, STEP_2]);
		});
	});

	describe('text part', () => {
		it('has the body with tracked link URLs, the footer and no pixel, script or style', () => {
			const { text } = composeMessage(input());
			expect(text).toBe(
				[
					'Hi Jane,',
					'',
					`See our pricing (${clickUrl(0)}) and book a demo (${clickUrl(1)}).`,
					'',
					`Again: pricing (${clickUrl(2)}), mail us (mailto:sales@acme.example), call (tel:+15551234567), top, shouting (${clickUrl(3)}).`,
					'',
					`Unsubscribe from these emails (${unsubscribeUrl})`,
					POSTAL_ADDRESS,
				].join('\n'),
			);
			expect(text).not.toContain('/o.gif');
			expect(text).not.toContain('color: red');
		});

		it('shows the original URLs when clicks are not tracked', () => {
			const { text } = composeMessage(input({ tracking: tracking(false, false) }));
			expect(text).toContain(
				'See our pricing (https://acme.example/pricing?plan=pro&ref=mail) and book a demo (https://acme.example/demo).',
			);
		});
	});

	describe('htmlToText', () => {
		it('decodes entities once, after removing tags', () => {
			expect(
				htmlToText(
					'<p>Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt; &amp;amp; &#169; &#x2014; &hellip; &unknown; caf&eacute;</p>',
				),
			).toBe('Tom & Jerry <b>bold</b> &amp; © — … &unknown; café');
		});

		it('drops scripts, styles, the head, comments and images', () => {
			const html =
				'<html><head><title>T</title><style>.a{}</style></head><body><!-- note --><script>alert("x")</script>' +
				'<p>Visible<img src="https://x.example/a.png" alt="logo"></p><style type="text/css">.b{}</style></body></html>';
			expect(htmlToText(html)).toBe('Visible');
		});

		it('turns blocks into paragraphs, <br> into line breaks and list items into dashes, collapsing whitespace', () => {
			const html =
				'<h1>Title</h1>\n\n<p>One\n   two<br>three<br/>four</p><ul><li>a</li><li>b</li></ul><div>end&nbsp;&nbsp;here</div>';
			expect(htmlToText(html)).toBe('Title\n\nOne two\nthree\nfour\n\n- a\n- b\n\nend here');
		});

		it('writes links as "text (url)", a bare URL once, and keeps the text of anchors and links without URL', () => {
			const html =
				'<p><a href="https://x.example/?a=1&amp;b=2">Go <b>now</b></a> ' +
				'<a href="https://y.example/">https://y.example/</a> ' +
				'<a href="mailto:jane@example.com">jane@example.com</a> ' +
				'<a href="https://z.example/"><img src="https://z.example/logo.png"></a> ' +
				'<a href="#top">Top</a> <a name="x">Named</a> <a href="javascript:void(0)">JS</a></p>';
			expect(htmlToText(html)).toBe(
				'Go now (https://x.example/?a=1&b=2) https://y.example/ jane@example.com https://z.example/ Top Named JS',
			);
		});

		it('separates table cells by a space and rows by a line break', () => {
			const html = '<table><tr><td>Name</td><td>Jane</td></tr><tr><th>Plan</th><td>Pro</td></tr></table>';
			expect(htmlToText(html)).toBe('Name Jane\nPlan Pro');
		});

		it('keeps a "<" that does not start a tag', () => {
			expect(htmlToText('<p>1 < 2 and 3 > 2</p>')).toBe('1 < 2 and 3 > 2');
		});
	});

	describe('plain-text bodies', () => {
		it('become escaped HTML paragraphs with line breaks, and the text part keeps their lines', () => {
			const body = 'Hi Jane,\r\n\r\nTom & Jerry <3 you.\nSee https://acme.example/?a=1&b=2\n\n\n  \nBest,\nSam';
			const message = composeMessage(input({ html: body }));
			expect(
				message.html.startsWith(
					'<p>Hi Jane,</p>\n<p>Tom &amp; Jerry &lt;3 you.<br>\nSee https://acme.example/?a=1&amp;b=2</p>\n<p>Best,<br>\nSam</p>\n<p style=',
				),
			).toBe(true);
			expect(message.links).toEqual([]);
			expect(
				message.text.startsWith(
					'Hi Jane,\n\nTom & Jerry <3 you.\nSee https://acme.example/?a=1&b=2\n\nBest,\nSam\n\nUnsubscribe from',
				),
			).toBe(true);
		});

		it('is not mistaken for HTML because of an address in angle brackets', () => {
			const message = composeMessage(input({ html: 'Write to <sam@acme.example> or see <https://acme.example>' }));
			expect(message.html).toMatch(
				/^<p>Write to &lt;sam@acme\.example&gt; or see &lt;https:\/\/acme\.example&gt;<\/p>/,
			);
		});
	});

	describe('input checks', () => {
		it.each<[string, Partial<ComposeInput>]>([
			['Subject', { subject: 'Hi\r\nBcc: victim@example.com' }],
			['Subject', { subject: 'Hi\nthere' }],
			['Subject', { subject: 'Hi\rthere' }],
			['Subject', { subject: 'Hi\u0000there' }],
			['Sender name', { from: { email: 'sam@acme.example', name: 'Sam\r\nBcc: victim@example.com' } }],
			['Recipient name', { to: { email: 'jane@prospect.example', name: 'Jane\nX-Evil: 1' } }],
			['Message ID', { messageId: '<a@b>\r\nBcc: victim@example.com' }],
			['Message ID', { messageId: 'no-brackets@acme.example' }],
			['Message ID', { messageId: '<two words@acme.example>' }],
			['Previous message IDs', { previousMessageIds: [STEP_1, `${STEP_2}\nBcc: victim@example.com`] }],
			['Sender email', { from: { email: 'sam@acme.example\r\nBcc: victim@example.com' } }],
			['Recipient email', { to: { email: 'not an address' } }],
			['Unsubscribe mailto', { unsubscribe: { text: 'Unsubscribe', mailto: 'x@y.example>\r\nBcc: a@b.example' } }],
		])('rejects a bad %s, writing nothing', (field, overrides) => {
			const error = thrown(() => composeMessage(input(overrides)));
			expect(error).toBeInstanceOf(InvalidInputError);
			expect(error).toMatchObject({ field, message: expect.stringMatching(new RegExp(`^${field} must be `)) });
		});

		it('names what a header line must be', () => {
			expect(() => composeMessage(input({ subject: 'a\nb' }))).toThrow(
				'Subject must be a single line of text (no line breaks or control characters)',
			);
			expect(() => composeMessage(input({ messageId: 'x' }))).toThrow(
				'Message ID must be a Message-ID such as <id@example.com> (one line, in angle brackets)',
			);
		});

		it('accepts tabs and non-ASCII text in the subject and names', () => {
			const message = composeMessage(
				input({ subject: 'Café\tparty 🎉', to: { email: 'jane@prospect.example', name: 'Zoë Ünal' } }),
			);
			expect(message.subject).toBe('Café\tparty 🎉');
			expect(message.to.name).toBe('Zoë Ünal');
		});

		it('refuses a bad tracking configuration even with tracking off (the unsubscribe link needs it)', () => {
			expect(() => composeMessage(input({ tracking: { ...tracking(false, false), secret: 'short' } }))).toThrow(
				/^Tracking Secret \(credential\) must be at least 32 characters/,
			);
			expect(() => composeMessage(input({ tracking: { ...tracking(false, false), baseUrl: 'nope' } }))).toThrow(
				/^Tracking Base URL must be/,
			);
			expect(() => composeMessage(input({ queueId: 'not-a-uuid' }))).toThrow('Queue item id must be a UUID');
		});

		it('is deterministic', () => {
			expect(composeMessage(input({ previousMessageIds: [STEP_1] }))).toEqual(
				composeMessage(input({ previousMessageIds: [STEP_1] })),
			);
		});
	});

	describe('messageIdFor', () => {
		it('is the queue id and the organization id at the sender domain', () => {
			expect(messageIdFor(QUEUE_ID.toUpperCase(), 'Sam@Mail.Acme.example', ORGANIZATION_ID.toUpperCase())).toBe(
				`<${QUEUE_ID}.o${ORGANIZATION_ID.replace(/-/g, '')}@mail.acme.example>`,
			);
		});

		it('names its organization for catch-all routing; older and foreign Message-IDs name none', () => {
			expect(messageIdOrganization(messageIdFor(QUEUE_ID, 'sam@acme.example', ORGANIZATION_ID))).toBe(ORGANIZATION_ID);
			expect(messageIdOrganization(messageIdFor(QUEUE_ID, 'sam@acme.example', ORGANIZATION_ID).toUpperCase())).toBe(
				ORGANIZATION_ID,
			);
			for (const other of [
				MESSAGE_ID,
				`<${QUEUE_ID}@acme.example>`,
				`<x.o${ORGANIZATION_ID.replace(/-/g, '')}@acme.example>`,
				`<${QUEUE_ID}.o${ORGANIZATION_ID.replace(/-/g, '').slice(1)}@acme.example>`,
				`${QUEUE_ID}.o${ORGANIZATION_ID.replace(/-/g, '')}@acme.example`,
				'',
				undefined,
				42,
			]) {
				expect(messageIdOrganization(other)).toBeUndefined();
			}
		});

		it('refuses a bad queue id, sender address or organization id', () => {
			expect(() => messageIdFor('x', 'sam@acme.example', ORGANIZATION_ID)).toThrow('Queue item id must be a UUID');
			expect(() => messageIdFor(QUEUE_ID, 'sam', ORGANIZATION_ID)).toThrow(
				'Sender email must be a valid email address',
			);
			expect(() => messageIdFor(QUEUE_ID, 'sam@acme.example', 'acme')).toThrow('Organization ID must be a UUID');
		});
	});

	describe('sending with nodemailer', () => {
		it('produces a MIME message with the threading and unsubscribe headers and both parts', async () => {
			const message = composeMessage(input({ previousMessageIds: [STEP_1, STEP_2], subject: 'Re: Café for Jane' }));
			const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
			const info = await transport.sendMail(message);
			const raw = (info.message as Buffer).toString('utf8');
			const [head] = raw.split('\r\n\r\n');
			const headers = head.replace(/\r\n[ \t]+/g, ' '); // unfold long header lines
			const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(headers)?.[1];

			expect(header('Message-ID')).toBe(MESSAGE_ID);
			expect(header('In-Reply-To')).toBe(STEP_2);
			expect(header('References')).toBe(`${STEP_1} ${STEP_2}`);
			expect(header('List-Unsubscribe')?.replace(/\s/g, '')).toBe(
				`<${unsubscribeUrl}>,<mailto:unsubscribe@acme.example?subject=unsubscribe>`,
			);
			expect(header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
			expect(header('From')).toBe('Sam from Acme <sam@acme.example>');
			expect(header('To')).toBe('Jane Doe <jane@prospect.example>');
			expect(header('Subject')).toMatch(/^=\?UTF-8\?/);
			expect(header('Content-Type')).toMatch(/^multipart\/alternative;/);
			expect(raw).toMatch(/\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
			expect(raw).toMatch(/\r\nContent-Type: text\/html; charset=utf-8\r\n/);
			expect(header('Bcc')).toBeUndefined();
			expect(header('X-Mailer')).toBeUndefined();

			// Both parts are quoted-printable: decode them and find what the lead will see.
			const parts = raw
				.split(/\r\n--[^\r\n]+\r\n/)
				.map((part) =>
					part
						.replace(/=\r\n/g, '')
						.replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
				);
			const textPart = parts.find((part) => part.startsWith('Content-Type: text/plain'));
			const htmlPart = parts.find((part) => part.startsWith('Content-Type: text/html'));
			expect(textPart).toContain(`See our pricing (${clickUrl(0)})`);
			expect(textPart).toContain(`Unsubscribe from these emails (${unsubscribeUrl})`);
			expect(htmlPart).toContain(`<a href="${clickUrl(0)}">our pricing</a>`);
			expect(htmlPart).toContain(`<img src="${openUrl}" width="1" height="1" alt="" style="display:none">`);
			expect(info.envelope).toEqual({ from: 'sam@acme.example', to: ['jane@prospect.example'] });
		});
	});
});

function trackableLinksOfBody(): string[] {
	return [
		BODY_LINKS[0],
		BODY_LINKS[1],
		BODY_LINKS[2],
		'mailto:sales@acme.example',
		'tel:+15551234567',
		'#top',
		BODY_LINKS[3],
	];
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
