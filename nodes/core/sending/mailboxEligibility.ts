/**
 * Which mailboxes may send, shared by the scheduler and the sender: active (not paused), with a password or tokens
 * stored, and a health score of at least SENDING_MIN_HEALTH_SCORE (health falls with bounces and complaints).
 */
export const SENDING_MIN_HEALTH_SCORE = 50;

/** SQL condition on email_accounts (aliased `alias`); the score is parameter `$healthParam`. */
export function eligibleMailboxSql(alias: string, healthParam: number): string {
	return `${alias}.status = 'active' AND ${alias}.health_score >= $${healthParam} AND ${alias}.credentials_encrypted IS NOT NULL`;
}
