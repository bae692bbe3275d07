import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const run = promisify(execFile);

describe('configuration', () => {
  it('defaults to the embedded SQLite database on port 8080 for localhost', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, databaseUrl: undefined, rpId: 'localhost', origin: 'http://localhost:8080', dataDir: './data' });
    expect(config.sessionIdleMs).toBe(30 * 60_000);
    expect(config.sessionAbsoluteMs).toBe(12 * 3_600_000);
    expect(config.bodyLimitBytes).toBe(64 * 1024);
    expect(config.records).toEqual({ maxCiphertextChars: 60 * 1024, maxPerUser: 25_000, tombstoneRetentionMs: 90 * 86_400_000 });
    expect(config.auditRetentionMs).toBe(365 * 86_400_000);
  });

  it('reads the audit retention', () => {
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '30' }).auditRetentionMs).toBe(30 * 86_400_000);
  });

  it('reads the PostgreSQL pool settings, with defaults that bound every wait', () => {
    expect(loadConfig({}).databasePool).toEqual({ max: 10, idleTimeoutMs: 30_000, connectionTimeoutMs: 10_000 });
    const config = loadConfig({ DATABASE_POOL_MAX: '40', DATABASE_POOL_IDLE_SECONDS: '5', DATABASE_CONNECT_TIMEOUT_SECONDS: '2' });
    expect(config.databasePool).toEqual({ max: 40, idleTimeoutMs: 5_000, connectionTimeoutMs: 2_000 });
  });

  it('reads the peppers of a rotation', () => {
    const [current, previous] = ['A'.repeat(43), 'B'.repeat(43)];
    expect(loadConfig({ PEPPER: current, PEPPER_PREVIOUS: previous, PEPPER_DECOYS: previous })).toMatchObject({ pepper: current, pepperPrevious: previous, pepperDecoys: previous });
    expect(loadConfig({})).toMatchObject({ pepper: undefined, pepperPrevious: undefined, pepperDecoys: undefined });
  });

  it('accepts a pepper as `openssl rand 32 | basenc --base64url` prints it (one = of padding)', () => {
    const printed = execFileSync('sh', ['-c', 'openssl rand 32 | basenc --base64url'], { encoding: 'utf8' }).trim();
    expect(printed).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(loadConfig({ PEPPER: printed }).pepper).toBe(printed.slice(0, 43));
  });

  it('reads the record limits and the tombstone retention', () => {
    const config = loadConfig({ RECORD_MAX_CHARS: '1000', RECORDS_MAX_PER_USER: '50', TOMBSTONE_RETENTION_DAYS: '7' });
    expect(config.records).toEqual({ maxCiphertextChars: 1000, maxPerUser: 50, tombstoneRetentionMs: 7 * 86_400_000 });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ORIGIN: 'ftp://example.com' }, 'ORIGIN'],
    [{ ORIGIN: 'https://vault.example.com', RP_ID: 'other.example' }, 'RP_ID'],
    [{ PEPPER: 'too-short' }, 'PEPPER'],
    [{ PEPPER_PREVIOUS: 'too-short' }, 'PEPPER_PREVIOUS'],
    [{ PEPPER_DECOYS: 'x'.repeat(44) }, 'PEPPER_DECOYS'],
    [{ DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX'],
    [{ DATABASE_POOL_IDLE_SECONDS: 'soon' }, 'DATABASE_POOL_IDLE_SECONDS'],
    [{ DATABASE_CONNECT_TIMEOUT_SECONDS: '-1' }, 'DATABASE_CONNECT_TIMEOUT_SECONDS'],
    [{ TLS_CERT: '/cert.pem' }, 'TLS_CERT'],
    [{ SESSION_IDLE_MINUTES: '0' }, 'SESSION_IDLE_MINUTES'],
    [{ RECORD_MAX_CHARS: '0' }, 'RECORD_MAX_CHARS'],
    [{ RECORDS_MAX_PER_USER: 'many' }, 'RECORDS_MAX_PER_USER'],
    [{ TOMBSTONE_RETENTION_DAYS: '1.5' }, 'TOMBSTONE_RETENTION_DAYS'],
    [{ AUDIT_RETENTION_DAYS: '0' }, 'AUDIT_RETENTION_DAYS'],
  ])('refuses %o naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^invalid configuration: ${name} `));
  });

  it('never echoes a rejected value', () => {
    const secretish = 'p'.repeat(40);
    try {
      loadConfig({ PEPPER: secretish });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(secretish);
    }
  });

  it('accepts an RP ID that is a parent domain of the origin', () => {
    expect(loadConfig({ ORIGIN: 'https://vault.example.com', RP_ID: 'example.com' }).rpId).toBe('example.com');
  });

  it('registers ORIGIN as the default app keyhold, named RP_NAME, when APPS is not set', () => {
    expect(loadConfig({ ORIGIN: 'https://vault.example.com', RP_ID: 'example.com', RP_NAME: 'Vault' }).apps).toEqual([
      { id: 'keyhold', name: 'Vault', origins: ['https://vault.example.com'] },
    ]);
  });

  it('reads APPS as id=origin,…;… with the first app the default one, whose first origin is ORIGIN when ORIGIN is unset', () => {
    const config = loadConfig({ RP_ID: 'example.com', APPS: ' keyhold=https://vault.example.com ; field-notes=https://notes.example.com,https://NOTES.example.org:443' });
    expect(config.origin).toBe('https://vault.example.com');
    expect(config.apps).toEqual([
      { id: 'keyhold', name: 'Keyhold', origins: ['https://vault.example.com'] },
      { id: 'field-notes', name: 'field-notes', origins: ['https://notes.example.com', 'https://notes.example.org'] },
    ]);
    expect(loadConfig({ RP_ID: 'example.com', ORIGIN: 'https://b.example.com', APPS: 'keyhold=https://a.example.com,https://b.example.com' }).origin).toBe('https://b.example.com');
  });

  it.each([
    ['an entry without =', 'https://a.example.com', 'APPS entry "https://a.example.com" must be id=origin[,origin…]'],
    ['an id that is not a slug', 'Notes=https://a.example.com', 'APPS app id "Notes" must be lowercase'],
    ['an origin with a path', 'keyhold=https://a.example.com/app', 'APPS origin "https://a.example.com/app" must be scheme://host[:port] with nothing after it'],
    ['an origin of another scheme', 'keyhold=ftp://a.example.com', 'APPS origin "ftp://a.example.com" must be http:// or https://'],
    ['an app without origins', 'keyhold=', 'APPS app "keyhold" needs at least one origin'],
    ['an id twice', 'keyhold=https://a.example.com;keyhold=https://b.example.com', 'APPS app id "keyhold" is listed twice'],
    ['an origin for two apps', 'keyhold=https://a.example.com;notes=https://a.example.com', 'APPS origin https://a.example.com is listed for both "keyhold" and "notes"'],
    ['another default app than keyhold', 'notes=https://a.example.com;keyhold=https://b.example.com', 'the first app in APPS is the default app and must be "keyhold" (it is "notes")'],
  ])('refuses APPS with %s, in one line', (_, value, message) => {
    expect(() => loadConfig({ RP_ID: 'example.com', APPS: value })).toThrow(`invalid configuration: ${message}`);
  });

  it('refuses an ORIGIN that the default app of APPS does not list, and an RP ID that does not cover the default app', () => {
    expect(() => loadConfig({ RP_ID: 'example.com', ORIGIN: 'https://c.example.com', APPS: 'keyhold=https://a.example.com' })).toThrow(
      'invalid configuration: ORIGIN must be one of the origins of the first app in APPS ("keyhold")',
    );
    expect(() => loadConfig({ RP_ID: 'example.com', APPS: 'keyhold=https://a.example.net' })).toThrow('invalid configuration: RP_ID must be a.example.net or a parent domain of it');
  });
});

