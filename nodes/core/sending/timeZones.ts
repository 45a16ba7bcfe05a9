/**
 * Local time in IANA time zones, DST-safe and built on Intl only: the local date and day of an instant, and the
 * instant of a local wall-clock time. The scheduler reads these once per lead (nextSendTime), so zone offsets are
 * cached per zone and per UTC day and the hot path works on plain millisecond numbers instead of Date objects or
 * parsed strings.
 */
import { InvalidInputError } from '../validation/errors';
import { wholeNumber } from '../validation/numbers';

export const DAY = 86_400_000;
/** Cached days per zone before the cache is dropped (a year of days fits; keeps memory bounded). */
const MAX_CACHED_DAYS = 4096;
const MAX_CACHED_ZONES = 1024;
const NO_CHANGE = Number.POSITIVE_INFINITY;

// Globals used on the hot path, read once: in a vm context (jest, sandboxed code) every global lookup goes through an
// interceptor and makes nextSendTime several times slower.
const { floor } = Math;
const { isNaN: numberIsNaN } = Number;
const { getTime } = Date.prototype;

/** A zone's offsets during one UTC day: `before` until the instant `change`, `after` from it on. */
interface DayOffsets {
	before: number;
	after: number;
	/** The first millisecond of the new offset; NO_CHANGE on the (usual) days without one. */
	change: number;
}

/** A time zone with its formatter and cached offsets: what requireZone returns, for the functions below. */
export interface Zone {
	formatter: Intl.DateTimeFormat;
	/**
	 * UTC day number -> its offsets. Assumes at most one offset change per UTC day, which holds for all of tzdata's
	 * modern rules (changes are months apart).
	 */
	offsetsByUtcDay: Map<number, DayOffsets>;
}

const zones = new Map<string, Zone>();

function zoneFor(timeZone: string): Zone | undefined {
	const cached = zones.get(timeZone);
	if (cached) return cached;
	// Offset strings such as +05:00 are not IANA zones (newer ICU versions accept them; OPhir stores names).
	if (timeZone === '' || timeZone.startsWith('+') || timeZone.startsWith('-')) return undefined;
	let formatter: Intl.DateTimeFormat;
	try {
		formatter = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric',
		});
	} catch {
		return undefined;
	}
	if (zones.size >= MAX_CACHED_ZONES) zones.clear();
	const zone: Zone = { formatter, offsetsByUtcDay: new Map() };
	zones.set(timeZone, zone);
	return zone;
}

export function requireZone(timeZone: string): Zone {
	const zone = typeof timeZone === 'string' ? zoneFor(timeZone) : undefined;
	if (!zone) throw new InvalidInputError('Time zone', 'an IANA time zone such as America/New_York', timeZone);
	return zone;
}

/** Whether `zone` is a valid IANA time zone. */
export function isTimeZone(zone: unknown): zone is string {
	return typeof zone === 'string' && zoneFor(zone) !== undefined;
}

/** The zone's UTC offset at `ms` from formatToParts (the slow, exact path). */
function exactOffset(zone: Zone, ms: number): number {
	const wholeSecond = floor(ms / 1000) * 1000;
	let year = 0;
	let month = 0;
	let day = 0;
	let hour = 0;
	let minute = 0;
	let second = 0;
	for (const part of zone.formatter.formatToParts(wholeSecond)) {
		switch (part.type) {
			case 'year':
				year = Number(part.value);
				break;
			case 'month':
				month = Number(part.value);
				break;
			case 'day':
				day = Number(part.value);
				break;
			case 'hour':
				hour = Number(part.value);
				break;
			case 'minute':
				minute = Number(part.value);
				break;
			case 'second':
				second = Number(part.value);
				break;
		}
	}
	return utcMs(year, month, day, hour, minute, second) - wholeSecond;
}

/** Date.UTC without its 0..99 -> 1900s year mapping (400 Gregorian years are exactly 146,097 days). */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
	if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second);
	return Date.UTC(year + 400, month - 1, day, hour, minute, second) - 146_097 * DAY;
}

