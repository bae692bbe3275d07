/** `npm start`, `npm run serve`: the key server process (key-server.ts). */
import { runKeyServer } from './key-server';

runKeyServer();
