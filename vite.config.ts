/// <reference types="vitest/config" />
// One Vite/Vitest config for the workspace. Packages are consumed from source (the `source` export
// condition), so tests never need a build; `npm run build` emits dist/ for publishing and the CLI.
import { defineConfig } from 'vitest/config';

// Vitest 5's reporter calls Map.groupBy / Object.groupBy (ES2024), which Node 20 lacks: without this, a failing
// test crashes the reporter instead of printing the failure. This file is loaded in Vitest's main process.
type GroupBy = <K, T>(items: Iterable<T>, key: (item: T, index: number) => K) => Map<K, T[]>;
const M = Map as unknown as { groupBy?: GroupBy };
if (!M.groupBy) {
  M.groupBy = (items, key) => {
    const out = new Map();
    let i = 0;
    for (const item of items) {
      const k = key(item, i++);
      const list = out.get(k);
      if (list) list.push(item);
      else out.set(k, [item]);
    }
    return out;
  };
}
const O = Object as unknown as { groupBy?: <T>(items: Iterable<T>, key: (item: T, index: number) => PropertyKey) => Record<PropertyKey, T[]> };
if (!O.groupBy) {
  O.groupBy = (items, key) => Object.fromEntries(M.groupBy!(items, key));
}

// Vite applies top-level resolve.conditions to the client environment only; vitest's node tests run in the
// SSR one, which would otherwise resolve workspace packages to their (possibly stale) dist/.
const shared = {
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
};

export default defineConfig({
  ...shared,
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['packages/*/test/**/*.test.ts', 'bench/lib/*.test.mjs'],
          testTimeout: 60_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'triton',
          environment: 'node',
          include: ['packages/*/test-triton/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