function isLeapYear(year: number): boolean {
	return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The zone's UTC offset (ms) at instant `ms`: local wall-clock ms = ms + offset. */
export function offsetAt(zone: Zone, ms: number): number {
	const day = offsetsOfDay(zone, ms);
	return ms < day.change ? day.before : day.after;
}

/** The cached offsets of the UTC day containing `ms`. */
function offsetsOfDay(zone: Zone, ms: number): DayOffsets {
	const utcDay = floor(ms / DAY);
	let day = zone.offsetsByUtcDay.get(utcDay);
	if (day === undefined) {
		day = dayOffsets(zone, utcDay * DAY);
		if (zone.offsetsByUtcDay.size >= MAX_CACHED_DAYS) zone.offsetsByUtcDay.clear();
		zone.offsetsByUtcDay.set(utcDay, day);
	}
	return day;
}

/** The offsets of the UTC day starting at `dayStart`, finding the second an offset change happens by bisection. */
function dayOffsets(zone: Zone, dayStart: number): DayOffsets {
	const before = exactOffset(zone, dayStart);
	let last = dayStart + DAY - 1000;
	const after = exactOffset(zone, last);
	if (before === after) return { before, after, change: NO_CHANGE };
	let first = dayStart;
	while (last - first > 1000) {
		const mid = first + floor((last - first) / 2000) * 1000;
		if (exactOffset(zone, mid) === before) first = mid;
		else last = mid;
	}
	return { before, after, change: last };
}

/**
 * The instant the local wall-clock time `localMs` (wall-clock fields encoded as if UTC) happens in the zone: the first
 * occurrence when the wall-clock time repeats (fall back); for a skipped time (spring forward) the first valid local
 * time after it, which is the transition itself (a 02:30 in New York's 02:00 -> 03:00 gap becomes 03:00; in Chatham's
 * 02:45 -> 03:45 gap, 03:00 becomes 03:45).
 */
export function wallClockToInstant(zone: Zone, localMs: number): number {
	// Offsets lie within -12h..+14h, so the instant is within a day of localMs; offsets one day either side are the
	// offsets before and after any transition near that time.
	const before = offsetAt(zone, localMs - DAY);
	const after = offsetAt(zone, localMs + DAY);
	if (before === after) return localMs - before;
	const withBefore = localMs - before;
	const withAfter = localMs - after;
	const beforeValid = offsetAt(zone, withBefore) === before;
	const afterValid = offsetAt(zone, withAfter) === after;
	if (beforeValid && afterValid) return Math.min(withBefore, withAfter);
	if (beforeValid) return withBefore;
	if (afterValid) return withAfter;
	// In a gap (withAfter is still on the old offset, withBefore on the new one): the first valid local time after
	// the skipped one is the offset change itself. A change exactly at UTC midnight is recorded by neither day.
	const early = offsetsOfDay(zone, withAfter);
	if (early.change <= withBefore) return early.change;
	const late = offsetsOfDay(zone, withBefore);
	return late.change <= withBefore ? late.change : floor(withBefore / DAY) * DAY;
}

export function requireInstant(instant: Date, field: string): number {
	const ms = timeOf(instant);
	if (numberIsNaN(ms)) throw new InvalidInputError(field, 'a valid date', instant);
	return ms;
}

/** The time of a Date, also of one from another realm (an n8n Code node sandbox), where instanceof fails. */
function timeOf(instant: unknown): number {
	try {
		return getTime.call(instant);
	} catch {
		return NaN;
	}
}

/** The local calendar date of `instant` in `timeZone`, as 'YYYY-MM-DD'. */
export function localDate(instant: Date, timeZone: string): string {
	const zone = requireZone(timeZone);
	const ms = requireInstant(instant, 'Instant');
	const local = new Date(ms + offsetAt(zone, ms));
	return `${String(local.getUTCFullYear()).padStart(4, '0')}-${pad2(local.getUTCMonth() + 1)}-${pad2(local.getUTCDate())}`;
}

/** The instant local midnight starts the local day of `instant` in `timeZone` (DST-safe). */
export function startOfLocalDay(instant: Date, timeZone: string): Date {
	const zone = requireZone(timeZone);
	const ms = requireInstant(instant, 'Instant');
	const local = ms + offsetAt(zone, ms);
	// In a zone whose midnight is skipped, the day starts at the first valid time after it (the shifted midnight).
	return new Date(wallClockToInstant(zone, floor(local / DAY) * DAY));
}

/** Converts a local wall-clock time in `timeZone` to the instant (first occurrence if ambiguous, shifted forward past a gap). */
export function zonedTimeToInstant(
	local: { year: number; month: number; day: number; hour: number; minute?: number },
	timeZone: string,
): Date {
	const zone = requireZone(timeZone);
	const year = wholeNumber(local.year, 'Year', 1, 9999);
	const month = wholeNumber(local.month, 'Month', 1, 12);
	const day = wholeNumber(local.day, 'Day', 1, daysInMonth(year, month));
	const hour = wholeNumber(local.hour, 'Hour', 0, 23);
	const minute = wholeNumber(local.minute ?? 0, 'Minute', 0, 59);
	return new Date(wallClockToInstant(zone, utcMs(year, month, day, hour, minute, 0)));
}

function daysInMonth(year: number, month: number): number {
	return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function pad2(value: number): string {
	return value < 10 ? `0${value}` : String(value);
}
