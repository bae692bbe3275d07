import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, ORIGIN, startTestServer, type TestServer } from '../../test/helpers/harness';
import { scratchDir } from '../../test/helpers/scratch-dir';
import { startServerProcess, type ServerProcess } from '../../test/helpers/server-process';
import { shedLoad, watchEventLoopLag, type EventLoopLag } from './load-shed';
import { silentLogger } from './logger';

/**
 * Clocks the test moves and a timer it fires, read by a real event-loop watcher: a long turn of the
 * loop is simulated by moving the clocks, and `tick()` is the loop reaching its timers.
 */
function steppedLag(): { lag: EventLoopLag; clock: { t: number; cpu: number }; tick: () => void } {
  const clock = { t: 0, cpu: 0 };
  let fire = () => {};
  const lag = watchEventLoopLag({ now: () => clock.t, cpu: () => clock.cpu }, (tick) => {
    fire = tick;
    return () => {};
  });
  return { lag, clock, tick: () => fire() };
}

/**
 * A request held in flight by its client, deterministically: the headers announce a body that
 * is only half sent, so the server has the request and waits for the rest. `finish` sends the
 * rest and resolves with the raw reply.
 */
async function heldRequest(port: number, path: string, json: string): Promise<{ finish(): Promise<string> }> {
  const socket: Socket = await new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
  });
  let reply = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (reply += chunk));
  const half = Math.floor(json.length / 2);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nOrigin: ${ORIGIN}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json.slice(0, half)}`);
  return {
    finish: () =>
      new Promise((resolve) => {
        // Not `end()`: a client's half-close aborts a request still being answered (node's httpAllowHalfOpen is off).
        socket.once('end', () => resolve(reply));
        socket.write(json.slice(half));
      }),
  };
}

const registerBody = (username: string) => JSON.stringify({ username });

/**
 * The key server behind the shedding listener, on a real socket: a tiny in-flight limit, driven
 * by a request its client holds open, and a stepped clock for the event-loop bound. No timing.
 */
describe.each(DIALECTS)('load shedding in front of the key server on %s', (dialect) => {
  let server: TestServer;
  let listening: Server;
  let url: string;
  let port: number;
  /** The event loop's lag as the listener reads it: the test says how far behind the loop runs. */
  const loop = { behind: 0 };

  beforeAll(async () => {
    server = await startTestServer(dialect, { SIGNIN_LIMIT_PER_ACCOUNT: '1000', SIGNIN_LIMIT_PER_ADDRESS: '1000' });
    const lag: EventLoopLag = { behindMs: () => loop.behind, lastTurnMs: () => loop.behind, stop: () => {} };
    listening = createServer(shedLoad(getRequestListener(server.app.fetch), { maxInFlight: 1, maxLagMs: 50 }, { log: silentLogger, lag }));
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', () => resolve()));
    port = (listening.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => listening.close(() => resolve()));
    await server.close();
  });

  const challenges = async () => Number((await server.store.db.selectFrom('challenges').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const register = (username: string) =>
    fetch(`${url}/api/passkeys/register/options`, { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: registerBody(username) });
  const expectShed = async (reply: Response) => {
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(await reply.json()).toEqual({ error: { code: 'overloaded', message: expect.any(String), retryAfterSeconds: 1 } });
  };

  it('answers 503 overloaded with Retry-After beyond the in-flight limit, writes nothing for it, and completes the admitted write', async () => {
    const before = await challenges();
    const admitted = new Promise((resolve) => listening.once('request', resolve));
    const held = await heldRequest(port, '/api/passkeys/register/options', registerBody('held-writer'));
    await admitted; // its headers are read: it is in flight, waiting for the rest of its body
    await expectShed(await fetch(`${url}/api/health`));
    await expectShed(await register('shed-writer'));
    expect(await challenges()).toBe(before);

    const reply = await held.finish();
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toContain('"challenge"');
    expect(await challenges()).toBe(before + 1);
    // Capacity is back: the refused write goes through when sent again.
    expect((await register('shed-writer')).status).toBe(200);
    expect(await challenges()).toBe(before + 2);
  });

  it('refuses while the event loop runs behind its bound, and serves again once it caught up', async () => {
    loop.behind = 51;
    await expectShed(await fetch(`${url}/api/health`));
    loop.behind = 50;
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
  });

  it('never refuses what is not the API', async () => {
    loop.behind = 200;
    expect((await fetch(`${url}/index.html`)).status).toBe(404);
    loop.behind = 0;
  });
});

describe('the event-loop watcher', () => {
  it('reports a lag only while it lasts: a second long turn in a row, busy with the process\'s own work', () => {
    const { lag, clock, tick } = steppedLag();
    expect(lag.behindMs()).toBe(0);
    clock.t += 80; // 80 ms without reaching the timers…
    clock.cpu += 80; // …all of it this process's work
    expect(lag.behindMs()).toBe(0); // after turns on time: a stall, not a backlog
    tick();
    expect(lag.lastTurnMs()).toBe(75);
    expect(lag.behindMs()).toBe(0); // on time again
    clock.t += 60;
    clock.cpu += 60;
    expect(lag.behindMs()).toBe(55); // a second long turn in a row
    tick();
    tick(); // a turn on time
    clock.t += 80;
    clock.cpu += 80;
    expect(lag.behindMs()).toBe(0);
  });

  it('does not count time the process waited for a CPU it shares with other work', () => {
    const { lag, clock, tick } = steppedLag();
    clock.t += 80;
    clock.cpu += 80;
    tick();
    clock.t += 80;
    clock.cpu += 10; // descheduled most of the time: no backlog of its own
    expect(lag.behindMs()).toBe(5);
  });
});

/** `server/main.ts` as deployed puts the shedding in front: SHED_MAX_IN_FLIGHT is honoured by the process. */
describe('a key server process with SHED_MAX_IN_FLIGHT=1', () => {
  const dir = scratchDir('kh-shed-');
  let keyServer: ServerProcess;
  beforeAll(async () => {
    keyServer = await startServerProcess({ DATA_DIR: dir, SHED_MAX_IN_FLIGHT: '1' });
  });
  afterAll(async () => {
    await keyServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a request while another is in flight, then serves again', async () => {
    const held = await heldRequest(Number(new URL(keyServer.url).port), '/api/passkeys/register/options', registerBody('process-writer'));
    // Its headers went first, on their own connection: once the server has read them, health is refused.
    await expect.poll(async () => (await fetch(`${keyServer.url}/api/health`)).status).toBe(503);
    expect(await held.finish()).toMatch(/^HTTP\/1\.1 200 /);
    expect((await fetch(`${keyServer.url}/api/health`)).status).toBe(200);
  });
});
