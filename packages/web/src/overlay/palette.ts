/** Stable class colours: the same class id always gets the same colour (Ultralytics' 20-colour palette). */
const PALETTE = [
  '#FF3838', '#FF9D97', '#FF701F', '#FFB21D', '#CFD231', '#48F90A', '#92CC17', '#3DDB86', '#1A9334', '#00D4BB',
  '#2C99A8', '#00C2FF', '#344593', '#6473FF', '#0018EC', '#8438FF', '#520085', '#CB38FF', '#FF95C8', '#FF37C7',
] as const;

export function classColor(classId: number): string {
  const i = Number.isInteger(classId) && classId >= 0 ? classId % PALETTE.length : 0;
  return PALETTE[i];
}

/** Black or white text, whichever reads better on `hex` (#RRGGBB). */
export function textColorOn(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const r = (n >> 16) & 255;
  const g = (n >> 8) & 255;
  const b = n & 255;
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#000000' : '#FFFFFF';
}
