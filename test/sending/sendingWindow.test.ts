import { InvalidInputError } from '../../nodes/core/validation';
import {
	isTimeZone,
	localDate,
	nextSendTime,
	type SendingWindow,
	startOfLocalDay,
	type Weekday,
	zonedTimeToInstant,
} from '../../nodes/core/sending';

// jest.config.js runs tests with TZ=America/New_York: every expectation here is an explicit UTC instant and every
// local reading goes through Intl with an explicit zone, so nothing depends on the process zone.

const WEEKDAYS_MON_FRI: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const OFFICE_HOURS: SendingWindow = { weekdays: WEEKDAYS_MON_FRI, startHour: 9, endHour: 17 };
const EVERY_DAY: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const at = (iso: string) => new Date(iso);
const next = (earliest: string, window: SendingWindow, zone: string) =>
	nextSendTime(at(earliest), window, zone).toISOString();

/** The test's own reading of an instant's local wall clock, independent of the module's offset arithmetic. */
const readers = new Map<string, Intl.DateTimeFormat>();
function wallClock(instant: number, zone: string) {
	let reader = readers.get(zone);
	if (!reader) {
		reader = new Intl.DateTimeFormat('en-US', {
			timeZone: zone,
			hourCycle: 'h23',
			weekday: 'short',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
		});
		readers.set(zone, reader);
	}
	const parts: Record<string, string> = {};
	for (const part of reader.formatToParts(instant)) parts[part.type] = part.value;
	return {
		weekday: parts.weekday.toLowerCase() as Weekday,
		date: `${parts.year}-${parts.month}-${parts.day}`,
		hour: Number(parts.hour),
		minute: Number(parts.minute),
	};
}

function isInside(instant: number, window: SendingWindow, zone: string): boolean {
	const local = wallClock(instant, zone);
	return window.weekdays.includes(local.weekday) && local.hour >= window.startHour && local.hour < window.endHour;
}

