/** Runs one paced load (bench/lib/paced-load.ts) in a worker thread and posts its figures back. */
import { parentPort, workerData } from 'node:worker_threads';
import { generatePacedLoad, type PacedRun } from './paced-load';

parentPort!.postMessage(await generatePacedLoad(workerData as PacedRun));
