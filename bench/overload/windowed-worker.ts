/** Runs one overload run (windowed-load.ts) in a worker thread and posts its results back. */
import { parentPort, workerData } from 'node:worker_threads';
import { runOverloadOffers, type OverloadRun } from './windowed-load';

parentPort!.postMessage(await runOverloadOffers(workerData as OverloadRun & { keepBodies?: string }));
