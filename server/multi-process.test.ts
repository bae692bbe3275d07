import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../protocol/base64url';
import { withoutPrfOutput } from '../protocol/webauthn';
import { newDeviceKey, signDeviceChallenge } from '../test/helpers/accounts';
import { SoftAuthenticator } from '../test/helpers/soft-authenticator';

const ORIGIN = 'http://localhost:8080';

/** Starts `node server/main.ts` on a free port and resolves once it listens. */
async function startProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn('node', ['--import', 'tsx', 'server/main.ts'], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: '', LOG_REQUESTS: 'false', ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /"msg":"listening","port":(\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${seen}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/**
 * Two key server processes on ONE embedded SQLite file: the guess allowance, a read-then-write
 * transaction in the database, must hold exactly, and no request may fail with a 500.
 */
describe('two server processes on one SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-multi-'));
  const processes: ChildProcess[] = [];
  let urls: string[] = [];

  beforeAll(async () => {
    const env = { DATA_DIR: dir, SIGNIN_LIMIT_PER_ACCOUNT: '100000', SIGNIN_LIMIT_PER_ADDRESS: '100000', PIN_RECOVERY_GUESSES: '120' };
    // One after the other: the first creates the pepper file and migrates, the second reuses them.
    for (let i = 0; i < 2; i++) {
      const started = await startProcess(env);
      processes.push(started.child);
      urls.push(started.url);
    }
  });
  afterAll(() => {
    for (const child of processes) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('spends exactly the allowance of PIN-recovery guesses when both processes are hammered at once', async () => {
    const blinded = () => encodeBase64Url(ristretto255_oprf.oprf.blind(crypto.getRandomValues(new Uint8Array(32))).blinded);
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fetch(`${urls[i % 2]}/api/recovery/pin/start`, {
          method: 'POST',
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'nobody-here', blindedElement: blinded() }),
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as { error?: { code: string } } })),
      ),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 200)).toHaveLength(120);
    expect(replies.filter((r) => r.status === 423).map((r) => r.body.error?.code)).toEqual(Array(80).fill('pin_recovery_locked'));
  });

  it('signs devices in through both processes at once without a 500 (each sign-in a read-then-write transaction)', async () => {
    let cookie = '';
    const call = async (base: string, path: string, body: unknown, withCookie = true) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': 'application/json', ...(withCookie && cookie ? { cookie } : {}) },
        body: JSON.stringify(body),
      });
      const setCookie = res.headers.get('set-cookie');
      if (withCookie && setCookie) cookie = setCookie.split(';')[0]!;
      return { status: res.status, body: (await res.json()) as any };
    };
    const authenticator = new SoftAuthenticator();
    const options = await call(urls[0]!, '/api/passkeys/register/options', { username: 'twoprocs' });
    const response = withoutPrfOutput(await authenticator.register(options.body, { origin: ORIGIN }));
    expect((await call(urls[0]!, '/api/passkeys/register/verify', { response })).status).toBe(200);
    const key = await newDeviceKey();
    const device = await call(urls[1]!, '/api/devices', { name: 'Phone', publicKey: key.publicKey });
    expect(device.status).toBe(200);

    const signIn = async (i: number) => {
      const base = urls[i % 2]!;
      const challenge = await call(base, '/api/devices/challenge', { deviceId: device.body.id }, false);
      const signature = await signDeviceChallenge(key.privateKey, challenge.body.challenge);
      return call(urls[(i + 1) % 2]!, '/api/devices/signin', { deviceId: device.body.id, challenge: challenge.body.challenge, signature }, false);
    };
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn(i)));
    expect(replies.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
  });
});
