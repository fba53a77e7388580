// Bad input gives typed errors whose class and code survive the worker boundary; nothing hangs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, setupE2E, type E2EEnv, type OpenedFixture } from './harness/index.js';
import { requireShared } from '../packages/testkit/src/shared.js';

const ok = requireShared(['models', 'mobilenetv2-12.onnx']);

describe.skipIf(!ok)('web: bad input → typed errors', () => {
  let env: E2EEnv;
  let f: OpenedFixture;
  beforeAll(async () => {
    env = await setupE2E({ browser: { webgpu: false } });
    // A PDF, a non-ONNX file, and a valid ONNX whose output no layout explains.
    env.server.addFile('/gen/doc.pdf', new TextEncoder().encode('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n'), 'application/pdf');
    env.server.addFile('/gen/not-a-model.onnx', new TextEncoder().encode('<html>this is not a model</html>'));
    f = await openFixture(env.browser, env.server);
  });
  afterAll(async () => {
    await f?.close();
    await env?.close();
  });

  it('reports codes for sources, models and disposal', async () => {
    const r = await f.page.evaluate(async () => {
      const code = (p: Promise<unknown>) =>
        p.then(
          () => 'ok',
          (e: unknown) => {
            const err = e as { name?: string; code?: string };
            const isSightline = err instanceof Error && typeof err.code === 'string';
            return `${err.name}:${err.code}${isSightline ? '' : '(untyped)'}`;
          },
        );
      const labels = Array.from({ length: 1000 }, (_, i) => `c${i}`);
      const c = await window.sightline.createClassifier({ model: '/shared/models/mobilenetv2-12.onnx', backend: 'wasm', labels });
      const pdf = await (await fetch('/gen/doc.pdf')).blob();
      const out = {
        zeroCanvas: await code(c.classify(window.fixture.canvas(0, 0))),
        hugeCanvas: await code(c.classify(window.fixture.canvas(20000, 10))),
        pdfBlob: await code(c.classify(pdf)),
        number: await code(c.classify(42 as unknown as Blob)),
        missingUrl: await code(c.classify('/nope.png')),
        good: await code(c.classify(window.fixture.canvas(30, 20))),
        nonOnnx: await code(window.sightline.createClassifier({ model: '/gen/not-a-model.onnx', backend: 'wasm' })),
        missingModel: await code(window.sightline.createClassifier({ model: '/gen/missing.onnx', backend: 'wasm' })),
        tooLarge: await code(window.sightline.createClassifier({ model: '/shared/models/mobilenetv2-12.onnx', backend: 'wasm', maxModelBytes: 1000, cache: false })),
        integrity: await code(window.sightline.createClassifier({ model: '/shared/models/mobilenetv2-12.onnx', backend: 'wasm', integrity: 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', cache: false })),
        detectorOnClassifier: await code(window.sightline.createDetector({ model: '/shared/models/mobilenetv2-12.onnx', backend: 'wasm' })),
        disposed: '',
      };
      await c.dispose();
      out.disposed = await code(c.classify(window.fixture.canvas(30, 20)));
      return out;
    });
    expect(r).toEqual({
      zeroCanvas: 'ImageInputError:E_IMAGE_EMPTY',
      hugeCanvas: 'ImageInputError:E_IMAGE_TOO_LARGE',
      pdfBlob: 'ImageInputError:E_IMAGE_DECODE',
      number: 'ImageInputError:E_UNSUPPORTED_SOURCE',
      missingUrl: 'EngineError:E_FETCH',
      good: 'ok',
      nonOnnx: expect.stringMatching(/^ModelFormatError:E_(NOT_ONNX|ONNX_MALFORMED|ONNX_TRUNCATED)$/),
      missingModel: 'EngineError:E_FETCH',
      tooLarge: 'ModelFormatError:E_MODEL_TOO_LARGE',
      integrity: 'ModelFormatError:E_MODEL_INTEGRITY',
      detectorOnClassifier: 'LayoutError:E_UNKNOWN_LAYOUT',
      disposed: 'EngineError:E_DISPOSED',
    });
  });
});
