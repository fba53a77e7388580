/// <reference types="vitest/config" />
// One Vite/Vitest config for the workspace. Packages are consumed from source (the `source` export
// condition), so tests never need a build; `npm run build` emits dist/ for publishing and the CLI.
import { defineConfig } from 'vitest/config';

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
          include: ['packages/*/test/**/*.test.ts'],
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
