/**
 * Runs work as it is handed in, at most `limit` at a time and at most `perKey` with the same key at a time (a
 * mailbox's SMTP connections), each key's work in the order given. Work can be added while other work runs, so a
 * Sender run starts sending one organization's emails while others still claim theirs.
 */
export class KeyedLanes {
	private active = 0;
	private readonly running = new Map<string, number>();
	private readonly waiting = new Map<string, Array<() => void>>();

	constructor(
		private readonly limit: number,
		private readonly perKey: number,
	) {}

	/** Resolves once `work` has run; `work` handles its own errors (a rejection is ignored here). */
	run(key: string, work: () => Promise<void>): Promise<void> {
		return new Promise((resolve) => {
			const start = () => {
				this.active++;
				this.running.set(key, (this.running.get(key) ?? 0) + 1);
				void Promise.resolve()
					.then(work)
					.catch(() => undefined)
					.finally(() => {
						this.active--;
						this.running.set(key, this.running.get(key)! - 1);
						resolve();
						this.pump();
					});
			};
			const queue = this.waiting.get(key);
			if (queue) queue.push(start);
			else this.waiting.set(key, [start]);
			this.pump();
		});
	}

	private pump(): void {
		for (const [key, queue] of this.waiting) {
			while (this.active < this.limit && queue.length > 0 && (this.running.get(key) ?? 0) < this.perKey) {
				queue.shift()!();
			}
			if (queue.length === 0) this.waiting.delete(key);
		}
	}
}

/** At most `size` of the works given at the same time (each holds a pooled connection); the others wait their turn. */
export function lanes(size: number): <T>(work: () => Promise<T>) => Promise<T> {
	let free = Math.max(1, size);
	const waiting: Array<() => void> = [];
	return async (work) => {
		if (free > 0) free--;
		else await new Promise<void>((resolve) => waiting.push(resolve));
		try {
			return await work();
		} finally {
			const next = waiting.shift();
			if (next) next();
			else free++;
		}
	};
}
