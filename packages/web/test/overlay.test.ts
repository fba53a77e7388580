// Overlay geometry (DOM-free): object-fit mapping, box clipping, line widths, palette, watch stats.
import { describe, expect, it } from 'vitest';
import { fitRect, lineWidthFor, mapBox } from '../src/overlay/fitRect.js';
import { classColor, textColorOn } from '../src/overlay/palette.js';
import { StatsMeter } from '../src/video/watchStats.js';

describe('fitRect', () => {
  it('contain letterboxes a 4:3 frame in a 16:9 box (pillarbox) and centres it', () => {
    const r = fitRect('contain', 640, 480, 1280, 720);
    expect(r.scaleX).toBeCloseTo(1.5);
    expect(r.scaleY).toBeCloseTo(1.5);
    expect([r.x, r.y, r.width, r.height]).toEqual([160, 0, 960, 720]);
  });
  it('contain letterboxes a wide frame in a tall box (bars top and bottom)', () => {
    const r = fitRect('contain', 1920, 1080, 375, 600);
    expect(r.x).toBe(0);
    expect(r.width).toBe(375);
    expect(r.height).toBeCloseTo(210.9375);
    expect(r.y).toBeCloseTo((600 - 210.9375) / 2);
  });
  it('cover fills the box and crops the overflow (negative offset)', () => {
    const r = fitRect('cover', 640, 480, 1280, 720);
    expect(r.scaleX).toBe(2);
    expect([r.x, r.y, r.width, r.height]).toEqual([0, -120, 1280, 960]);
  });
  it('fill stretches each axis independently', () => {
    const r = fitRect('fill', 640, 480, 320, 480);
    expect([r.scaleX, r.scaleY, r.x, r.y]).toEqual([0.5, 1, 0, 0]);
  });
  it('none keeps 1:1 and centres; scale-down never enlarges', () => {
    expect(fitRect('none', 100, 100, 300, 200)).toMatchObject({ x: 100, y: 50, scaleX: 1 });
    expect(fitRect('scale-down', 100, 100, 300, 200).scaleX).toBe(1);
    expect(fitRect('scale-down', 1000, 500, 300, 200).scaleX).toBeCloseTo(0.3);
  });
  it('zero-size source maps to an empty rect; bad input throws a typed error', () => {
    expect(fitRect('contain', 0, 480, 100, 100).width).toBe(0);
    expect(() => fitRect('contain', NaN, 480, 100, 100)).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTION' }));
    expect(() => fitRect('contain', 10, 10, -1, 100)).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTION' }));
    expect(() => fitRect('stretch' as 'fill', 10, 10, 10, 10)).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTION' }));
  });
});

describe('mapBox', () => {
  it('maps source pixels into the letterboxed area', () => {
    const r = fitRect('contain', 640, 480, 1280, 720);
    expect(mapBox([0, 0, 640, 480], r, 1280, 720)).toEqual([160, 0, 1120, 720]);
    expect(mapBox([100, 100, 200, 300], r, 1280, 720)).toEqual([310, 150, 460, 450]);
  });
  it('clips boxes to the visible area under cover and drops boxes fully outside', () => {
    const r = fitRect('cover', 640, 480, 1280, 720); // rows 0..60 and 420..480 of the source are cropped
    expect(mapBox([10, 0, 20, 100], r, 1280, 720)).toEqual([20, 0, 40, 80]);
    expect(mapBox([10, 0, 20, 50], r, 1280, 720)).toBeNull();
  });
});

describe('lineWidthFor / palette', () => {
  it('line width grows with the displayed size, at least 2 px', () => {
    expect(lineWidthFor(375, 280)).toBe(2);
    expect(lineWidthFor(1280, 720)).toBe(3);
    expect(lineWidthFor(3840, 2160)).toBe(9);
  });
  it('class colours are stable per id, differ between neighbours and cope with odd ids', () => {
    expect(classColor(0)).toBe(classColor(20));
    expect(classColor(0)).not.toBe(classColor(1));
    expect(classColor(-3)).toBe(classColor(0));
    expect(classColor(2.5)).toBe(classColor(0));
    expect(textColorOn('#FFFFFF')).toBe('#000000');
    expect(textColorOn('#0018EC')).toBe('#FFFFFF');
  });
});

describe('StatsMeter', () => {
  it('FPS over the window from completion times, smoothed stage times', () => {
    const m = new StatsMeter();
    const t = { preprocess: 1, inference: 10, postprocess: 1, total: 12 };
    for (let i = 0; i <= 10; i++) m.complete(1000 + i * 100, t, 0.5, 13, 'wasm');
    expect(m.s.fps).toBeCloseTo(10);
    expect(m.s.timings.inference).toBeCloseTo(10);
    expect(m.s.backend).toBe('wasm');
    // After a 10 s gap only the new completions count.
    m.complete(12000, { ...t, inference: 20 }, 0.5, 23, 'wasm');
    expect(m.s.fps).toBeCloseTo(1000 / 23); // alone in the window: estimated from its latency
    expect(m.s.timings.inference).toBeCloseTo(12);
    const snap = m.snapshot();
    m.s.timings.inference = 99;
    expect(snap.timings.inference).toBeCloseTo(12);
  });
});
