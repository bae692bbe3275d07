import { describe, expect, it } from 'vitest';
import type { SyncStatus } from '../vault';
import { describeLockedSync, describeRollback, describeSync, formatAgo } from './sync-text';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const MIN = 60_000;

const status = (changes: Partial<SyncStatus> = {}): SyncStatus => ({
  phase: 'idle',
  pending: 0,
  lastSyncAt: NOW - 2 * MIN,
  progress: null,
  waitingForUnlock: 0,
  rolledBack: 0,
  failure: null,
  retryAt: null,
  ...changes,
});

/** The line as it reads on screen. */
const read = (s: SyncStatus, now = NOW): string => {
  const { headline, detail } = describeSync(s, now);
  return detail ? `${headline} · ${detail}` : headline;
};

describe('formatAgo', () => {
  it('says minutes, hours and days the way a person does', () => {
    expect(formatAgo(NOW - 59_999, NOW)).toBe('just now');
    expect(formatAgo(NOW - MIN, NOW)).toBe('1 min ago');
    expect(formatAgo(NOW - 59 * MIN, NOW)).toBe('59 min ago');
    expect(formatAgo(NOW - 60 * MIN, NOW)).toBe('1 hour ago');
    expect(formatAgo(NOW - 23 * 60 * MIN, NOW)).toBe('23 hours ago');
    expect(formatAgo(NOW - 24 * 60 * MIN, NOW)).toBe('yesterday');
    expect(formatAgo(NOW - 3 * 24 * 60 * MIN, NOW)).toBe('3 days ago');
  });

  it('reads a time ahead of the clock (a clock set back) as just now', () => {
    expect(formatAgo(NOW + 10 * MIN, NOW)).toBe('just now');
  });
});

describe('describeSync', () => {
  it('says everything is saved, and when it last synced', () => {
    expect(read(status())).toBe('All changes saved to your other devices · synced 2 min ago');
    expect(describeSync(status(), NOW).tone).toBe('ok');
    expect(read(status(), NOW + 60 * MIN)).toBe('All changes saved to your other devices · synced 1 hour ago');
  });

  it('counts the changes waiting while offline and says when they will go', () => {
    expect(read(status({ phase: 'offline', pending: 3 }))).toBe(
      '3 changes waiting — offline; they will be sent when you are back online · last synced 2 min ago',
    );
    expect(read(status({ phase: 'offline', pending: 1, lastSyncAt: null }))).toBe('1 change waiting — offline; they will be sent when you are back online');
    expect(read(status({ phase: 'offline' }))).toBe('Offline — nothing is waiting to be sent · last synced 2 min ago');
  });

  it('shows a multi-page download as a count with progress, and a plain run as Syncing…', () => {
    const line = describeSync(status({ phase: 'syncing', progress: { done: 1200, total: 10_000 } }), NOW);
    expect(`${line.headline} ${line.detail}`).toBe('Downloading your vault… 1,200 of 10,000');
    expect(line.progress).toEqual({ done: 1200, total: 10_000 });
    expect(describeSync(status({ phase: 'syncing', pending: 2 }), NOW)).toEqual({ headline: 'Syncing…', detail: '', tone: 'busy', progress: null });
  });

  it('explains each failure in words and keeps the count of what waits', () => {
    expect(read(status({ phase: 'error', failure: 'record_too_large', pending: 1 }))).toBe(
      'One item is too large for the server; it stays on this device only. Shorten it to sync it. · 1 change waiting · last synced 2 min ago',
    );
    expect(read(status({ phase: 'error', failure: 'device_revoked', lastSyncAt: null }))).toMatch(/^This device was removed from your account/);
    expect(read(status({ phase: 'error', failure: 'record_quota_exceeded' }))).toMatch(/as many items as the server allows/);
    expect(read(status({ phase: 'error', failure: 'server_error' }))).toMatch(/server had a problem/);
    // A failure the engine did not name still reads as a sentence, never as a code.
    expect(read(status({ phase: 'error', failure: null }))).toMatch(/server had a problem/);
    expect(describeSync(status({ phase: 'error', failure: 'server_error' }), NOW).tone).toBe('problem');
  });

  it('reads a busy server as a wait that resolves by itself, with the work kept', () => {
    const busy = describeSync(status({ phase: 'error', failure: 'server_busy', pending: 3, retryAt: NOW + 2_000 }), NOW);
    expect(`${busy.headline} · ${busy.detail}`).toBe(
      'The server is busy, so sync is paused. Your changes are safe on this device; Keyhold will try again shortly. · 3 changes waiting · last synced 2 min ago',
    );
    expect(busy.tone).toBe('waiting');
  });

  it('counts edits not yet sent between runs, and says so before the first sync', () => {
    expect(read(status({ pending: 2 }))).toBe('2 changes not yet synced · last synced 2 min ago');
    expect(read(status({ lastSyncAt: null }))).toBe('Not synced yet');
  });
});

describe('describeLockedSync', () => {
  it('says nothing when all is saved or a run is under way with nothing waiting', () => {
    expect(describeLockedSync(status())).toBeNull();
    expect(describeLockedSync(status({ phase: 'syncing' }))).toBeNull();
  });

  it('asks for the PIN when sync needs it: signed out, or a conflict to keep', () => {
    expect(describeLockedSync(status({ phase: 'signed-out', pending: 3 }))).toBe('Sync needs you to unlock: 3 changes waiting.');
    expect(describeLockedSync(status({ phase: 'signed-out' }))).toBe('Sync needs you to unlock.');
    expect(describeLockedSync(status({ waitingForUnlock: 1, pending: 1 }))).toMatch(/Unlock to keep both versions/);
  });

  it('counts what waits while offline', () => {
    expect(describeLockedSync(status({ phase: 'offline', pending: 2 }))).toBe('2 changes waiting — offline; they will be sent when you are back online.');
    expect(describeLockedSync(status({ phase: 'offline' }))).toBeNull();
  });
});

describe('describeRollback', () => {
  it('says nothing while no copy was refused', () => {
    expect(describeRollback(status())).toBeNull();
  });

  it('says how many items the server sent older copies of, and that this device kept its own', () => {
    expect(describeRollback(status({ rolledBack: 1 }))).toBe(
      'The server sent an older copy of 1 item than this device has already seen. Keyhold kept this device’s copies. If this keeps happening, tell whoever runs your Keyhold server.',
    );
    expect(describeRollback(status({ rolledBack: 1200 }))).toContain('older copies of 1,200 items');
    expect(describeLockedSync(status({ rolledBack: 2 }))).toBe(describeRollback(status({ rolledBack: 2 })));
    expect(read(status({ rolledBack: 2 }))).toBe('Sync found older copies on the server · synced 2 min ago');
    expect(describeSync(status({ rolledBack: 2 }), NOW).tone).toBe('problem');
  });
});
