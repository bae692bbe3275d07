import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('docs/sdk.md', () => {
  it('shows the type-checked example (docs/sdk-example.ts) as it is', () => {
    const block = /```ts\n([\s\S]*?)```/.exec(read('docs/sdk.md'))?.[1];
    expect(block).toBe(read('docs/sdk-example.ts'));
  });
});
