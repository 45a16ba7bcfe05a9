import { campaignRotation, MailboxSchedule, type SendingWindow, SlotPlanner } from '../../nodes/core/sending';

// The slot placement is pure: these tests need no database. 2026-01-07 is a Wednesday.
const OFFICE: SendingWindow = { weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], startHour: 9, endHour: 17 };
const NOW = Date.parse('2026-01-07T08:00:00Z');
const NO_JITTER = { gapMs: 0, jitterMs: 0, random: () => 0 };

function mailbox(id: string, capacities: Record<string, number>, window?: Partial<SendingWindow>): MailboxSchedule {
	return new MailboxSchedule(id, 'UTC', new Map(Object.entries(capacities)), [], window);
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('MailboxSchedule.slot', () => {
	it('opens with the window and keeps the gap to booked sends', () => {
		const box = mailbox('a', { '2026-01-07': 10 });
		const first = box.slot(NOW, OFFICE, 'UTC', { ...NO_JITTER, gapMs: 120_000 })!;
		expect(iso(first.time)).toBe('2026-01-07T09:00:00.000Z');
		box.book(first.time, first.dayKey);
		expect(iso(box.slot(NOW, OFFICE, 'UTC', { ...NO_JITTER, gapMs: 120_000 })?.time)).toBe('2026-01-07T09:02:00.000Z');
	});

	it('moves to the next day with room, and gives up beyond the loaded days', () => {
		const box = mailbox('a', { '2026-01-07': 1, '2026-01-08': 1 });
		box.countOn('2026-01-07', 1);
		const next = box.slot(NOW, OFFICE, 'UTC', NO_JITTER)!;
		expect(next).toEqual({ time: Date.parse('2026-01-08T09:00:00Z'), dayKey: '2026-01-08' });
		box.book(next.time, next.dayKey);
		expect(box.slot(NOW, OFFICE, 'UTC', NO_JITTER)).toBeUndefined();
	});
});

describe('SlotPlanner', () => {
	it('rotates between mailboxes free at the same time, and reports when none has room', () => {
		const rotation = [mailbox('a', { '2026-01-07': 1 }), mailbox('b', { '2026-01-07': 1 })].map((m) => ({
			mailbox: m,
			window: OFFICE,
		}));
		const planner = new SlotPlanner(NOW);
		const booked = [1, 2, 3].map(() => planner.book('campaign', rotation, 'UTC', NO_JITTER));
		expect(booked).toEqual([
			{ mailboxId: 'a', time: Date.parse('2026-01-07T09:00:00Z') },
			{ mailboxId: 'b', time: Date.parse('2026-01-07T09:00:00Z') },
			undefined,
		]);
	});
});

describe('campaignRotation', () => {
	it("merges each mailbox's own window over the campaign's and sets aside a mix that is no window", () => {
		const late = mailbox('late', {}, { startHour: 18 });
		const early = mailbox('early', {}, { startHour: 7 });
		const { usable, problems } = campaignRotation(OFFICE, [late, early], new Date(NOW));
		expect(usable).toEqual([{ mailbox: early, window: { ...OFFICE, startHour: 7 } }]);
		expect(problems).toEqual([
			"sending account late: its sending window with the campaign's is invalid (Sending window endHour must be a whole number after startHour (18) up to 24)",
		]);
	});
});
