import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Serving HTTPS directly (TLS_CERT/TLS_KEY), as a phone on the local network would reach it. */
describe('HTTPS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-tls-'));
  let stop = () => {};
  let port = 0;

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const child = spawn('node', ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: '', ORIGIN: 'https://localhost:8443', TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem') },
    });
    stop = () => child.kill('SIGTERM');
    port = await new Promise<number>((resolve, reject) => {
      let seen = '';
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /"msg":"listening","port":(\d+),"https":true/.exec(seen);
        if (match) resolve(Number(match[1]));
      });
      child.on('exit', (code) => reject(new Error(`server exited ${code}: ${seen}`)));
    });
  });
  afterAll(() => {
    stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers over TLS with HSTS on every response', async () => {
    const reply = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/api/health', rejectUnauthorized: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      }).on('error', reject);
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ status: 'ok', database: 'ok' });
    expect(reply.headers['strict-transport-security']).toMatch(/^max-age=/);
  });
});
