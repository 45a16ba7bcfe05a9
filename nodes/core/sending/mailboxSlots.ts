import { localDate, startOfLocalDay } from './timeZones';
import { nextSendTime, type SendingWindow } from './sendingWindow';

// Where and when each email of a scheduling run goes: the mailbox that can send it first within its sending window,
// its room on that local day and the gap to its other sends. Pure (no SQL): the scheduler loads the mailboxes, asks
// for a slot per email and writes what was booked.

/** How far ahead bookings go: a mailbox full for a week leaves its leads for a later run. */
export const HORIZON_DAYS = 7;
const DAY_MS = 86_400_000;

/** How a campaign spaces a mailbox's sends: at least the gap apart, pushed past a neighbour by a random jitter. */
export interface Pacing {
	gapMs: number;
	jitterMs: number;
	/** The jitter's random source, in [0, 1). */
	random: () => number;
}

/**
 * A mailbox's bookable capacity per local day (its own time zone) and the times of its booked sends, so that a new
 * send keeps the campaign's gap to every other one of the mailbox, before or after it (a lead in Tokyo may go out
 * hours before a lead in New York booked earlier in the same run).
 */
export class MailboxSchedule {
	private readonly perDay = new Map<string, number>();
	private cachedDay = { start: 0, end: 0, key: '' };
	/** Emails booked by this run: breaks ties between mailboxes free at the same time, so rotation stays even. */
	bookedThisRun = 0;
	/** Changes with every booking: a slot computed at an earlier version may be stale. */
	version = 0;

	constructor(
		readonly id: string,
		private readonly zone: string,
		private readonly capacityByDay: Map<string, number>,
		/** Booked send times (ms), ascending. */
		private readonly times: number[],
		readonly window: Partial<SendingWindow> | undefined,
	) {}

	/** Counts `count` sends on a local day (without a time: sent already, or loaded from the queue). */
	countOn(dayKey: string, count: number): void {
		this.perDay.set(dayKey, (this.perDay.get(dayKey) ?? 0) + count);
		this.version++;
	}

	book(time: number, dayKey: string): void {
		this.countOn(dayKey, 1);
		let at = this.times.length;
		while (at > 0 && this.times[at - 1] > time) at--;
		this.times.splice(at, 0, time);
		this.bookedThisRun++;
	}

	/** The account's local day that contains `time`: its key and when it ends. */
	private dayOf(time: number): { key: string; end: number } {
		if (time < this.cachedDay.start || time >= this.cachedDay.end) {
			const start = startOfLocalDay(new Date(time), this.zone).getTime();
			// The next local midnight: from well inside the next day (days last 23 to 25 hours).
			const end = startOfLocalDay(new Date(start + DAY_MS + 4 * 3_600_000), this.zone).getTime();
			this.cachedDay = { start, end, key: localDate(new Date(time), this.zone) };
		}
		return this.cachedDay;
	}

	/** Whether the mailbox can take one more email on the local day of `time`; when not, when its next day starts. */
	private roomAt(time: number): { key: string } | { fullUntil: number } | undefined {
		const day = this.dayOf(time);
		const capacity = this.capacityByDay.get(day.key);
		if (capacity === undefined) return undefined; // beyond the horizon
		return (this.perDay.get(day.key) ?? 0) < capacity ? { key: day.key } : { fullUntil: day.end };
	}

	/** The earliest time from `time` that is at least `gapMs` away from every booked send. */
	private clearOf(time: number, gapMs: number): number {
		if (gapMs <= 0) return time;
		let low = 0;
		let high = this.times.length;
		while (low < high) {
			const mid = (low + high) >> 1;
			if (this.times[mid] <= time - gapMs) low = mid + 1;
			else high = mid;
		}
		let clear = time;
		for (let i = low; i < this.times.length && this.times[i] < clear + gapMs; i++)
			clear = Math.max(clear, this.times[i] + gapMs);
		return clear;
	}

