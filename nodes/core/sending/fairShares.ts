/**
 * Splits `capacity` among demands max-min fairly (water-filling): no demand gets more than it asks, and what a
 * small demand leaves is shared by the larger ones, so a demand of 10 beside one of 100,000 gets all 10 whenever an
 * equal split would give it 10. Shares are whole; a remainder goes to the demands still wanting more from index
 * `start` on, wrapping around (callers vary `start` between runs, so no organization always gets the extra one and,
 * with more organizations than capacity, each gets its turn).
 */
export function fairShares(demands: number[], capacity: number, { start = 0 }: { start?: number } = {}): number[] {
	const shares = demands.map(() => 0);
	let left = Math.max(0, Math.floor(capacity));
	let wanting = demands.map((_, i) => i).filter((i) => demands[i] > 0);
	while (left > 0 && wanting.length > 0) {
		const even = Math.floor(left / wanting.length);
		if (even === 0) {
			const from = wanting.findIndex((i) => i >= start % demands.length);
			const turn = from < 0 ? wanting : [...wanting.slice(from), ...wanting.slice(0, from)];
			for (const i of turn.slice(0, left)) shares[i]++;
			break;
		}
		for (const i of wanting) {
			const given = Math.min(even, demands[i] - shares[i]);
			shares[i] += given;
			left -= given;
		}
		wanting = wanting.filter((i) => shares[i] < demands[i]);
	}
	return shares;
}
