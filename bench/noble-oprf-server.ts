/**
 * The key server with PIN-recovery evaluations as issue 16 found them: @noble/curves' BlindEvaluate
 * (about 2 ms of JavaScript) on the event loop. `npm run bench:server` measures the shipped server
 * against it in the same run. Nothing else differs from server/main.ts.
 */
import { runKeyServer } from '../server/key-server';
import { nobleOnEventLoop } from './lib/oprf-load';

runKeyServer({ oprf: nobleOnEventLoop });
