import { closeAllPools, SecretBox } from '../../nodes/core/db';
import {
	reencryptTrackingSecrets,
	rotateTrackingSecret,
	signTrackingTokenV2,
	trackingKeys,
	verifyingTrackingKeys,
	verifyTrackingToken,
} from '../../nodes/core/tracking';
import { InvalidInputError, NotFoundError } from '../../nodes/core/validation';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { KEY, SECRET } from '../support/outreach';
import { actingFor, newTenant, systemTenant } from '../support/tenants';

/**
 * An organization's tracking secrets: its own newest unretired secret signs, else the platform secret (the
 * credential's Tracking Secret); rotation keeps the previous one verifying until valid_until; secrets are stored
 * sealed and never come out of an operation.
 */

const DAY = 86_400_000;
const QUEUE_ID = '0d9c8b7a-6f5e-4d4c-8b3a-291807f6e5d4';

describe('tracking secrets per organization', () => {
	let db: TestDatabase;
	const box = new SecretBox(KEY);

	beforeAll(async () => {
		db = await createTestDatabase();
	});
	afterAll(async () => {
		await closeAllPools();
		await db.drop();
	});

	const storedRows = async (organizationId: string) =>
		(
			await db.pool.query(
				`SELECT id, secret_encrypted, created_at, retired_at, valid_until FROM organization_tracking_secrets
				 WHERE organization_id = $1 ORDER BY created_at`,
				[organizationId],
			)
		).rows as Array<{ id: string; secret_encrypted: string; retired_at: Date | null; valid_until: Date | null }>;

	it('signs and verifies with the platform secret while the organization has none of its own', async () => {
		const tenant = await newTenant(db);
		expect(await tenant.as((tx) => trackingKeys(tx, box, SECRET))).toEqual({ signing: SECRET, verifying: [SECRET] });
		expect(await tenant.as((tx) => verifyingTrackingKeys(tx, box, SECRET))).toEqual([SECRET]);
		// No key at all: signing is a configuration error (named, the secret not echoed); verifying has nothing.
		await expect(tenant.as((tx) => trackingKeys(tx, box, ''))).rejects.toThrow(
			new InvalidInputError(
				'Tracking Secret (credential)',
				'at least 32 characters long (a random string, e.g. from openssl rand -hex 32)',
			),
		);
		expect(await tenant.as((tx) => verifyingTrackingKeys(tx, box, 'short'))).toEqual([]);
	});

	it('rotation gives the organization its own secret, stored sealed, and returns metadata only', async () => {
		const tenant = await newTenant(db);
		const now = new Date('2027-03-01T12:00:00Z');
		const rotation = await tenant.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 90, now }));
		expect(rotation).toEqual({ id: expect.any(String), createdAt: now, retired: 0, previousValidUntil: null });

		const [row] = await storedRows(tenant.id);
		expect(row.id).toBe(rotation.id);
		expect(row.secret_encrypted).toMatch(/^v1\.[0-9a-f]{12}\./); // sealed by the secret box
		const secret = box.open(row.secret_encrypted);
		expect(secret.length).toBeGreaterThanOrEqual(32);
		expect(row.secret_encrypted).not.toContain(secret);
		expect(JSON.stringify(rotation)).not.toContain(secret);
		expect(JSON.stringify(rotation)).not.toContain(row.secret_encrypted);

		// Its own secret signs now; links signed with the platform secret before still verify.
		const keys = await tenant.as((tx) => trackingKeys(tx, box, SECRET, { now }));
		expect(keys).toEqual({ signing: secret, verifying: [secret, SECRET] });
		const token = signTrackingTokenV2(keys.signing, tenant.id, QUEUE_ID, 'open');
		expect(verifyTrackingToken(keys.verifying, token)?.organizationId).toBe(tenant.id);
		expect(verifyTrackingToken(SECRET, token)).toBeUndefined();
		// It needs no platform secret any more to sign.
		expect((await tenant.as((tx) => trackingKeys(tx, box, '', { now }))).signing).toBe(secret);

		// Each rotation makes a different random secret.
		const again = await newTenant(db);
		await again.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 0, now }));
		expect(box.open((await storedRows(again.id))[0].secret_encrypted)).not.toBe(secret);
	});

	it('keeps the previous secret verifying until valid_until, then refuses it; the newest signs', async () => {
		const tenant = await newTenant(db);
		const first = new Date('2027-03-01T12:00:00Z');
		const second = new Date(first.getTime() + 10 * DAY);
		await tenant.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 7, now: first }));
		const old = (await tenant.as((tx) => trackingKeys(tx, box, SECRET, { now: first }))).signing;
		const oldLink = signTrackingTokenV2(old, tenant.id, QUEUE_ID, 'click', 2);

		const rotation = await tenant.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 30, now: second }));
		const validUntil = new Date(second.getTime() + 30 * DAY);
		expect(rotation).toMatchObject({ retired: 1, previousValidUntil: validUntil });
		const rows = await storedRows(tenant.id);
		expect(rows.map((r) => [r.retired_at, r.valid_until])).toEqual([
			[second, validUntil],
			[null, null],
		]);

		const during = await tenant.as((tx) => trackingKeys(tx, box, SECRET, { now: new Date(validUntil.getTime() - 1) }));
		expect(during.signing).not.toBe(old);
		expect(during.verifying).toEqual([during.signing, old, SECRET]);
		expect(verifyTrackingToken(during.verifying, oldLink)).toMatchObject({ kind: 'click', linkIndex: 2 });

		const after = await tenant.as((tx) => trackingKeys(tx, box, SECRET, { now: validUntil }));
		expect(after.verifying).toEqual([during.signing, SECRET]);
		expect(verifyTrackingToken(after.verifying, oldLink)).toBeUndefined();
	});

	it('with 0 days the previous secret stops verifying at once', async () => {
		const tenant = await newTenant(db);
		await tenant.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 30 }));
		const leaked = (await tenant.as((tx) => trackingKeys(tx, box, SECRET))).signing;
		const rotation = await tenant.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 0 }));
		expect(rotation.retired).toBe(1);
		const keys = await tenant.as((tx) => trackingKeys(tx, box, SECRET));
		expect(keys.verifying).not.toContain(leaked);
		expect(keys.verifying).toEqual([keys.signing, SECRET]);
		expect(verifyTrackingToken(keys.verifying, signTrackingTokenV2(leaked, tenant.id, QUEUE_ID, 'open'))).toBe(
			undefined,
		);
	});

	it('keeps secrets per organization: neither another organization nor the system organization reads them', async () => {
		const a = await newTenant(db);
		const b = await newTenant(db);
		await a.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 90 }));
		const count = (as: typeof a.as) =>
			as(async (tx) => (await tx.query('SELECT count(*)::int AS n FROM organization_tracking_secrets')).rows[0].n);
		expect(await count(a.as)).toBe(1);
		expect(await count(b.as)).toBe(0);
		expect(await count(systemTenant(db).as)).toBe(0);
		// B still signs with the platform secret; A's secret is not among B's keys.
		expect(await b.as((tx) => trackingKeys(tx, box, SECRET))).toEqual({ signing: SECRET, verifying: [SECRET] });
		// The operator rotates a client's secret inside the client's own transaction.
		await actingFor(db, b.id)((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 90 }));
		expect(await count(b.as)).toBe(1);
		expect(await count(a.as)).toBe(1);
	});

	it('refuses a bad Keep Previous Valid (Days) and an organization that does not exist, writing nothing', async () => {
		const tenant = await newTenant(db);
		for (const bad of [-1, 1.5, 3651, Number.NaN]) {
			await expect(tenant.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: bad }))).rejects.toThrow(
				'Keep Previous Valid (Days) must be a whole number from 0 to 3650',
			);
		}
		const missing = '7e6d5c4b-3a29-4817-8f6e-5d4c3b2a1908';
		await expect(
			actingFor(db, missing)((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 1 })),
		).rejects.toBeInstanceOf(NotFoundError);
		expect(await storedRows(tenant.id)).toEqual([]);
		expect(await storedRows(missing)).toEqual([]);
	});

	it('needs the encryption key the secret was sealed with to open it', async () => {
		const tenant = await newTenant(db);
		await tenant.as((tx) => rotateTrackingSecret(tx, box, { keepPreviousDays: 1 }));
		const otherBox = new SecretBox('another-encryption-key-0123456789abcdef');
		await expect(tenant.as((tx) => trackingKeys(tx, otherBox, SECRET))).rejects.toThrow(/was encrypted with key/);
		// With the old key as a previous key, it opens again.
		const rotated = new SecretBox('another-encryption-key-0123456789abcdef', [KEY]);
		const keys = await tenant.as((tx) => trackingKeys(tx, rotated, SECRET));
		expect(keys.signing).not.toBe(SECRET);
		// Re-Encrypt Secrets re-seals it with the new key: the old key can then go.
		expect(await tenant.as((tx) => reencryptTrackingSecrets(tx, rotated))).toBe(1);
		expect(await tenant.as((tx) => reencryptTrackingSecrets(tx, rotated))).toBe(0);
		const newKeyOnly = new SecretBox('another-encryption-key-0123456789abcdef');
		expect((await tenant.as((tx) => trackingKeys(tx, newKeyOnly, SECRET))).signing).toBe(keys.signing);
	});
});
