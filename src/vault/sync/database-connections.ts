/**
 * The IndexedDB connections the service worker (sw.ts) holds. Workbox's background-sync queue
 * opens its database (`workbox-background-sync`) once and keeps that connection for the worker's
 * whole life, and it does not close it when another context deletes the database: a page's
 * `indexedDB.deleteDatabase` would then wait, "blocked", until the browser stops the idle worker.
 * So every connection opened in the worker is remembered, closes itself on `versionchange` (what
 * the IndexedDB spec asks of a connection another context needs gone), and `closeAll` closes them
 * when a deleted account's page wipes the origin (docs/architecture.md "Deleting the account").
 * A Workbox call after that fails instead of re-creating the database. No DOM here.
 */

/** Connections opened through `factory` from now on. */
export interface DatabaseConnections {
  /** Closes every connection still open; later calls through them fail (InvalidStateError). */
  closeAll(): void;
}

/** Wraps `factory.open` (the worker's `indexedDB`) so that the connections it opens are tracked. Call before anything opens one. */
export function trackDatabaseConnections(factory: IDBFactory): DatabaseConnections {
  const open = factory.open.bind(factory);
  const connections = new Set<IDBDatabase>();
  factory.open = (name: string, version?: number): IDBOpenDBRequest => {
    const request = version === undefined ? open(name) : open(name, version);
    request.addEventListener('success', () => {
      const connection = request.result;
      const close = connection.close.bind(connection);
      connections.add(connection);
      connection.close = () => {
        connections.delete(connection);
        close();
      };
      connection.addEventListener('versionchange', () => connection.close());
      connection.addEventListener('close', () => connections.delete(connection));
    });
    return request;
  };
  return {
    closeAll() {
      for (const connection of [...connections]) connection.close();
    },
  };
}