	/**
	 * The earliest time from `earliest` the window allows, the mailbox's day has room and the gap to its other sends
	 * holds (pushed past a neighbour by the gap plus a random jitter), or undefined within the horizon.
	 */
	slot(earliest: number, window: SendingWindow, zone: string, pacing: Pacing): Slot | undefined {
		let time = earliest;
		for (let tries = 0; tries <= this.times.length + HORIZON_DAYS * 4; tries++) {
			time = nextSendTime(new Date(time), window, zone).getTime();
			const room = this.roomAt(time);
			if (!room) return undefined;
			if ('fullUntil' in room) {
				time = room.fullUntil;
				continue;
			}
			const clear = this.clearOf(time, pacing.gapMs);
			if (clear === time) return { time, dayKey: room.key };
			time = clear + pacing.random() * pacing.jitterMs;
		}
		return undefined;
	}
}

interface Slot {
	time: number;
	dayKey: string;
}

/** A mailbox of a campaign's rotation, with its window: the campaign's, with the parts the mailbox sets replaced. */
export interface RotationEntry {
	mailbox: MailboxSchedule;
	window: SendingWindow;
}

/**
 * The mailboxes a campaign rotates through. A mix of windows that is no window (the mailbox's start hour after the
 * campaign's end hour) sidelines that mailbox, not the whole run: it is named in `problems`.
 */
export function campaignRotation(
	campaignWindow: SendingWindow,
	mailboxes: MailboxSchedule[],
	now: Date,
): { usable: RotationEntry[]; problems: string[] } {
	const usable: RotationEntry[] = [];
	const problems: string[] = [];
	for (const mailbox of mailboxes) {
		const window = { ...campaignWindow, ...mailbox.window };
		try {
			nextSendTime(now, window, 'UTC');
			usable.push({ mailbox, window });
		} catch (error) {
			problems.push(
				`sending account ${mailbox.id}: its sending window with the campaign's is invalid (${(error as Error).message})`,
			);
		}
	}
	return { usable, problems };
}

/**
 * Books each email on the mailbox of its campaign's rotation that can send it first; rotation follows, since every
 * booking moves that mailbox's next slot (and on a tie, without a gap, the mailbox that got fewest in this run goes
 * first). A mailbox's next slot for a campaign and zone only changes when the mailbox books: it is computed once
 * per booking, not once per email.
 */
type CachedSlot = { version: number; slot: Slot | undefined };

export class SlotPlanner {
	private readonly slots = new Map<string, Array<CachedSlot | undefined>>();

	constructor(private readonly now: number) {}

	/** Books the first free slot for an email of `campaignId` sent in `zone`; undefined when no mailbox has room. */
	book(
		campaignId: string,
		rotation: RotationEntry[],
		zone: string,
		pacing: Pacing,
	): { mailboxId: string; time: number } | undefined {
		const key = `${campaignId}|${zone}`;
		let cachedSlots = this.slots.get(key);
		if (!cachedSlots) this.slots.set(key, (cachedSlots = new Array<CachedSlot | undefined>(rotation.length)));
		let best: ({ mailbox: MailboxSchedule } & Slot) | undefined;
		for (let m = 0; m < rotation.length; m++) {
			const { mailbox, window } = rotation[m];
			let cached = cachedSlots[m];
			if (!cached || cached.version !== mailbox.version) {
				cached = cachedSlots[m] = { version: mailbox.version, slot: mailbox.slot(this.now, window, zone, pacing) };
			}
			const slot = cached.slot;
			if (
				slot &&
				(!best ||
					slot.time < best.time ||
					(slot.time === best.time && mailbox.bookedThisRun < best.mailbox.bookedThisRun))
			) {
				best = { mailbox, ...slot };
			}
		}
		if (!best) return undefined;
		best.mailbox.book(best.time, best.dayKey);
		return { mailboxId: best.mailbox.id, time: best.time };
	}
}