describe('start-up', () => {
  it('stops with one clear line on invalid configuration', async () => {
    const failure = await run('node', ['--import', 'tsx', 'server/main.ts'], { env: { ...process.env, PORT: 'nope' } }).catch((e: { code: number; stderr: string; stdout: string }) => e);
    expect((failure as { code: number }).code).toBe(1);
    const lines = (failure as { stderr: string }).stderr.trim().split('\n');
    expect(lines).toEqual(['keyhold: invalid configuration: PORT Invalid input: expected number, received NaN']);
  });

  it('refuses to start a pepper rotation without a decoy pepper, in one line naming no value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-start-'));
    try {
      const [current, previous] = ['A'.repeat(43), 'B'.repeat(43)];
      const env = { ...process.env, DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: '', PEPPER: current, PEPPER_PREVIOUS: previous };
      const failure = await run('node', ['--import', 'tsx', 'server/main.ts'], { env }).catch((e: { code: number; stderr: string }) => e);
      expect((failure as { code: number }).code).toBe(1);
      const lines = (failure as { stderr: string }).stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^keyhold: start-up failed: PEPPER_PREVIOUS is set but PEPPER_DECOYS is not/);
      expect(lines[0]).not.toContain(current);
      expect(lines[0]).not.toContain(previous);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('generates the pepper on first run as a 0600 file and warns once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-start-'));
    try {
      // Port 0 is refused by nothing; the server starts, then we stop it once it says it listens.
      const child = execFile('node', ['--import', 'tsx', 'server/main.ts'], { env: { ...process.env, DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: '' } });
      const output = await new Promise<string>((resolve, reject) => {
        let seen = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes('"listening"')) resolve(seen);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${seen}`)));
      });
      child.kill('SIGTERM');
      expect(output).toContain('"pepper_generated"');
      expect(statSync(join(dir, 'pepper')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'keyhold.sqlite')).isFile()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('static files', () => {
  it('serves the built PWA from ./dist by default and nothing when STATIC_DIR is empty', () => {
    expect(loadConfig({}).staticDir).toBe('./dist');
    expect(loadConfig({ STATIC_DIR: '' }).staticDir).toBeUndefined();
  });
});
