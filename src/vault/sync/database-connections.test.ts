import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { trackDatabaseConnections } from './database-connections';

/** Opens `name` with a `requests` store, as Workbox's queue does, and keeps the connection. */
function openQueueDatabase(factory: IDBFactory, name = 'workbox-background-sync'): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, 3);
    request.onupgradeneeded = () => request.result.createObjectStore('requests', { autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error as Error);
  });
}

/** A page's deletion of `name`: `blocked` settles if it had to wait for a connection, `done` when deleted. */
function deleteDatabase(factory: IDBFactory, name = 'workbox-background-sync') {
  const request = factory.deleteDatabase(name);
  let blocked = false;
  const blockedEvent = new Promise<void>((resolve) => (request.onblocked = () => ((blocked = true), resolve())));
  const done = new Promise<{ blocked: boolean }>((resolve, reject) => {
    request.onsuccess = () => resolve({ blocked });
    request.onerror = () => reject(request.error as Error);
  });
  return { blockedEvent, done };
}

const isClosed = (connection: IDBDatabase) => {
  try {
    connection.transaction('requests');
    return false;
  } catch (error) {
    return (error as DOMException).name === 'InvalidStateError';
  }
};

describe('the service worker’s IndexedDB connections', () => {
  it('untracked, a connection kept open (as Workbox keeps its queue’s) blocks a page’s deletion until it closes', async () => {
    const factory = new IDBFactory();
    const kept = await openQueueDatabase(factory);
    const deletion = deleteDatabase(factory);
    await deletion.blockedEvent;
    kept.close();
    await expect(deletion.done).resolves.toEqual({ blocked: true });
  });

  it('tracked, the connection closes itself when another context deletes its database: the deletion goes through unblocked', async () => {
    const factory = new IDBFactory();
    trackDatabaseConnections(factory);
    const kept = await openQueueDatabase(factory);
    await expect(deleteDatabase(factory).done).resolves.toEqual({ blocked: false });
    expect(isClosed(kept)).toBe(true);
  });

  it('closeAll closes every connection still open, and forgets those their owner closed', async () => {
    const factory = new IDBFactory();
    const connections = trackDatabaseConnections(factory);
    const queue = await openQueueDatabase(factory);
    const log = await openQueueDatabase(factory, 'keyhold-sw');
    log.close();
    connections.closeAll();
    expect([isClosed(queue), isClosed(log)]).toEqual([true, true]);
    await expect(deleteDatabase(factory).done).resolves.toEqual({ blocked: false });
  });
});
