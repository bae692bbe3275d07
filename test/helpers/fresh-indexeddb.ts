/**
 * Setup file of the integration project (vitest.config.ts): every test file starts on an empty
 * IndexedDB of its own, as it would in a process of its own, although the files a worker runs
 * share their modules (isolate: false) and with them the global that `fake-indexeddb/auto` set.
 * Dexie reads its default IndexedDB from `Dexie.dependencies` when a database is constructed.
 */
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { IDBFactory } from 'fake-indexeddb';

const indexedDB = new IDBFactory();
globalThis.indexedDB = indexedDB;
Dexie.dependencies.indexedDB = indexedDB;
