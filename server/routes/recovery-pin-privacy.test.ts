import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { createAccount } from '../../test/helpers/accounts';
import { ApiClient, type ApiReply, DIALECTS, startTestServer, type TestServer, UNLIMITED_SIGNINS } from '../../test/helpers/harness';
import { dumpDatabase, encodingsOf, pinInput, recoverPin, registerPinRecovery, startPinRecovery } from '../../test/helpers/recovery';
import { decoyKeyFromSeed, decoyKeySeed } from '../domain/oprf';
import { evaluateOnEventLoop, type OprfEvaluator } from '../domain/oprf-pool';
import { createPepper } from '../domain/pepper';

/** The pepper startTestServer gives every server (test/helpers/harness.ts). */
const TEST_PEPPER = createPepper(new Uint8Array(32).fill(7));

/** A reply with every value replaced by its JSON type: what an observer compares across usernames. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return typeof value;
}
const observed = (reply: ApiReply | undefined) => ({ status: reply?.status, shape: shapeOf(reply?.body), headers: [...(reply?.headers.keys() ?? [])].sort() });

describe.each(DIALECTS)('PIN recovery privacy (%s)', (dialect) => {
  let server: TestServer;
  /** The keys evaluations were given, as hex (evaluateOnEventLoop does the work). */
  const evaluations: string[] = [];
  const recording: OprfEvaluator = {
    blindEvaluate(key, blinded) {
      evaluations.push(Buffer.from(key).toString('hex'));
      return evaluateOnEventLoop.blindEvaluate(key, blinded);
    },
    close: () => Promise.resolve(),
  };
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED_SIGNINS, { oprf: recording });
  });
  afterAll(() => server.close());

  it('answers an unknown username, or an account without PIN recovery, exactly as it answers a real one', async () => {
    const real = await createAccount(server, 'realperson');
    await registerPinRecovery(real.client, pinInput('real'));
    await createAccount(server, 'nopinperson');
    const names = ['realperson', 'nosuchperson', 'nopinperson'];
    const attacker = new ApiClient(server);
    const transcripts = new Map<string, unknown[]>();
    for (const name of names) {
      const transcript: unknown[] = [];
      const params = [await attacker.post('/api/recovery/pin/params', { username: name }), await attacker.post('/api/recovery/pin/params', { username: name })];
      expect(params[0]!.body.salt).toBe(params[1]!.body.salt); // stable, as a stored salt is
      expect(decodeBase64Url(params[0]!.body.salt)).toHaveLength(16);
      transcript.push(observed(params[0]), params[0]!.body.argon2, params[0]!.body.guessesLeft);
      for (let i = 0; i < 10; i++) {
        const { start, finish } = await recoverPin(attacker, name, pinInput(`guess ${i}`));
        transcript.push(observed(start), start.body.guessesLeft, observed(finish), finish?.body.error);
      }
      const locked = await startPinRecovery(attacker, name, pinInput('one more'));
      transcript.push(observed(locked.start), locked.start.body);
      const lockedParams = await attacker.post('/api/recovery/pin/params', { username: name });
      transcript.push(observed(lockedParams), lockedParams.body);
      transcripts.set(name, transcript);
    }
    expect(transcripts.get('nosuchperson')).toEqual(transcripts.get('realperson'));
    expect(transcripts.get('nopinperson')).toEqual(transcripts.get('realperson'));
  });

  it('evaluates a real record\'s start with its own k_u and an unknown name\'s with that name\'s decoy key', async () => {
    const real = await createAccount(server, 'samework');
    await registerPinRecovery(real.client, pinInput('real'));
    const attacker = new ApiClient(server);
    evaluations.length = 0;
    for (const name of ['samework', 'nosuchsamework']) expect((await startPinRecovery(attacker, name, pinInput('guess'))).start.status).toBe(200);
    const decoyKeyOf = (name: string) => Buffer.from(decoyKeyFromSeed(decoyKeySeed(TEST_PEPPER, name))).toString('hex');
    expect(evaluations).toHaveLength(2);
    expect(evaluations[0]).not.toBe(decoyKeyOf('samework'));
    expect(evaluations[1]).toBe(decoyKeyOf('nosuchsamework'));
  });

  it('evaluates an unknown username\'s blinded element with one stable decoy key, as a real k_u would be', async () => {
    const attacker = new ApiClient(server);
    const input = pinInput('probe');
    const outputs = [];
    for (const name of ['ghostone', 'ghostone', 'ghosttwo']) {
      const { blind, blinded } = ristretto255_oprf.oprf.blind(input);
      const reply = await attacker.post('/api/recovery/pin/start', { username: name, blindedElement: Buffer.from(blinded).toString('base64url') });
      expect(reply.status).toBe(200);
      outputs.push(Buffer.from(ristretto255_oprf.oprf.finalize(input, blind, decodeBase64Url(reply.body.evaluatedElement))).toString('hex'));
    }
    expect(outputs[0]).toBe(outputs[1]);
    expect(outputs[2]).not.toBe(outputs[0]);
  });

  it('keeps k_u only sealed under the pepper and the tag only as a digest', async () => {
    const user = await createAccount(server, 'sealedperson');
    const input = pinInput('sealed');
    await registerPinRecovery(user.client, input);
    const { finish } = await recoverPin(new ApiClient(server), 'sealedperson', input);
    expect(finish?.status).toBe(200);
    const row = await server.store.db.selectFrom('pin_recovery').selectAll().where('subject', '=', user.userId).executeTakeFirstOrThrow();
    const key = TEST_PEPPER.open(row.sealed_key, `pin-recovery-key:${user.userId}`);
    // The sealed value is the key the server evaluates with: the same answer to the same element.
    const replay = await startPinRecovery(new ApiClient(server), 'sealedperson', input);
    const mine = ristretto255_oprf.oprf.blindEvaluate(key, decodeBase64Url(replay.blinded.blindedElement));
    expect(encodeBase64Url(mine)).toBe(replay.start.body.evaluatedElement);
    const dump = await dumpDatabase(server);
    for (const spelling of encodingsOf(key)) expect(dump).not.toContain(spelling);
    const tag = replay.blinded.tagFor(replay.start.body.evaluatedElement);
    for (const spelling of encodingsOf(decodeBase64Url(tag))) expect(dump).not.toContain(spelling);
    expect(row.tag_digest).toMatch(/^[0-9a-f]{64}$/);
    // Without the pepper the sealed key opens nothing.
    expect(() => createPepper(new Uint8Array(32).fill(8)).open(row.sealed_key, `pin-recovery-key:${user.userId}`)).toThrow();
  });

  it('counts recovery requests against the sign-in limits per account and per address', async () => {
    const limited = await startTestServer(dialect, { SIGNIN_LIMIT_PER_ACCOUNT: '3', SIGNIN_LIMIT_PER_ADDRESS: '1000' });
    try {
      const attacker = new ApiClient(limited);
      const replies = [];
      for (let i = 0; i < 4; i++) replies.push(await attacker.post('/api/recovery/pin/params', { username: 'limitedperson' }));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(replies[3]!.body.error.code).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });
});
