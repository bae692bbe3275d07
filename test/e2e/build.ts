import { build } from 'vite';
import { sweepStaleScratchDirs } from '../helpers/scratch-dir';

/**
 * vitest globalSetup: builds the PWA once into dist/ so the browser journeys run the real
 * production bundle and service worker. Vitest sets NODE_ENV=test, which would make Vite build a
 * development bundle (Lit dev mode, no service worker); the build must see `production`.
 */
export default async function setup(): Promise<void> {
  sweepStaleScratchDirs();
  if (process.env.KEYHOLD_SKIP_BUILD === '1') return;
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = previous;
  }
}