/** A small seeded generator (mulberry32), so the randomized checks are the same on every run. */
function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe('sending windows', () => {
	describe('isTimeZone', () => {
		it.each(['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC'])(
			'accepts the IANA zone %s',
			(zone) => {
				expect(isTimeZone(zone)).toBe(true);
			},
		);

		it.each<unknown>(['Mars/Olympus_Mons', 'New York', '', '+05:00', '-03:00', 42, null, undefined, {}])(
			'rejects %j',
			(zone) => {
				expect(isTimeZone(zone)).toBe(false);
			},
		);
	});

	describe('nextSendTime', () => {
		it('returns the earliest instant unchanged (the same Date) when it is inside the window', () => {
			// Wednesday 2026-01-07 10:15 in New York (EST, UTC-5).
			const earliest = at('2026-01-07T15:15:00.000Z');
			expect(nextSendTime(earliest, OFFICE_HOURS, 'America/New_York')).toBe(earliest);
		});

		it('returns the window start of the same day when the earliest instant is before it', () => {
			expect(next('2026-01-07T12:00:00.000Z', OFFICE_HOURS, 'America/New_York')).toBe('2026-01-07T14:00:00.000Z');
		});

		it('returns the start itself when the earliest instant is exactly the window start', () => {
			expect(next('2026-01-07T14:00:00.000Z', OFFICE_HOURS, 'America/New_York')).toBe('2026-01-07T14:00:00.000Z');
		});

		it('treats the end hour as exclusive: at 17:00 the window is closed until the next allowed day', () => {
			expect(next('2026-01-07T21:59:59.999Z', OFFICE_HOURS, 'America/New_York')).toBe('2026-01-07T21:59:59.999Z');
			expect(next('2026-01-07T22:00:00.000Z', OFFICE_HOURS, 'America/New_York')).toBe('2026-01-08T14:00:00.000Z');
		});

		it('moves an instant after the window end to the start on the next allowed weekday', () => {
			// Tuesday 2026-01-06 20:00 EST; Wednesday is not allowed, Thursday is.
			const window: SendingWindow = { weekdays: ['tue', 'thu'], startHour: 8, endHour: 12 };
			expect(next('2026-01-07T01:00:00.000Z', window, 'America/New_York')).toBe('2026-01-08T13:00:00.000Z');
		});

		it('moves Friday evening to Monday morning', () => {
			// Friday 2026-01-09 18:00 EST -> Monday 2026-01-12 09:00 EST.
			expect(next('2026-01-09T23:00:00.000Z', OFFICE_HOURS, 'America/New_York')).toBe('2026-01-12T14:00:00.000Z');
		});

		it('moves a weekend instant to Monday morning', () => {
			// Saturday 2026-01-10 11:00 EST.
			expect(next('2026-01-10T16:00:00.000Z', OFFICE_HOURS, 'America/New_York')).toBe('2026-01-12T14:00:00.000Z');
		});

		it('supports weekend-only windows', () => {
			const weekends: SendingWindow = { weekdays: ['sat', 'sun'], startHour: 10, endHour: 14 };
			// Wednesday -> Saturday 10:00; Saturday after 14:00 -> Sunday 10:00; Sunday after 14:00 -> next Saturday.
			expect(next('2026-01-07T15:00:00.000Z', weekends, 'America/New_York')).toBe('2026-01-10T15:00:00.000Z');
			expect(next('2026-01-10T20:00:00.000Z', weekends, 'America/New_York')).toBe('2026-01-11T15:00:00.000Z');
			expect(next('2026-01-11T20:00:00.000Z', weekends, 'America/New_York')).toBe('2026-01-17T15:00:00.000Z');
			expect(next('2026-01-11T18:30:00.000Z', weekends, 'America/New_York')).toBe('2026-01-11T18:30:00.000Z');
		});

		it('supports a window that ends at midnight (endHour 24)', () => {
			const evenings: SendingWindow = { weekdays: ['wed'], startHour: 20, endHour: 24 };
			// Wednesday 2026-01-07 23:59:59 EST is inside; Thursday 00:00 EST is not (next Wednesday 20:00).
			expect(next('2026-01-08T04:59:59.000Z', evenings, 'America/New_York')).toBe('2026-01-08T04:59:59.000Z');
			expect(next('2026-01-08T05:00:00.000Z', evenings, 'America/New_York')).toBe('2026-01-15T01:00:00.000Z');
			expect(next('2026-01-07T12:00:00.000Z', evenings, 'America/New_York')).toBe('2026-01-08T01:00:00.000Z');
		});

		it('supports a whole-day window (0 to 24)', () => {
			const allDay: SendingWindow = { weekdays: ['mon'], startHour: 0, endHour: 24 };
			// Sunday 2026-01-11 23:30 in Berlin (UTC+1) -> Monday 00:00 Berlin = Sunday 23:00Z.
			expect(next('2026-01-11T22:30:00.000Z', allDay, 'Europe/Berlin')).toBe('2026-01-11T23:00:00.000Z');
			expect(next('2026-01-12T22:59:59.999Z', allDay, 'Europe/Berlin')).toBe('2026-01-12T22:59:59.999Z');
		});

		it('reads the window in the given zone, not the process zone: Europe/Berlin', () => {
			// Wednesday 2026-01-07 07:00Z is 08:00 in Berlin (CET) -> 09:00 CET = 08:00Z; in summer (CEST) 09:00 = 07:00Z.
			expect(next('2026-01-07T07:00:00.000Z', OFFICE_HOURS, 'Europe/Berlin')).toBe('2026-01-07T08:00:00.000Z');
			expect(next('2026-07-08T05:00:00.000Z', OFFICE_HOURS, 'Europe/Berlin')).toBe('2026-07-08T07:00:00.000Z');
			// Friday 2026-07-10 16:00Z is 18:00 CEST -> Monday 09:00 CEST.
			expect(next('2026-07-10T16:00:00.000Z', OFFICE_HOURS, 'Europe/Berlin')).toBe('2026-07-13T07:00:00.000Z');
		});

		it('handles the half-hour offset of Asia/Kolkata (+05:30)', () => {
			// Monday 2026-01-05 00:00Z is 05:30 IST -> 09:00 IST = 03:30Z; 17:00 IST = 11:30Z closes the window.
			expect(next('2026-01-05T00:00:00.000Z', OFFICE_HOURS, 'Asia/Kolkata')).toBe('2026-01-05T03:30:00.000Z');
			expect(next('2026-01-05T11:29:00.000Z', OFFICE_HOURS, 'Asia/Kolkata')).toBe('2026-01-05T11:29:00.000Z');
			expect(next('2026-01-05T11:30:00.000Z', OFFICE_HOURS, 'Asia/Kolkata')).toBe('2026-01-06T03:30:00.000Z');
		});

		it('handles the +12:45/+13:45 offsets of Pacific/Chatham, where the local day is already tomorrow', () => {
			// Sunday 2026-07-12 18:00Z is Monday 06:45 (+12:45) -> Monday 09:00 = Sunday 20:15Z.
			expect(next('2026-07-12T18:00:00.000Z', OFFICE_HOURS, 'Pacific/Chatham')).toBe('2026-07-12T20:15:00.000Z');
			// In January (+13:45): Monday 2026-01-05 09:00 = Sunday 2026-01-04 19:15Z.
			expect(next('2026-01-04T12:00:00.000Z', OFFICE_HOURS, 'Pacific/Chatham')).toBe('2026-01-04T19:15:00.000Z');
		});

		it('moves a window start in the Chatham gap (02:45 -> 03:45 on 2026-09-27) to 03:45, the first valid time', () => {
			const sundays: SendingWindow = { weekdays: ['sun'], startHour: 3, endHour: 5 };
			// Saturday 2026-09-26 10:00Z is Saturday 22:45 (+12:45); 03:45 (+13:45) Sunday = 14:00Z.
			expect(next('2026-09-26T10:00:00.000Z', sundays, 'Pacific/Chatham')).toBe('2026-09-26T14:00:00.000Z');
		});

		it('handles the 30-minute DST of Australia/Lord_Howe', () => {
			const sundays: SendingWindow = { weekdays: ['sun'], startHour: 2, endHour: 5 };
			// 2026-10-04 02:00 -> 02:30 (+10:30 -> +11): a 02:00 start becomes 02:30 = 2026-10-03T15:30Z.
			expect(next('2026-10-03T10:00:00.000Z', sundays, 'Australia/Lord_Howe')).toBe('2026-10-03T15:30:00.000Z');
			// 2026-04-05 02:00 -> 01:30 (+11 -> +10:30): 09:00 that Sunday is +10:30 = 2026-04-04T22:30Z.
			const sundayOffice: SendingWindow = { weekdays: ['sun'], startHour: 9, endHour: 17 };
			expect(next('2026-04-04T10:00:00.000Z', sundayOffice, 'Australia/Lord_Howe')).toBe('2026-04-04T22:30:00.000Z');
			// A window starting at 01:00 that day starts at the first 01:00 (+11) = 2026-04-04T14:00Z.
			const early: SendingWindow = { weekdays: ['sun'], startHour: 1, endHour: 2 };
			expect(next('2026-04-04T10:00:00.000Z', early, 'Australia/Lord_Howe')).toBe('2026-04-04T14:00:00.000Z');
		});

		describe('America/New_York daylight saving days', () => {
			const sundayOffice: SendingWindow = { weekdays: ['sun'], startHour: 9, endHour: 17 };

			it('starts a 9-17 window at 09:00 EDT = 13:00Z on 2026-03-08 (spring forward)', () => {
				// From Sunday 00:00 EST (05:00Z), before the 02:00 -> 03:00 jump.
				expect(next('2026-03-08T05:00:00.000Z', sundayOffice, 'America/New_York')).toBe('2026-03-08T13:00:00.000Z');
				// From Saturday noon EST.
				expect(next('2026-03-07T17:00:00.000Z', sundayOffice, 'America/New_York')).toBe('2026-03-08T13:00:00.000Z');
			});

			it('moves a 02:00 window start on 2026-03-08 to 03:00 EDT (the skipped hour does not exist)', () => {
				const window: SendingWindow = { weekdays: ['sun'], startHour: 2, endHour: 6 };
				expect(next('2026-03-08T05:00:00.000Z', window, 'America/New_York')).toBe('2026-03-08T07:00:00.000Z');
			});

			it('skips 2026-03-08 for a 02:00-03:00 window, which is empty that day', () => {
				const window: SendingWindow = { weekdays: ['sun'], startHour: 2, endHour: 3 };
				// Next Sunday 02:00 EDT = 06:00Z.
				expect(next('2026-03-08T05:00:00.000Z', window, 'America/New_York')).toBe('2026-03-15T06:00:00.000Z');
			});

			it('starts a 9-17 window at 09:00 EST = 14:00Z on 2026-11-01 (fall back)', () => {
				expect(next('2026-11-01T04:00:00.000Z', sundayOffice, 'America/New_York')).toBe('2026-11-01T14:00:00.000Z');
				expect(next('2026-10-31T16:00:00.000Z', sundayOffice, 'America/New_York')).toBe('2026-11-01T14:00:00.000Z');
				// 17:00 EST = 22:00Z closes it.
				expect(next('2026-11-01T21:59:00.000Z', sundayOffice, 'America/New_York')).toBe('2026-11-01T21:59:00.000Z');
				expect(next('2026-11-01T22:00:00.000Z', sundayOffice, 'America/New_York')).toBe('2026-11-08T14:00:00.000Z');
			});

			it('starts a 01:00 window on 2026-11-01 at the first 01:00 (EDT, 05:00Z), and keeps the repeated hour open', () => {
				const window: SendingWindow = { weekdays: ['sun'], startHour: 1, endHour: 2 };
				expect(next('2026-11-01T04:00:00.000Z', window, 'America/New_York')).toBe('2026-11-01T05:00:00.000Z');
				// 01:30 EST, the second 01:30, is still inside.
				expect(next('2026-11-01T06:30:00.000Z', window, 'America/New_York')).toBe('2026-11-01T06:30:00.000Z');
				// 02:00 EST closes it.
				expect(next('2026-11-01T07:00:00.000Z', window, 'America/New_York')).toBe('2026-11-08T06:00:00.000Z');
			});
		});

		it('looks two weeks ahead when the only weekday of a window falls entirely into a DST gap', () => {
			// Berlin skips 02:00-03:00 on Sunday 2026-03-29; the next Sunday 02:00 (CEST) is 2026-04-05T00:00Z.
			const window: SendingWindow = { weekdays: ['sun'], startHour: 2, endHour: 3 };
			expect(next('2026-03-25T12:00:00.000Z', window, 'Europe/Berlin')).toBe('2026-04-05T00:00:00.000Z');
		});

		it('finds a window start that is a skipped midnight (America/Havana, 2026-03-08 00:00 -> 01:00)', () => {
			const sundays: SendingWindow = { weekdays: ['sun'], startHour: 0, endHour: 24 };
			expect(next('2026-03-07T20:00:00.000Z', sundays, 'America/Havana')).toBe('2026-03-08T05:00:00.000Z');
		});

		it('rejects an empty weekday list', () => {
			const call = () => nextSendTime(at('2026-01-07T12:00:00Z'), { weekdays: [], startHour: 9, endHour: 17 }, 'UTC');
			expect(call).toThrow(InvalidInputError);
			expect(call).toThrow('Sending window weekdays must be a non-empty list of mon, tue, wed, thu, fri, sat, sun');
		});

		it('rejects an unknown weekday', () => {
			const window = { weekdays: ['mon', 'funday'], startHour: 9, endHour: 17 } as unknown as SendingWindow;
			expect(() => nextSendTime(at('2026-01-07T12:00:00Z'), window, 'UTC')).toThrow(
				'Sending window weekdays must be a non-empty list of mon, tue, wed, thu, fri, sat, sun',
			);
		});

		it.each([
			[{ startHour: 17, endHour: 9 }, 'Sending window endHour must be a whole number after startHour (17) up to 24'],
			[{ startHour: 9, endHour: 9 }, 'Sending window endHour must be a whole number after startHour (9) up to 24'],
			[{ startHour: 9, endHour: 25 }, 'Sending window endHour must be a whole number after startHour (9) up to 24'],
			[{ startHour: -1, endHour: 9 }, 'Sending window startHour must be a whole number from 0 to 23'],
			[{ startHour: 8.5, endHour: 9 }, 'Sending window startHour must be a whole number from 0 to 23'],
		])('rejects the hours %j', (hours, message) => {
			expect(() => nextSendTime(at('2026-01-07T12:00:00Z'), { weekdays: ['mon'], ...hours }, 'UTC')).toThrow(message);
		});

		it('rejects an unknown time zone and an invalid date', () => {
			expect(() => nextSendTime(at('2026-01-07T12:00:00Z'), OFFICE_HOURS, 'Mars/Olympus_Mons')).toThrow(
				'Time zone must be an IANA time zone such as America/New_York',
			);
			expect(() => nextSendTime(new Date(NaN), OFFICE_HOURS, 'UTC')).toThrow('Earliest send time must be a valid date');
		});

		describe('on random instants through 2026 (seeded)', () => {
			const zones = [
				'America/New_York',
				'Europe/Berlin',
				'Asia/Kolkata',
				'Australia/Lord_Howe',
				'Pacific/Chatham',
				'America/Havana',
				'UTC',
			];
			const windows: SendingWindow[] = [
				OFFICE_HOURS,
				{ weekdays: ['sat', 'sun'], startHour: 10, endHour: 14 },
				{ weekdays: ['sun'], startHour: 2, endHour: 3 },
				{ weekdays: ['sun'], startHour: 1, endHour: 2 },
				{ weekdays: ['sun', 'mon'], startHour: 0, endHour: 24 },
				{ weekdays: ['wed'], startHour: 22, endHour: 24 },
				{ weekdays: EVERY_DAY, startHour: 3, endHour: 4 },
				{ weekdays: ['tue', 'thu', 'sat'], startHour: 0, endHour: 1 },
			];
			// DST changes in 2026 for the zones above: the searches starting up to 8 days before them cross them.
			const transitions = [
				'2026-03-08T07:00:00Z',
				'2026-11-01T06:00:00Z',
				'2026-03-29T01:00:00Z',
				'2026-10-25T01:00:00Z',
				'2026-04-04T15:00:00Z',
				'2026-10-03T15:30:00Z',
				'2026-04-04T14:00:00Z',
				'2026-09-26T14:00:00Z',
				'2026-03-08T05:00:00Z',
				'2026-11-01T05:00:00Z',
			].map((iso) => Date.parse(iso));
			const yearStart = Date.parse('2026-01-01T00:00:00Z');
			const yearLength = Date.parse('2027-01-01T00:00:00Z') - yearStart;
			const QUARTER_HOUR = 15 * 60_000;

			it('always returns the earliest instant inside the window, never before the earliest allowed instant', () => {
				const random = seededRandom(20260308);
				const failures: string[] = [];
				const samples = 4000;
				for (let i = 0; i < samples; i++) {
					const zone = zones[Math.floor(random() * zones.length)];
					const window = windows[Math.floor(random() * windows.length)];
					const from =
						i % 4 === 0
							? transitions[Math.floor(random() * transitions.length)] - Math.floor(random() * 8 * 86_400_000)
							: yearStart + Math.floor(random() * yearLength);
					const result = nextSendTime(new Date(from), window, zone).getTime();
					const label = `${new Date(from).toISOString()} ${zone} ${JSON.stringify(window)} -> ${new Date(result).toISOString()}`;
					if (result < from) failures.push(`before earliest: ${label}`);
					if (!isInside(result, window, zone)) failures.push(`outside the window: ${label}`);
					// No earlier instant is inside: not the second before the result, nor any quarter hour since `from`.
					if (result - 1000 >= from && isInside(result - 1000, window, zone))
						failures.push(`not the earliest: ${label}`);
					for (let t = from + QUARTER_HOUR; t < result; t += QUARTER_HOUR) {
						if (isInside(t, window, zone)) {
							failures.push(`skipped ${new Date(t).toISOString()}: ${label}`);
							break;
						}
					}
				}
				expect(failures).toEqual([]);
			});
		});

		it('handles 100,000 calls in one pass (the scheduler computes one per lead)', () => {
			const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];
			const base = Date.parse('2026-03-02T00:00:00Z');
			const calls = 100_000;
			const started = process.hrtime.bigint();
			let latest = 0;
			for (let i = 0; i < calls; i++) {
				// Leads spread over two weeks around the March DST change, in several zones.
				const earliest = new Date(base + ((i * 7_919_000) % (14 * 86_400_000)));
				const result = nextSendTime(earliest, OFFICE_HOURS, zones[i % zones.length]);
				latest = Math.max(latest, result.getTime());
			}
			const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
			console.log(`nextSendTime: ${calls} calls in ${elapsedMs.toFixed(1)} ms`);
			expect(latest).toBeGreaterThan(base);
		});
	});

	describe('localDate', () => {
		it.each([
			['2026-03-08T04:59:59.000Z', 'America/New_York', '2026-03-07'],
			['2026-03-08T05:00:00.000Z', 'America/New_York', '2026-03-08'],
			['2026-03-09T03:59:59.000Z', 'America/New_York', '2026-03-08'],
			['2026-03-09T04:00:00.000Z', 'America/New_York', '2026-03-09'],
			['2026-11-01T03:59:59.000Z', 'America/New_York', '2026-10-31'],
			['2026-11-01T04:00:00.000Z', 'America/New_York', '2026-11-01'],
			['2026-11-02T04:59:59.000Z', 'America/New_York', '2026-11-01'],
			['2026-11-02T05:00:00.000Z', 'America/New_York', '2026-11-02'],
			['2026-01-04T18:30:00.000Z', 'Asia/Kolkata', '2026-01-05'],
			['2026-01-04T18:29:59.000Z', 'Asia/Kolkata', '2026-01-04'],
			['2026-07-12T11:15:00.000Z', 'Pacific/Chatham', '2026-07-13'],
			['2026-12-31T23:30:00.000Z', 'Europe/Berlin', '2027-01-01'],
		])('reads %s in %s as %s', (instant, zone, expected) => {
			expect(localDate(at(instant), zone)).toBe(expected);
		});
	});

	describe('startOfLocalDay', () => {
		it.each([
			// The 23-hour and 25-hour days in New York start at their own midnight.
			['2026-03-08T12:00:00.000Z', 'America/New_York', '2026-03-08T05:00:00.000Z'],
			['2026-03-09T12:00:00.000Z', 'America/New_York', '2026-03-09T04:00:00.000Z'],
			['2026-11-01T12:00:00.000Z', 'America/New_York', '2026-11-01T04:00:00.000Z'],
			['2026-11-02T12:00:00.000Z', 'America/New_York', '2026-11-02T05:00:00.000Z'],
			['2026-03-08T05:00:00.000Z', 'America/New_York', '2026-03-08T05:00:00.000Z'],
			['2026-03-08T04:59:59.999Z', 'America/New_York', '2026-03-07T05:00:00.000Z'],
			['2026-10-25T12:00:00.000Z', 'Europe/Berlin', '2026-10-24T22:00:00.000Z'],
			['2026-01-05T12:00:00.000Z', 'Asia/Kolkata', '2026-01-04T18:30:00.000Z'],
			['2026-04-05T12:00:00.000Z', 'Australia/Lord_Howe', '2026-04-04T13:00:00.000Z'],
			['2026-10-04T12:00:00.000Z', 'Australia/Lord_Howe', '2026-10-03T13:30:00.000Z'],
			// Havana skips midnight on 2026-03-08 (the day starts at 01:00) and repeats it on 2026-11-01 (the first one).
			['2026-03-08T12:00:00.000Z', 'America/Havana', '2026-03-08T05:00:00.000Z'],
			['2026-11-01T12:00:00.000Z', 'America/Havana', '2026-11-01T04:00:00.000Z'],
		])('starts the local day of %s in %s at %s', (instant, zone, expected) => {
			expect(startOfLocalDay(at(instant), zone).toISOString()).toBe(expected);
		});
	});

	describe('zonedTimeToInstant', () => {
		it.each([
			[{ year: 2026, month: 1, day: 7, hour: 9 }, 'America/New_York', '2026-01-07T14:00:00.000Z'],
			[{ year: 2026, month: 7, day: 7, hour: 9, minute: 30 }, 'America/New_York', '2026-07-07T13:30:00.000Z'],
			// Skipped local times move to the first valid time after them, the end of the gap.
			[{ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York', '2026-03-08T07:00:00.000Z'],
			[{ year: 2026, month: 9, day: 27, hour: 3 }, 'Pacific/Chatham', '2026-09-26T14:00:00.000Z'],
			// Repeated local times are the first occurrence.
			[{ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York', '2026-11-01T05:30:00.000Z'],
			[{ year: 2026, month: 4, day: 5, hour: 1, minute: 45 }, 'Australia/Lord_Howe', '2026-04-04T14:45:00.000Z'],
			[{ year: 2026, month: 1, day: 5, hour: 9 }, 'Asia/Kolkata', '2026-01-05T03:30:00.000Z'],
			[{ year: 2024, month: 2, day: 29, hour: 12 }, 'UTC', '2024-02-29T12:00:00.000Z'],
		])('converts %j in %s to %s', (local, zone, expected) => {
			expect(zonedTimeToInstant(local, zone).toISOString()).toBe(expected);
		});

		it.each([
			[{ year: 2026, month: 13, day: 1, hour: 9 }, 'Month must be a whole number from 1 to 12'],
			[{ year: 2026, month: 2, day: 29, hour: 9 }, 'Day must be a whole number from 1 to 28'],
			[{ year: 2026, month: 1, day: 1, hour: 24 }, 'Hour must be a whole number from 0 to 23'],
			[{ year: 2026, month: 1, day: 1, hour: 9, minute: 60 }, 'Minute must be a whole number from 0 to 59'],
		])('rejects %j', (local, message) => {
			expect(() => zonedTimeToInstant(local, 'UTC')).toThrow(message);
		});
	});
});
