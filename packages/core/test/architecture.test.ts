// Guards the dependency rules in ARCHITECTURE.md: arrows point inward to the core, and the core and the
// Triton client stay platform-neutral (no Node built-ins, no DOM), so they run in browsers, workers, Node,
// Deno and edge runtimes alike.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@sightline/testkit';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
}

const allowed: Record<string, string[]> = {
  core: [],
  triton: ['@sightline/core'],
  web: ['@sightline/core', '@sightline/triton', 'comlink', 'onnxruntime-web', '@tensorflow/'],
  node: ['@sightline/core', '@sightline/triton', 'sharp', 'onnxruntime-node', 'onnxruntime-web', '@grpc/', 'node:'],
};

describe('package boundaries', () => {
  for (const [pkg, ok] of Object.entries(allowed)) {
    it(`${pkg} imports only what ARCHITECTURE.md allows`, () => {
      const dir = join(repoRoot, 'packages', pkg, 'src');
      const bad: string[] = [];
      for (const f of files(dir)) {
        const rel = relative(repoRoot, f);
        // Node-only corners of the Triton package, kept out of its platform-neutral entry point.
        const nodeOnly = pkg === 'triton' && (rel.includes('/grpc/') || rel.endsWith('.node.ts'));
        for (const spec of imports(f)) {
          if (spec.startsWith('.')) continue;
          if (nodeOnly && (spec.startsWith('node:') || spec.startsWith('@grpc/'))) continue;
          if (!ok.some((a) => spec === a || spec.startsWith(a.endsWith('/') || a.endsWith(':') ? a : `${a}/`) || spec === a)) bad.push(`${rel} → ${spec}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
  it('core and the platform-neutral Triton client use no DOM or Node globals', () => {
    const dirs = [join(repoRoot, 'packages', 'core', 'src'), join(repoRoot, 'packages', 'triton', 'src')];
    const bad: string[] = [];
    for (const d of dirs) {
      for (const f of files(d)) {
        const rel = relative(repoRoot, f);
        if (rel.includes('/grpc/') || rel.endsWith('.node.ts')) continue;
        const src = readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
        for (const m of src.matchAll(/(?<![\w.$])(document|window|process|Buffer|navigator|require|__dirname)\b(?=\s*[.(])/g)) {
          bad.push(`${rel} uses ${m[1]}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
