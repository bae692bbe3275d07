import { spawn, type ChildProcess } from 'node:child_process';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { ORIGIN } from './harness';
import { SoftAuthenticator } from './soft-authenticator';

/** A key server started as its own OS process (`node server/main.ts`), as production runs it. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit (its database connections are closed by then). */
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx server/main.ts` on a free loopback port with `env` on top of the
 * test's environment, and resolves once it logs that it listens (after its migrations ran).
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn('node', ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ORIGIN, RP_ID: 'localhost', STATIC_DIR: '', LOG_REQUESTS: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let seen = '';
  child.stderr!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /"msg":"listening","port":(\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${seen}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface ProcessReply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * One user agent talking to several server processes over HTTP (a load balancer's view): it sends
 * the app's Origin and keeps the session cookie whichever process set it, so a session opened on
 * one process is used on another.
 */
export class ProcessClient {
  cookie: string | undefined;

  async call<T = any>(base: string, method: string, path: string, body?: unknown): Promise<ProcessReply<T>> {
    const headers: Record<string, string> = { origin: ORIGIN };
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      this.cookie = /=$/.test(pair!) || /Max-Age=0/i.test(setCookie) ? undefined : pair;
    }
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  }

  post<T = any>(base: string, path: string, body: unknown = {}) {
    return this.call<T>(base, 'POST', path, body);
  }

  get<T = any>(base: string, path: string) {
    return this.call<T>(base, 'GET', path);
  }
}

/** Creates an account by the real passkey ceremony on `base`; the client then holds its passkey session. */
export async function createAccountOver(client: ProcessClient, base: string, username: string): Promise<{ userId: string; authenticator: SoftAuthenticator }> {
  const authenticator = new SoftAuthenticator();
  const options = await client.post(base, '/api/passkeys/register/options', { username });
  if (options.status !== 200) throw new Error(`register/options ${options.status} ${JSON.stringify(options.body)}`);
  const response = withoutPrfOutput(await authenticator.register(options.body, { origin: ORIGIN }));
  const verified = await client.post(base, '/api/passkeys/register/verify', { response });
  if (verified.status !== 200) throw new Error(`register/verify ${verified.status} ${JSON.stringify(verified.body)}`);
  return { userId: verified.body.session.userId as string, authenticator };
}
