import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  float32ToHalfBits,
  floatToHalf,
  halfBitsAtOrBelow,
  halfBitsToFloat32,
  halfToFloat,
  hasNativeFloat16Array,
  isFloat16Array,
  toFloat32,
} from '../src/float16.js';

describe('halfToFloat', () => {
  it('decodes known bit patterns', () => {
    expect(halfToFloat(0x0000)).toBe(0);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.33325195, 8);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0xfc01)).toBeNaN();
  });
});

describe('floatToHalf', () => {
  it('round-trips every non-NaN half exactly', () => {
    const bad: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const v = halfToFloat(h);
      const back = floatToHalf(v);
      // NaN has many encodings: any NaN must stay a NaN.
      const ok = Number.isNaN(v) ? (back & 0x7c00) === 0x7c00 && (back & 0x3ff) !== 0 : back === h;
      if (!ok) bad.push(h);
    }
    expect(bad).toEqual([]);
  });

  it('rounds to nearest, ties to even, in normal and subnormal ranges', () => {
    const ulp1 = 2 ** -10;
    expect(floatToHalf(1 + ulp1 / 2)).toBe(0x3c00); // tie → even (mantissa 0)
    expect(floatToHalf(1 + (3 * ulp1) / 2)).toBe(0x3c02); // tie → even (mantissa 2)
    expect(floatToHalf(1 + ulp1 / 2 + 2 ** -20)).toBe(0x3c01); // just above the tie
    expect(floatToHalf(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal → 0
    expect(floatToHalf(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 subnormal units → 2
    expect(floatToHalf(2 ** -25 + 2 ** -30)).toBe(0x0001);
    expect(floatToHalf(-(2 ** -26))).toBe(0x8000);
    expect(floatToHalf(2047 * 2 ** -25)).toBe(0x0400); // rounds up out of the subnormals
  });

  it('overflows to infinity past the largest half', () => {
    expect(floatToHalf(65519)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // tie to even → Inf
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(-1e6)).toBe(0xfc00);
    expect(floatToHalf(Infinity)).toBe(0x7c00);
  });

  it('matches nearest-value rounding on random floats', () => {
    fc.assert(
      fc.property(fc.float({ min: -70000, max: 70000, noNaN: true }), (v) => {
        const h = floatToHalf(v);
        const back = halfToFloat(h);
        if (!Number.isFinite(back)) return Math.abs(v) >= 65520;
        // No other half is strictly closer.
        const next = halfToFloat((h + 1) & 0xffff);
        const prev = halfToFloat((h - 1) & 0xffff);
        const err = Math.abs(back - v);
        return !(Math.abs(next - v) < err) && !(Math.abs(prev - v) < err);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('bulk conversion and helpers', () => {
  it('converts arrays both ways', () => {
    const src = new Float32Array([0, 1, -2.5, 0.1, 65504, 1e-7]);
    const bits = float32ToHalfBits(src);
    const back = halfBitsToFloat32(bits);
    expect(Array.from(bits.subarray(0, 3))).toEqual([0, 0x3c00, 0xc100]);
    for (let i = 0; i < src.length; i++) expect(Math.abs(back[i] - src[i])).toBeLessThanOrEqual(Math.abs(src[i]) * 2 ** -11 + 2 ** -25);
    expect(toFloat32(bits)).toEqual(back);
    expect(toFloat32(src)).toBe(src);
  });

  it('halfBitsAtOrBelow is the last half not above the threshold', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 70000, noNaN: true }), (thr) => {
        const h = halfBitsAtOrBelow(thr);
        return halfToFloat(h) <= thr && (h === 0x7c00 || halfToFloat(h + 1) > thr);
      }),
      { numRuns: 1000 },
    );
    expect(halfBitsAtOrBelow(0.25)).toBe(0x3400);
    expect(halfBitsAtOrBelow(0)).toBe(0);
  });

  it('recognises Float16Array by tag only', () => {
    expect(isFloat16Array(new Uint16Array(2))).toBe(false);
    expect(isFloat16Array({ [Symbol.toStringTag]: 'Float16Array', length: 0 })).toBe(true);
    if (hasNativeFloat16Array()) {
      const F16 = (globalThis as unknown as { Float16Array: new (n: number) => ArrayLike<number> }).Float16Array;
      expect(isFloat16Array(new F16(2))).toBe(true);
    }
  });
});
