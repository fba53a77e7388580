/**
 * Python 3's round(): halves go to the nearest even integer. Ultralytics' LetterBox and scale_boxes use it,
 * so Math.round (halves up) would shift the padding by one pixel for some image sizes.
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
