import { buildApp } from '/work/wt-log-client/bench/client/builds';
import { gzipSync } from 'node:zlib';
const b = await buildApp('/work/wt-log-client');
for (const [file, c] of b.chunks) {
  if (!/index-|vault-core/.test(file)) continue;
  console.log('==', file);
  const rows = c.modules.map((m) => [m.id.replace('/work/wt-log-client/', ''), m.code.length, gzipSync(m.code, { level: 9 }).length] as const).sort((a, b) => b[1] - a[1]);
  for (const r of rows) console.log(r[1], r[2], r[0]);
}
