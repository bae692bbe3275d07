import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { DIALECTS } from '../test/helpers/harness';
import { createTestDatabase } from '../test/helpers/postgres';

const ORIGIN = 'http://localhost:8080';

interface Started {
  child: ChildProcess;
  port: number;
  /** Everything the process wrote to stdout so far (JSON lines). */
  stdout: () => string;
  exited: Promise<number | null>;
}

/** Starts `node server/main.ts` on a free port and resolves once it listens. */
async function startProcess(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: '', LOG_REQUESTS: 'false', ...env },
  });
  let seen = '';
  child.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const match = /"msg":"listening","port":(\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`server exited ${code}: ${seen}`)));
  });
  return { child, port, stdout: () => seen, exited };
}

/** A raw HTTP/1.1 connection, so the test decides when each byte of a request is sent. */
class RawConnection {
  private received = '';
  private waiters: Array<() => void> = [];
  /** Settles when the server (or the test) closes the connection. */
  readonly ended: Promise<void>;
  private constructor(readonly socket: Socket) {
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Resolves with what arrived up to and including the first match of `pattern`, removing it. */
  async until(pattern: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const match = pattern.exec(this.received);
      if (match) {
        this.received = this.received.slice(match.index + match[0].length);
        return match;
      }
      if (this.socket.destroyed) throw new Error(`connection closed; received: ${this.received}`);
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /** Reads one whole response with a Content-Length body. */
  async response(): Promise<{ status: number; body: string }> {
    const head = await this.until(/^HTTP\/1\.1 (\d{3}) [^\r]*\r\n([\s\S]*?)\r\n\r\n/);
    const length = Number(/content-length: (\d+)/i.exec(head[2]!)?.[1] ?? 0);
    const body = length ? (await this.until(new RegExp(`^[\\s\\S]{${length}}`)))[0] : '';
    return { status: Number(head[1]), body };
  }

  get closed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }
}

/** Whether a new TCP connection to the port is refused right now. */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });

describe.each(DIALECTS)('graceful shutdown (%s)', (dialect) => {
  let dir: string | undefined;
  let started: Started | undefined;
  /** The database the process runs on: a fresh SQLite file, or a fresh PostgreSQL database. */
  const databaseSettings = async (): Promise<Record<string, string>> => {
    dir = mkdtempSync(join(tmpdir(), 'kh-stop-')); // the pepper file, and the SQLite file
    return dialect === 'postgres' ? { DATA_DIR: dir, DATABASE_URL: await createTestDatabase(inject('pgUrl')) } : { DATA_DIR: dir };
  };
  afterEach(() => {
    if (started?.child.exitCode === null) started.child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGTERM refuses new connections, finishes the request in flight (database still open), then exits 0 with one log line', async () => {
    started = await startProcess(await databaseSettings());
    const { port } = started;

    // One finished request first, so the connection is surely accepted and is a keep-alive one.
    const connection = await RawConnection.open(port);
    connection.write('GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect((await connection.response()).status).toBe(200);

    // A request in flight: headers sent, the server acknowledges them (100 Continue), half the body held back.
    const body = JSON.stringify({ username: 'someone-slow' });
    connection.write(
      `POST /api/recovery/pin/params HTTP/1.1\r\nHost: localhost\r\nOrigin: ${ORIGIN}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await connection.until(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
    connection.write(body.slice(0, 10));

    started.child.kill('SIGTERM');
    const deadline = Date.now() + 5_000;
    while (!(await refused(port))) {
      expect(Date.now(), 'the port kept accepting connections after SIGTERM').toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(started.child.exitCode).toBeNull(); // still draining: the request is not finished
    expect(connection.closed).toBe(false);

    connection.write(body.slice(10));
    const reply = await connection.response();
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ guessesLeft: 10 }); // read from the database during the drain

    const sentAt = Date.now();
    expect(await started.exited).toBe(0);
    // The idle keep-alive connection did not hold the exit up until its timeout (5 s).
    expect(Date.now() - sentAt).toBeLessThan(4_000);
    const lines = started.stdout().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const afterListening = lines.slice(lines.findIndex((l) => l.msg === 'listening') + 1);
    expect(afterListening).toHaveLength(1);
    expect(afterListening[0]).toMatchObject({ level: 'info', msg: 'stopped', signal: 'SIGTERM', drained: true });
  });

  it('on SIGINT with nothing in flight exits 0 at once', async () => {
    started = await startProcess(await databaseSettings());
    const idle = await RawConnection.open(started.port); // an idle keep-alive connection must not hold the exit up
    const signalledAt = Date.now();
    started.child.kill('SIGINT');
    expect(await started.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(3_000);
    await idle.ended;
    expect(started.stdout()).toMatch(/"msg":"stopped","signal":"SIGINT","ms":\d+,"drained":true/);
  });
});

it('over HTTPS, closes a connection that only did the TLS handshake (a preconnect) and exits 0 at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-stop-tls-'));
  let child: ChildProcess | undefined;
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const started = await startProcess({ DATA_DIR: dir, ORIGIN: 'https://localhost:8443', TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem') });
    child = started.child;
    const preconnect = await new Promise<TLSSocket>((resolve, reject) => {
      const socket = connectTls({ port: started.port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(socket));
      socket.once('error', reject);
    });
    const closed = new Promise<void>((resolve) => preconnect.once('close', () => resolve()));
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(3_000);
    await closed;
    expect(started.stdout()).toMatch(/"msg":"stopped","signal":"SIGTERM","ms":\d+,"drained":true/);
  } finally {
    if (child?.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
