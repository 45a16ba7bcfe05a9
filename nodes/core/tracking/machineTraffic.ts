// Tells machine traffic on tracking links from people: image proxies that fetch every pixel (Apple Mail Privacy
// Protection, Gmail's and Yahoo's proxies), security gateways that follow every link when the email arrives, and
// scripts. Such events are kept, flagged in metadata.machine with the reason, and counted apart from human ones.

export interface TrafficSignals {
	kind: 'open' | 'click';
	method: string;
	userAgent?: string | null;
	/** Seconds between the email's sending and this request, when known. */
	secondsSinceSent?: number | null;
}

/** A click this soon after sending is a gateway scanning the email on arrival, not its reader. */
export const SCANNER_CLICK_SECONDS = 10;

const PROXIES: Array<[RegExp, string]> = [
	[/GoogleImageProxy|ggpht\.com/i, 'google-image-proxy'],
	[/YahooMailProxy/i, 'yahoo-image-proxy'],
	[/Outlook-iOS|OutlookImageProxy|Microsoft Office Image Proxy/i, 'outlook-image-proxy'],
];

const SCANNERS = new RegExp(
	[
		String.raw`bot\b|bot/|crawler|spider|slurp|preview|scanner`,
		// Mail security gateways that follow every link before the recipient sees it.
		'proofpoint|mimecast|barracuda|symantec|messagelabs|forcepoint|trend ?micro|sophos|fireeye|ironport',
		'urldefense|safelinks|cloudmark|zscaler|paloalto',
		'headless|phantomjs|python-|curl/|wget/|go-http-client|java/|okhttp|libwww|httpclient|axios/|node-fetch|undici',
	].join('|'),
	'i',
);

/** Why a request looks automated, or undefined for a person. */
export function machineTrafficReason({
	kind,
	method,
	userAgent,
	secondsSinceSent,
}: TrafficSignals): string | undefined {
	if (method.toUpperCase() === 'HEAD') return 'head-request';
	const agent = (userAgent ?? '').trim();
	if (!agent) return 'no-user-agent';
	// Apple's proxy presents itself as a bare "Mozilla/5.0", with no platform or engine.
	if (agent === 'Mozilla/5.0') return 'apple-mail-privacy-protection';
	for (const [pattern, reason] of PROXIES) if (pattern.test(agent)) return reason;
	if (SCANNERS.test(agent)) return 'scanner-user-agent';
	if (
		kind === 'click' &&
		secondsSinceSent != null &&
		secondsSinceSent >= 0 &&
		secondsSinceSent < SCANNER_CLICK_SECONDS
	) {
		return 'click-right-after-delivery';
	}
	return undefined;
}
