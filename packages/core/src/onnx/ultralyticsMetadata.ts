/**
 * Reads the metadata_props that Ultralytics (YOLOv8/11 `yolo export`) and YOLOv5 `export.py` write:
 * values are Python reprs (`{0: 'person', …}`, `[640, 640]`, `True`). Malformed fields are left out and
 * explained in `warnings`; parsing never throws.
 */
import { isPyDict, parsePythonLiteral, type PyValue } from './pythonLiteral.js';

export type UltralyticsTask = 'detect' | 'classify' | 'segment' | 'pose' | 'obb';

export interface UltralyticsMetadata {
  task?: UltralyticsTask | (string & {});
  /** Index = class id; ids missing from a non-contiguous dict are filled with `class_<i>`. */
  names?: string[];
  /** Model input size [h, w]. */
  imgsz?: [number, number];
  /** Largest head stride (32 for the usual P3-P5 heads). */
  stride?: number;
  /** Export batch size; -1 or absent for dynamic batch. */
  batch?: number;
  half?: boolean;
  dynamic?: boolean;
  end2end?: boolean;
  channels?: number;
  /** Pose models: keypoints per instance and values per keypoint. */
  kptShape?: [number, number];
  description?: string;
  author?: string;
  version?: string;
  date?: string;
  license?: string;
  /** Why a present field was left out (unparseable, out of range…). Empty when all went well. */
  warnings: string[];
}

/** Keys that mark a model as coming from an Ultralytics or YOLOv5 exporter. */
const MARKER_KEYS = ['names', 'stride', 'imgsz', 'task'];
/** Beyond this a class id is surely garbage and filling gaps would allocate without bound. */
const MAX_CLASS_ID = 100_000;

function toInt(v: PyValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function parseBool(raw: string): boolean | undefined {
  const t = raw.trim();
  if (t === 'True' || t === 'true' || t === '1') return true;
  if (t === 'False' || t === 'false' || t === '0') return false;
  return undefined;
}

export function parseNames(raw: string, warnings: string[]): string[] | undefined {
  const r = parsePythonLiteral(raw);
  if (!r.ok) {
    warnings.push(`names: ${r.error}`);
    return undefined;
  }
  const v = r.value;
  if (Array.isArray(v)) {
    // Some exporters write a plain list.
    return v.map((x, i) => (typeof x === 'string' ? x : x === null ? `class_${i}` : String(x)));
  }
  if (!isPyDict(v)) {
    warnings.push('names: expected a dict {id: name}');
    return undefined;
  }
  const byId = new Map<number, string>();
  let maxId = -1;
  for (const [k, name] of v.entries) {
    const id = typeof k === 'number' ? k : typeof k === 'string' && /^\d+$/.test(k) ? Number(k) : NaN;
    if (!Number.isInteger(id) || id < 0 || id > MAX_CLASS_ID) {
      warnings.push(`names: ignored key ${JSON.stringify(k)} (not a class id in 0..${MAX_CLASS_ID})`);
      continue;
    }
    byId.set(id, typeof name === 'string' ? name : String(name));
    if (id > maxId) maxId = id;
  }
  if (maxId < 0) {
    warnings.push('names: no class ids');
    return undefined;
  }
  const out = new Array<string>(maxId + 1);
  for (let i = 0; i <= maxId; i++) out[i] = byId.get(i) ?? `class_${i}`;
  if (byId.size !== maxId + 1) warnings.push(`names: ${maxId + 1 - byId.size} class ids missing, filled with class_<i>`);
  return out;
}

function parseImgsz(raw: string, warnings: string[]): [number, number] | undefined {
  const r = parsePythonLiteral(raw);
  const v = r.ok ? r.value : undefined;
  const nums = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 1 ? [v[0], v[0]] : Array.isArray(v) && v.length === 2 ? v : null;
  if (nums && nums.every((n) => typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 65536)) {
    return [nums[0] as number, nums[1] as number];
  }
  warnings.push(`imgsz: cannot read ${JSON.stringify(raw.slice(0, 40))} as [h, w]`);
  return undefined;
}

function parseIntField(key: string, raw: string, warnings: string[], min: number): number | undefined {
  const r = parsePythonLiteral(raw);
  let v = r.ok ? r.value : undefined;
  // YOLOv5 custom heads sometimes store the stride list; the largest one is what sizes depend on.
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) v = Math.max(...(v as number[]));
  const n = v === undefined ? undefined : toInt(v);
  if (n === undefined || n < min || n > 1e9) {
    warnings.push(`${key}: cannot read ${JSON.stringify(raw.slice(0, 40))} as an integer ≥ ${min}`);
    return undefined;
  }
  return n;
}

/**
 * Returns null when none of the Ultralytics/YOLOv5 marker keys (names, stride, imgsz, task) is present.
 */
export function parseUltralyticsMetadata(props: Readonly<Record<string, string>>): UltralyticsMetadata | null {
  if (!MARKER_KEYS.some((k) => typeof props[k] === 'string')) return null;
  const warnings: string[] = [];
  const m: UltralyticsMetadata = { warnings };
  const get = (k: string): string | undefined => (typeof props[k] === 'string' ? props[k] : undefined);

  const task = get('task');
  if (task !== undefined) m.task = task.trim();
  const names = get('names');
  if (names !== undefined) {
    const n = parseNames(names, warnings);
    if (n) m.names = n;
  }
  const imgsz = get('imgsz');
  if (imgsz !== undefined) {
    const v = parseImgsz(imgsz, warnings);
    if (v) m.imgsz = v;
  }
  const stride = get('stride');
  if (stride !== undefined) {
    const v = parseIntField('stride', stride, warnings, 1);
    if (v !== undefined) m.stride = v;
  }
  const batch = get('batch');
  if (batch !== undefined) {
    const v = parseIntField('batch', batch, warnings, -1);
    if (v !== undefined) m.batch = v;
  }
  const channels = get('channels');
  if (channels !== undefined) {
    const v = parseIntField('channels', channels, warnings, 1);
    if (v !== undefined) m.channels = v;
  }
  for (const key of ['half', 'dynamic', 'end2end'] as const) {
    const raw = get(key);
    if (raw === undefined) continue;
    const b = parseBool(raw);
    if (b === undefined) warnings.push(`${key}: expected True/False, got ${JSON.stringify(raw.slice(0, 20))}`);
    else m[key] = b;
  }
  // `yolo export` records half/dynamic only inside `args`; a top-level key wins when both exist.
  const args = get('args');
  if (args !== undefined) {
    const r = parsePythonLiteral(args);
    if (r.ok && isPyDict(r.value)) {
      for (const [k, v] of r.value.entries) {
        if ((k === 'half' || k === 'dynamic') && typeof v === 'boolean' && m[k] === undefined) m[k] = v;
      }
    } else {
      warnings.push(`args: ${r.ok ? 'expected a dict' : r.error}`);
    }
  }
  const kpt = get('kpt_shape');
  if (kpt !== undefined) {
    const r = parsePythonLiteral(kpt);
    const v = r.ok ? r.value : null;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)) {
      m.kptShape = [v[0] as number, v[1] as number];
    } else {
      warnings.push(`kpt_shape: cannot read ${JSON.stringify(kpt.slice(0, 40))}`);
    }
  }
  for (const key of ['description', 'author', 'version', 'date', 'license'] as const) {
    const raw = get(key);
    if (raw !== undefined) m[key] = raw;
  }
  return m;
}
