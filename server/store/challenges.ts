import { KeyholdError } from '../errors';
import { everyColumn, preparedQuery } from './prepared';
import type { ChallengePurpose, ChallengesTable } from './schema';
import { singleWrite, type Store } from './store';

export interface IssuedChallenge {
  challenge: string;
  purpose: ChallengePurpose;
  userId: string | null;
  data: string;
  expiresAt: number;
}

// Every sign-in issues and spends one: compiled once (prepared.ts).
const insertChallenge = preparedQuery((db, c: IssuedChallenge) =>
  db.insertInto('challenges').values({ challenge: c.challenge, purpose: c.purpose, user_id: c.userId, data: c.data, expires_at: c.expiresAt }),
);
const takeChallenge = preparedQuery((db, a: { challenge: string }) => db.deleteFrom('challenges').where('challenge', '=', a.challenge).returning(everyColumn<ChallengesTable>({ challenge: true, purpose: true, user_id: true, data: true, expires_at: true })));

export async function saveChallenge(store: Store, c: IssuedChallenge): Promise<void> {
  await singleWrite(store, (tx) => insertChallenge(tx, { challenge: c.challenge, purpose: c.purpose, userId: c.userId, data: c.data, expiresAt: c.expiresAt }));
}

/**
 * Takes a challenge out of the database (DELETE … RETURNING: exactly one caller can win it), so a
 * replay finds nothing. Throws `challenge_invalid` for unknown, used or wrong-purpose challenges
 * and `challenge_expired` past its lifetime.
 */
export async function consumeChallenge(store: Store, challenge: string, purpose: ChallengePurpose, now = Date.now()): Promise<IssuedChallenge> {
  const [row] = await singleWrite(store, (tx) => takeChallenge(tx, { challenge }));
  if (!row || row.purpose !== purpose) throw new KeyholdError('challenge_invalid', 'The challenge is unknown or was already used.');
  if (row.expires_at <= now) throw new KeyholdError('challenge_expired', 'The challenge expired; start again.');
  return { challenge: row.challenge, purpose: row.purpose, userId: row.user_id, data: row.data, expiresAt: row.expires_at };
}

export async function purgeExpiredChallenges(store: Store, now = Date.now()): Promise<void> {
  await store.db.deleteFrom('challenges').where('expires_at', '<=', now).execute();
}

/** Reads a live challenge without taking it (a TOTP enrolment survives a mistyped code); `undefined` if unknown or expired. */
export async function peekChallenge(store: Store, challenge: string, purpose: ChallengePurpose, now = Date.now()): Promise<IssuedChallenge | undefined> {
  const row = await store.db.selectFrom('challenges').selectAll().where('challenge', '=', challenge).where('purpose', '=', purpose).where('expires_at', '>', now).executeTakeFirst();
  return row && { challenge: row.challenge, purpose: row.purpose, userId: row.user_id, data: row.data, expiresAt: row.expires_at };
}
