// Smoke test of the e2e harness itself: fixture app builds, server isolates the page, /shared/ is served
// read-only, WebGPU is on by default and off with { webgpu: false }.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openFixture, setupE2E, type E2EEnv } from './harness/index.js';

describe('e2e harness', () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await setupE2E();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('serves an isolated fixture page with window.sightline and a WebGPU adapter', async () => {
    const f = await openFixture(env.browser, env.server);
    try {
      const r = await f.page.evaluate(async () => ({
        isolated: crossOriginIsolated,
        api: typeof window.sightline,
        adapter: !!(await navigator.gpu?.requestAdapter()),
        shared: (await fetch('/shared/reference/README.md')).status,
        escaped: (await fetch('/shared/%2e%2e/%2e%2e/etc/passwd')).status === 200,
        post: (await fetch('/shared/reference/README.md', { method: 'POST' })).status,
      }));
      expect(r).toEqual({ isolated: true, api: 'object', adapter: true, shared: 200, escaped: false, post: 405 });
    } finally {
      await f.close();
    }
  });

  it('launches without WebGPU when asked', async () => {
    const b = await launchBrowser({ webgpu: false });
    try {
      const page = await b.browser.newPage();
      await page.goto(env.server.url + '/');
      expect(await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()))).toBe(false);
    } finally {
      await b.close();
    }
  });
});
