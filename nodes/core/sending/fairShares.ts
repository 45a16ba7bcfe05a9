import type { TenantTx } from '../db/tenantTransaction';

/**
 * Splits `capacity` among demands max-min fairly (water-filling): no demand gets more than it asks, and what a
 * small demand leaves is shared by the larger ones, so a demand of 10 beside one of 100,000 gets all 10 whenever an
 * equal split would give it 10. Shares are whole; a remainder goes to the first demands still wanting more, in the
 * given order (callers rotate the order between runs so no organization always gets the extra one).
 */
export function fairShares(demands: number[], capacity: number): number[] {
	const shares = demands.map(() => 0);
	let left = Math.max(0, Math.floor(capacity));
	let wanting = demands.map((_, i) => i).filter((i) => demands[i] > 0);
	while (left > 0 && wanting.length > 0) {
		const even = Math.floor(left / wanting.length);
		if (even === 0) {
			for (const i of wanting.slice(0, left)) shares[i]++;
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

/**
 * How many emails this organization could claim now, counting up to `cap`: queued and due, or leased by a worker
 * whose lease ran out. An estimate (a paused campaign's or a full mailbox's emails count too): it only weighs the
 * organization's share of a platform batch, and a share left unused goes to the others in a second round.
 */
export async function dueEmailCount(tx: TenantTx, { cap, now }: { cap: number; now: Date }): Promise<number> {
	const { rows } = await tx.query<{ due: number }>(
		`SELECT count(*)::int AS due FROM (
		   SELECT 1 FROM email_queue q
		   WHERE q.organization_id = $1
		     AND ((q.status = 'queued' AND q.scheduled_at <= $2::timestamp)
		       OR (q.status = 'sending' AND q.lease_expires_at < $2::timestamp))
		   LIMIT $3) due`,
		[tx.organizationId, now, cap],
	);
	return rows[0].due;
}
