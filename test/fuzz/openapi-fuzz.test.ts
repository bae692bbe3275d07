/**
 * Fuzzes every operation the key server publishes in its OpenAPI document, on both databases,
 * after seeding real data for the requests to damage. Every reply must be a JSON answer below 500;
 * every refusal the documented error body, with no stack trace and no echo of what was sent; and
 * the stored accounts, passkeys, devices, blobs, audit chain and sessions must not change.
 *
 * FUZZ_SEED and FUZZ_RUNS override the fixed seed and the runs per operation (e.g. a long run:
 * `FUZZ_RUNS=2000 npx vitest run test/fuzz`); a failure report names the seed to replay it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, ORIGIN, startTestServer, type TestServer } from '../helpers/harness';
import { json, malformedCorpus } from './bodies';
import { CONTRACTS, listOperations, type OpenApiDocument, type Operation } from './operations';
import { expectSafeReply, vocabularyOf } from './reply';
import { allMutants, conforming } from './schema-values';
import { brokenParts, describeRequest, reportable, requestArbitrary, send, type FuzzRequest, type Reply, type SessionKind } from './requests';
import { seedWorld, snapshotGuardedTables, type FuzzWorld } from './world';

const SEED = Number(process.env.FUZZ_SEED ?? 0x6b6579);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 150);
/** A string an error message has no reason to contain: seeing it there means an echo. */
const MARKER = 'fuzzMarkerQx7Lw9';
/** Methods tried on every documented path; HEAD is left out, as Hono answers it with the GET route. */
const STRAY_METHODS: Operation['method'][] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

