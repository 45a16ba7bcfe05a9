import { randomBytes } from 'node:crypto';

import type { SecretBox } from '../db/secretBox';
import type { TenantTx } from '../db/tenantTransaction';
import { NotFoundError } from '../validation/errors';
import { wholeNumber } from '../validation/numbers';
import { requireTrackingSecret, usableTrackingKeys } from './trackingToken';

// An organization's tracking secrets (organization_tracking_secrets, sealed with the credential's encryption key):
// the keys that sign its tracking links and signed return paths, and the ones that still verify what was sent.
// Without a secret of its own, an organization signs with the platform secret (the credential's Tracking Secret).
// The platform secret always verifies too: links sent before the organization had a secret of its own (or before
// it moved onto the platform) were signed with it, and keep working for as long as the credential's Tracking Secret
// stays the same. A secret is only ever opened here and handed to signing and verifying: it is never returned by an
// operation, put in an error or logged.

/** The keys of one organization: `signing` signs new links; `verifying` are all the keys its links may carry. */
export interface TrackingKeys {
	signing: string;
	verifying: string[];
}

/** What a rotation did: metadata only, never a secret. */
export interface TrackingSecretRotation {
	/** The new secret's row. */
	id: string;
	createdAt: Date;
	/** How many secrets it retired (0 on the first rotation, when the platform secret signed until now). */
	retired: number;
	/** Until when the retired secret(s) still verify links already sent; null when none was retired. */
	previousValidUntil: Date | null;
}

/** The longest Keep Previous Valid (Days): ten years. */
export const MAX_KEEP_PREVIOUS_DAYS = 3650;
const SECRET_BYTES = 32; // 43 base64url characters, 256 bits

type Opener = Pick<SecretBox, 'open'>;
type Sealer = Pick<SecretBox, 'seal'>;

/** The organization's own secrets that still verify, unretired first, newest first; one query. */
async function ownSecrets(tx: TenantTx, box: Opener, now: Date): Promise<Array<{ secret: string; retired: boolean }>> {
	const { rows } = await tx.query<{ secret_encrypted: string; retired: boolean }>(
		`SELECT secret_encrypted, retired_at IS NOT NULL AS retired FROM organization_tracking_secrets
		 WHERE organization_id = $1 AND (retired_at IS NULL OR valid_until > $2::timestamp)
		 ORDER BY (retired_at IS NULL) DESC, created_at DESC, id`,
		[tx.organizationId, now],
	);
	return rows.map((row) => ({ secret: box.open(row.secret_encrypted), retired: row.retired }));
}

function verifyingOf(own: Array<{ secret: string }>, platformSecret: string): string[] {
	return [...new Set([...own.map((key) => key.secret), ...usableTrackingKeys([platformSecret])])];
}

/**
 * The organization's keys, in one query: it signs with its newest secret not retired, else with the platform
 * secret; it verifies with its unretired secret(s), its retired ones whose valid_until is still ahead, and the
 * platform secret. The box opens only the organization's own secrets, so a credential without an encryption key
 * works while no organization has one. A platform secret too short to sign is left out; with no key to sign with
 * this throws the Tracking Secret error (as signing did before organizations had secrets).
 */
export async function trackingKeys(
	tx: TenantTx,
	box: Opener,
	platformSecret: string,
	{ now = new Date() }: { now?: Date } = {},
): Promise<TrackingKeys> {
	const own = await ownSecrets(tx, box, now);
	const signing = own.find((key) => !key.retired)?.secret ?? requireTrackingSecret(platformSecret);
	return { signing, verifying: verifyingOf(own, platformSecret) };
}

/**
 * Only the verifying keys of trackingKeys, for work that signs nothing (Process Inbound Email): an empty list, not an
 * error, when there is no key at all (then no signed return path can be proven, a Message-ID of ours still can).
 */
export async function verifyingTrackingKeys(
	tx: TenantTx,
	box: Opener,
	platformSecret: string,
	{ now = new Date() }: { now?: Date } = {},
): Promise<string[]> {
	return verifyingOf(await ownSecrets(tx, box, now), platformSecret);
}

/**
 * Gives the organization a new random tracking secret, sealed with the box, and retires the one(s) it had: they
 * still verify the links already sent until now + keepPreviousDays (0: they stop at once). One statement. Returns
 * metadata only. NotFoundError when the organization does not exist (nothing is written then).
 */
export async function rotateTrackingSecret(
	tx: TenantTx,
	box: Sealer,
	{ keepPreviousDays, now = new Date() }: { keepPreviousDays: number; now?: Date },
): Promise<TrackingSecretRotation> {
	const days = wholeNumber(keepPreviousDays, 'Keep Previous Valid (Days)', 0, MAX_KEEP_PREVIOUS_DAYS);
	const sealed = box.seal(randomBytes(SECRET_BYTES).toString('base64url'));
	const { rows } = await tx.query<{
		id: string;
		created_at: Date;
		retired: number;
		previous_valid_until: Date | null;
	}>(
		`WITH organization AS (SELECT id FROM organizations WHERE id = $1),
		 retired AS (
		   UPDATE organization_tracking_secrets
		   SET retired_at = $3::timestamp, valid_until = $3::timestamp + make_interval(days => $4::int)
		   WHERE organization_id = $1 AND retired_at IS NULL AND EXISTS (SELECT 1 FROM organization)
		   RETURNING valid_until
		 ),
		 created AS (
		   INSERT INTO organization_tracking_secrets (organization_id, secret_encrypted, created_at)
		   SELECT id, $2, $3::timestamp FROM organization
		   RETURNING id, created_at
		 )
		 SELECT c.id, c.created_at, (SELECT count(*)::int FROM retired) AS retired,
		        (SELECT max(valid_until) FROM retired) AS previous_valid_until
		 FROM created c`,
		[tx.organizationId, sealed, now, days],
	);
	if (rows.length === 0) throw new NotFoundError('Organization', tx.organizationId);
	const row = rows[0];
	return { id: row.id, createdAt: row.created_at, retired: row.retired, previousValidUntil: row.previous_valid_until };
}

/**
 * Re-seals the organization's tracking secrets not sealed with the box's current key (after an encryption key
 * rotation, beside the mailbox secrets): two statements whatever their number. Returns how many.
 */
export async function reencryptTrackingSecrets(tx: TenantTx, box: SecretBox): Promise<number> {
	const { rows } = await tx.query<{ id: string; secret_encrypted: string }>(
		`SELECT id, secret_encrypted FROM organization_tracking_secrets
		 WHERE organization_id = $1 AND split_part(secret_encrypted, '.', 2) <> $2
		 FOR UPDATE`,
		[tx.organizationId, box.keyId],
	);
	if (rows.length === 0) return 0;
	await tx.query(
		`UPDATE organization_tracking_secrets s SET secret_encrypted = u.sealed
		 FROM unnest($2::uuid[], $3::text[]) AS u(id, sealed) WHERE s.organization_id = $1 AND s.id = u.id`,
		[tx.organizationId, rows.map((row) => row.id), rows.map((row) => box.seal(box.open(row.secret_encrypted)))],
	);
	return rows.length;
}
