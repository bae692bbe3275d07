import type { Plugin, Rolldown } from 'vite';

/**
 * `<link rel="modulepreload">` in index.html for the chunks the entry imports statically (the
 * shared vault-core chunk), so the browser fetches them together with the entry rather than after
 * it has downloaded and parsed it: a round trip less before the first screen, which on a phone's
 * network is the first visit's largest cost (bench:lighthouse: TBT and LCP both lower).
 *
 * The tags live in the HTML only, and name nothing the first load would not fetch anyway: the
 * JavaScript gains no preload table (vite.config.ts turns Vite's own `modulePreload` off for the
 * bytes that table costs), and bench:client's initial-JS figure, which counts static imports, is
 * unchanged. Lazy screens are not preloaded: which one comes first depends on the device.
 */
export function firstLoadPreloadPlugin(): Plugin {
  return {
    name: 'keyhold:first-load-preload',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle, chunk }) {
        if (!bundle || !chunk) return [];
        const preload = new Set<string>();
        const visit = (fileName: string) => {
          if (preload.has(fileName)) return;
          preload.add(fileName);
          for (const imported of (bundle[fileName] as Rolldown.OutputChunk | undefined)?.imports ?? []) visit(imported);
        };
        for (const imported of chunk.imports) visit(imported);
        preload.delete(chunk.fileName);
        return [...preload].map((fileName) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `/${fileName}` },
          injectTo: 'head' as const,
        }));
      },
    },
  };
}
