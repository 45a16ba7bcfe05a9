/**
 * Sending windows: the local weekdays and hours when an email may go out, in the recipient's (or campaign's) time
 * zone. This module is the one source of what a window is (WEEKDAYS, the hours, start before end): the campaign
 * config schema and a mailbox's own window check against it, each in its users' words.
 */
import { InvalidInputError } from '../validation/errors';
import { DAY, offsetAt, requireInstant, requireZone, wallClockToInstant } from './timeZones';

/** The days a window may name, in the order users see them. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Local weekdays and hours (0..24, start < end) when sending is allowed: [startHour:00, endHour:00). */
export interface SendingWindow {
	weekdays: Weekday[];
	startHour: number;
	endHour: number;
}

/** The whole hours a window may start and end at; it must end after it starts (hoursInOrder). */
export const START_HOURS = { min: 0, max: 23 } as const;
export const END_HOURS = { min: 1, max: 24 } as const;

/** What a window's weekdays must be, for error messages. */
/** A campaign's window when its config names none: office hours on working days. */
export const DEFAULT_SENDING_WINDOW: Readonly<SendingWindow> = Object.freeze({
	weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'] as Weekday[],
	startHour: 9,
	endHour: 17,
});

export const WEEKDAYS_EXPECTED = `a non-empty list of ${WEEKDAYS.join(', ')}`;

const HOUR = 3_600_000;
/**
 * The search bound of nextSendTime. Every weekday comes round within a week, but a short window on a single weekday
 * can fall entirely into a DST gap (Sundays 02:00-03:00 in Berlin on 2026-03-29), so the next one is two weeks away.
 */
const SEARCH_DAYS = 15;

// Globals used on the hot path, read once: in a vm context (jest, sandboxed code) every global lookup goes through an
// interceptor and makes nextSendTime several times slower.
const { floor } = Math;
const { isInteger } = Number;
const { isArray } = Array;
const { hasOwn } = Object;
const DateClass = Date;

/** Bit per weekday, Sunday = bit 0, matching (days since 1970-01-01 + 4) % 7 (1970-01-01 was a Thursday). */
const WEEKDAY_BITS: Readonly<Record<Weekday, number>> = {
	sun: 1,
	mon: 2,
	tue: 4,
	wed: 8,
	thu: 16,
	fri: 32,
	sat: 64,
};

/** Whether `value` is one of WEEKDAYS. */
function isWeekday(value: unknown): value is Weekday {
	return typeof value === 'string' && hasOwn(WEEKDAY_BITS, value);
}

/** Whether `value` can be a window's weekdays: a non-empty list of WEEKDAYS. */
export function isWeekdayList(value: unknown): value is Weekday[] {
	return isArray(value) && value.length > 0 && value.every(isWeekday);
}

/** Whether a window from `startHour` to `endHour` has any time in it. */
export function hoursInOrder(startHour: number, endHour: number): boolean {
	return startHour < endHour;
}

function weekdayMask(window: SendingWindow): number {
	const weekdays: unknown = window?.weekdays;
	if (!isArray(weekdays) || weekdays.length === 0) {
		throw new InvalidInputError('Sending window weekdays', WEEKDAYS_EXPECTED, weekdays);
	}
	let mask = 0;
	for (const weekday of weekdays) {
		if (!isWeekday(weekday)) throw new InvalidInputError('Sending window weekdays', WEEKDAYS_EXPECTED, weekday);
		mask |= WEEKDAY_BITS[weekday];
	}
	return mask;
}

function requireHours(window: SendingWindow): void {
	const { startHour, endHour } = window;
	if (!isInteger(startHour) || startHour < START_HOURS.min || startHour > START_HOURS.max) {
		throw new InvalidInputError(
			'Sending window startHour',
			`a whole number from ${START_HOURS.min} to ${START_HOURS.max}`,
			startHour,
		);
	}
	if (!isInteger(endHour) || !hoursInOrder(startHour, endHour) || endHour > END_HOURS.max) {
		throw new InvalidInputError(
			'Sending window endHour',
			`a whole number after startHour (${startHour}) up to ${END_HOURS.max}`,
			endHour,
		);
	}
}

/** The WEEKDAY_BITS bit of a day counted from 1970-01-01 (a Thursday); the day may be negative. */
function weekdayBit(day: number): number {
	return 1 << ((day % 7) + 11) % 7;
}

/** Whether local wall-clock time `localMs` (wall-clock fields encoded as if UTC) is inside the window. */
function insideWindow(localMs: number, mask: number, startMs: number, endMs: number): boolean {
	const localDay = floor(localMs / DAY);
	const timeOfDay = localMs - localDay * DAY;
	return timeOfDay >= startMs && timeOfDay < endMs && (mask & weekdayBit(localDay)) !== 0;
}

/**
 * The earliest instant >= `earliest` that is inside the window in `timeZone` (local weekday in weekdays, local time in
 * [startHour:00, endHour:00)). A window start in a skipped hour (spring forward) moves to the first valid local time
 * after it; in a repeated hour (fall back) it is the first occurrence. Searches at most 15 days ahead.
 */
export function nextSendTime(earliest: Date, window: SendingWindow, timeZone: string): Date {
	const zone = requireZone(timeZone);
	const mask = weekdayMask(window);
	requireHours(window);
	const from = requireInstant(earliest, 'Earliest send time');
	const startMs = window.startHour * HOUR;
	const endMs = window.endHour * HOUR;

	const local = from + offsetAt(zone, from);
	if (insideWindow(local, mask, startMs, endMs)) return earliest;

	// The window next opens at a window start on an allowed local day (the start may be shifted by a DST gap, or land
	// on another day when a whole local day is skipped: so each candidate is checked against the window again).
	const firstDay = floor(local / DAY);
	for (let day = firstDay; day <= firstDay + SEARCH_DAYS; day++) {
		if ((mask & weekdayBit(day)) === 0) continue;
		const candidate = wallClockToInstant(zone, day * DAY + startMs);
		if (candidate < from) continue;
		if (insideWindow(candidate + offsetAt(zone, candidate), mask, startMs, endMs)) return new DateClass(candidate);
	}
	// Unreachable for a valid window in any real zone (see SEARCH_DAYS).
	throw new Error(`No sending time within ${SEARCH_DAYS} days of ${earliest.toISOString()} in ${timeZone}`);
}
