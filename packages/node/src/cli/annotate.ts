/** Draw detections onto the source image (sharp + an SVG overlay) for --save-dir. */
import sharp from 'sharp';
import type { Detection } from '@sightline/core';

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/** A stable, well-spread colour per class (golden-angle hue steps). */
export function classColour(classId: number): string {
  return `hsl(${(classId * 137.508) % 360}, 85%, 50%)`;
}

export function overlaySvg(width: number, height: number, detections: readonly Detection[]): string {
  const line = Math.max(2, Math.round(Math.min(width, height) / 300));
  const font = Math.max(12, Math.round(Math.min(width, height) / 40));
  const parts = detections.map((d) => {
    const [x1, y1, x2, y2] = d.box;
    const c = classColour(d.classId);
    const text = escapeXml(`${d.label} ${d.score.toFixed(2)}`);
    const ty = y1 > font + 4 ? y1 - 4 : y1 + font + 2;
    return (
      `<rect x="${x1.toFixed(1)}" y="${y1.toFixed(1)}" width="${(x2 - x1).toFixed(1)}" height="${(y2 - y1).toFixed(1)}" fill="none" stroke="${c}" stroke-width="${line}"/>` +
      `<text x="${(x1 + 2).toFixed(1)}" y="${ty.toFixed(1)}" font-family="sans-serif" font-size="${font}" fill="${c}" stroke="black" stroke-width="0.6">${text}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

export async function writeAnnotated(src: string, dest: string, width: number, height: number, detections: readonly Detection[]): Promise<void> {
  const svg = Buffer.from(overlaySvg(width, height, detections));
  await sharp(src, { pages: 1 }).rotate().composite([{ input: svg, top: 0, left: 0 }]).toFile(dest);
}
