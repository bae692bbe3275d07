import { describe, expect, it } from 'vitest';
import { FILE_PATH } from './app-paths';

describe('FILE_PATH: which paths name a file rather than the app', () => {
  it.each(['/robots.txt', '/assets/index-1a2b.js', '/icons/icon-192.png', '/favicon.ico', '/.env', '/sitemap.xml?page=1', '/a/b.c/d.json'])('%s is a file', (path) => {
    expect(FILE_PATH.test(path)).toBe(true);
  });

  it.each(['/', '/settings', '/settings/recovery', '/settings?next=a.b', '/v1.2/settings', '/assets/', '/unlock?from=x.y#z'])('%s is the app', (path) => {
    expect(FILE_PATH.test(path)).toBe(false);
  });
});
