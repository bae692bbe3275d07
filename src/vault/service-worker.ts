/**
 * The SDK's entry for an app's service worker (no DOM, no vault): background sync of record
 * writes to the key server, on this origin or another. Kept apart from index.ts so a page never
 * loads Workbox's queue and a service worker never loads the vault.
 */
export { registerRecordWriteSync, type RecordWriteSyncOptions, type ServiceWorkerScope, type WorkerMessageEvent } from './sync/record-write-sync';
export type { ReplayOutcome } from './sync/record-write-replay';
