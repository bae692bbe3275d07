import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { DIALECTS, ORIGIN, startTestServer, testPepper, type TestServer } from '../../test/helpers/harness';
import type { AppEnv } from './context';
import { handleError } from './errors';
import { loadShed, watchEventLoopLag, type EventLoopLag } from './load-shed';
import { silentLogger } from './logger';

interface Gate {
  opened: Promise<void>;
  open(): void;
}
const gate = (): Gate => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

/**
 * The in-flight limit, driven deterministically: a tiny limit, and requests held inside their
 * handler by a gate the test opens. A shed request never reaches its handler, so the writes it
 * carried are not half done; admitted ones run to completion.
 */
describe('load shedding by requests in flight', () => {
  const written: string[] = [];
  const entered: string[] = [];
  let held = gate();
  const app = new Hono<AppEnv>();
  app.onError(handleError(silentLogger));
  app.use('*', loadShed({ maxInFlight: 2, maxLagMs: 50 }, { log: silentLogger }));
  app.put('/item/:id', async (c) => {
    entered.push(c.req.param('id'));
    await held.opened;
    written.push(c.req.param('id'));
    return c.json({ stored: c.req.param('id') }, 200);
  });
  const put = (id: string) => app.request(`/item/${id}`, { method: 'PUT' });

  it('answers 503 overloaded with Retry-After beyond the limit, and completes every admitted write', async () => {
    const first = put('a');
    const second = put('b');
    await expect.poll(() => entered.length).toBe(2);

    const shed = await put('c');
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(shed.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await shed.json()).toMatchObject({ error: { code: 'overloaded', retryAfterSeconds: 1 } });
    expect(entered).toEqual(['a', 'b']); // the shed request's handler never ran

    held.open();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(written.sort()).toEqual(['a', 'b']);

    // Capacity is back once they are done: the next request is admitted.
    held = gate();
    held.open();
    expect((await put('d')).status).toBe(200);
    expect(written).toContain('d');
    expect(written).not.toContain('c');
  });
});

/** A clock the test moves, read by a real event-loop watcher: a long turn of the loop is simulated by moving it. */
function steppedLag(): { lag: EventLoopLag; clock: { t: number } } {
  const clock = { t: 0 };
  return { lag: watchEventLoopLag(() => clock.t), clock };
}

describe('the event-loop watcher', () => {
  it('reports how far a turn has run past its tick, and nothing once the loop reaches its timers again', async () => {
    const { lag, clock } = steppedLag();
    try {
      expect(lag.behindMs()).toBe(0);
      clock.t += 80; // the loop has been busy 80 ms without reaching its timers
      expect(lag.behindMs()).toBe(75);
      await expect.poll(() => lag.behindMs()).toBe(0); // the timer fired: the loop caught up
    } finally {
      lag.stop();
    }
  });
});

/** The API as built: a loop running behind sheds every /api request before it touches the database. */
describe.each(DIALECTS)('load shedding in the key server on %s', (dialect) => {
  let server: TestServer;
  let watcher: ReturnType<typeof steppedLag>;
  let app: ReturnType<typeof buildApp>['app'];

  beforeAll(async () => {
    server = await startTestServer(dialect, { SHED_MAX_LAG_MS: '50' });
    watcher = steppedLag();
    app = buildApp({ store: server.store, config: server.config, pepper: testPepper(), log: silentLogger, version: 'test', now: () => server.clock.now, loopLag: watcher.lag }).app;
  });
  afterAll(async () => {
    watcher.lag.stop();
    await server.close();
  });

  const challenges = () => server.store.db.selectFrom('challenges').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const startRegistration = (username: string) =>
    app.request('/api/passkeys/register/options', { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify({ username }) });

  it('refuses with 503 overloaded while the loop runs behind, writes nothing, and serves again once it caught up', async () => {
    const before = Number((await challenges()).n);
    watcher.clock.t += 200;
    const shedHealth = await app.request('/api/health');
    const shedWrite = await startRegistration('shed-user');
    for (const reply of [shedHealth, shedWrite]) {
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('1');
      expect(await reply.json()).toMatchObject({ error: { code: 'overloaded' } });
    }
    expect(Number((await challenges()).n)).toBe(before);

    await expect.poll(() => watcher.lag.behindMs()).toBe(0);
    expect((await app.request('/api/health')).status).toBe(200);
    expect((await startRegistration('admitted-user')).status).toBe(200);
    expect(Number((await challenges()).n)).toBe(before + 1);
  });

  it('never sheds what is not the API', async () => {
    watcher.clock.t += 200;
    expect((await app.request('/index.html')).status).not.toBe(503);
    await expect.poll(() => watcher.lag.behindMs()).toBe(0);
  });
});