// Each sweep sends thousands of requests: 8–15 s on a busy 2-core CI machine, past the default 30 s
// when the machine runs more than the suite. A longer limit, not fewer requests.
describe.each(DIALECTS)('fuzzing the OpenAPI operations (%s)', { timeout: 120_000 }, (dialect) => {
  let server: TestServer;
  let world: FuzzWorld;
  let operations: Operation[];
  let vocabulary: Set<string>;
  let baseline: Record<string, string[]>;

  beforeAll(async () => {
    // Rate limits far out of reach, so a 429 never hides what a route does with its input.
    server = await startTestServer(dialect, { SIGNIN_LIMIT_PER_ACCOUNT: '1000000', SIGNIN_LIMIT_PER_ADDRESS: '1000000' });
    world = await seedWorld(server);
    const doc = await server.app.request('/api/openapi.json');
    expect(doc.status).toBe(200);
    const document = (await doc.json()) as OpenApiDocument;
    vocabulary = vocabularyOf(document);
    operations = listOperations(document);
    baseline = await snapshotGuardedTables(server.store);
  });

  afterAll(async () => {
    await server?.close();
  });

  /** Sends one request and holds its reply to the contract. */
  async function fuzzOnce(req: FuzzRequest): Promise<Reply> {
    const reply = await send(server, req, world);
    expectSafeReply(reply, req, world, vocabulary);
    return reply;
  }

  /** Path parameters naming what exists: the device on device routes, the passkey elsewhere. */
  function realParams(op: Operation): Record<string, string> {
    return Object.fromEntries(op.pathParams.map((p) => [p, op.template.startsWith('/devices') ? world.ids.device : world.ids.passkey]));
  }

  /** Does a documented operation answer this method on this path (template or literal)? */
  function routed(method: string, path: string): boolean {
    const literal = path.replace(/\{\w+\}/g, 'x');
    return operations.some((op) => op.method === method && new RegExp(`^${op.template.replace(/\{\w+\}/g, '[^/]+')}$`).test(literal));
  }

  async function expectStoredDataUnchanged(after: string): Promise<void> {
    expect(await snapshotGuardedTables(server.store), `stored data changed after ${after}`).toEqual(baseline);
  }

  it('knows the contract of every operation in the document, and the document has them all', () => {
    const published = operations.map((op) => op.key);
    expect(published.filter((key) => !CONTRACTS[key]), 'classify these in test/fuzz/operations.ts').toEqual([]);
    expect(Object.keys(CONTRACTS).filter((key) => !published.includes(key)), 'no longer published').toEqual([]);
    for (const op of operations) expect(Boolean(op.bodySchema), `${op.key}: body schema`).toBe(Boolean(op.contract?.body));
  });

  it('refuses the malformed-body corpus on every operation, signed in or not, with and without Origin', async () => {
    const variants: Array<{ session: SessionKind; origin: string | undefined }> = [
      { session: 'passkey', origin: ORIGIN },
      { session: 'none', origin: ORIGIN },
      { session: 'passkey', origin: undefined },
    ];
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      const paramSets = op.pathParams.length ? [realParams(op), Object.fromEntries(op.pathParams.map((p) => [p, 'no-such-id']))] : [{}];
      const sample = fc.sample(conforming(op.bodySchema ?? { type: 'object' }), { seed: SEED, numRuns: 1 })[0];
      for (const body of malformedCorpus(sample, world.bodyLimit)) {
        for (const { session, origin } of variants) {
          for (const params of paramSets) {
            const req = reportable({ op, params, query: '', session, forgedCookie: '', origin, body });
            // A write route whose request breaks nothing else would be a real write: not fuzzing.
            if (op.contract?.kind === 'write' && brokenParts(req, world).length === 0) continue;
            await fuzzOnce(req);
          }
        }
      }
      await expectStoredDataUnchanged(`the corpus on ${op.key}`);
    }
  });

  it('refuses every single-field breakage of a complete body, signed in and from the app', async () => {
    for (const op of operations.filter((o) => o.bodySchema)) {
      const sample = fc.sample(conforming(op.bodySchema!, { complete: true }), { seed: SEED, numRuns: 1 })[0];
      const params = realParams(op);
      for (const mutant of allMutants(sample, op.bodySchema!, MARKER)) {
        const req = reportable({ op, params, query: '', session: 'passkey', forgedCookie: '', origin: ORIGIN, body: json(mutant.label, mutant.value) });
        if (op.contract?.kind === 'write' && brokenParts(req, world).length === 0) continue;
        await fuzzOnce(req);
      }
      await expectStoredDataUnchanged(`single-field breakages on ${op.key}`);
    }
  });

  it('answers methods and paths the document does not have with a JSON not_found', async () => {
    const templates = [...new Set(operations.map((op) => op.template))];
    for (const template of templates) {
      const declared = operations.filter((op) => op.template === template);
      const params = realParams(declared[0]!);
      const stray = (method: Operation['method'], path: string): Operation => ({
        ...declared[0]!, key: `${method} ${path}`, method, template: path, bodySchema: undefined, needsSession: false, contract: { kind: 'write' },
      });
      const strays = [...STRAY_METHODS.map((m) => stray(m, template)), stray('GET', `${template}/`), stray('GET', `${template}/${MARKER}`)];
      for (const op of strays.filter((o) => !routed(o.method, o.template))) {
        const req = reportable({ op, params, query: '', session: 'passkey', forgedCookie: '', origin: ORIGIN, body: op.method === 'GET' ? undefined : json('empty object', {}) });
        expect((await fuzzOnce(req)).status, describeRequest(req)).toBe(404);
      }
    }
    await expectStoredDataUnchanged('requests to undeclared routes');
  });

  it('answers random requests to every operation safely and changes no stored data', async () => {
    for (const op of operations) {
      const property = fc.asyncProperty(requestArbitrary(op, world), async (req) => {
        // A random request to a write route that breaks nothing would be a real write: skip it.
        if (op.contract?.kind === 'write') fc.pre(brokenParts(req, world).length > 0);
        await fuzzOnce(req);
      });
      await fc.assert(property, { seed: SEED, numRuns: RUNS_PER_OPERATION });
      await expectStoredDataUnchanged(`random requests to ${op.key}`);
    }
  });
});
