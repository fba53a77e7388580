// Protobuf text format, just enough for Triton's config.pbtxt: write configs from plain objects and read
// them back (tests and tooling check what was generated without a protobuf dependency).
import { OptionError } from '@sightline/core';

/** An enum value (written bare, e.g. TYPE_FP16, KIND_GPU) as opposed to a quoted string. */
export class PbEnum {
  constructor(readonly name: string) {}
}
export const pbEnum = (name: string): PbEnum => new PbEnum(name);

export type PbScalar = string | number | boolean | PbEnum;
export interface PbMessage {
  [field: string]: PbScalar | PbScalar[] | PbMessage | PbMessage[] | undefined;
}

function scalar(v: PbScalar): string {
  if (v instanceof PbEnum) return v.name;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new OptionError('E_INVALID_OPTION', `pbtxt: non-finite number ${v}`);
    return String(v);
  }
  return v ? 'true' : 'false';
}

const isMessage = (v: unknown): v is PbMessage => typeof v === 'object' && v !== null && !(v instanceof PbEnum) && !Array.isArray(v);

/** Serialize; undefined fields are skipped, repeated messages use the `field [ {…}, {…} ]` list form. */
export function toPbtxt(msg: PbMessage, indent = ''): string {
  const lines: string[] = [];
  const inner = indent + '  ';
  for (const [k, v] of Object.entries(msg)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      if (v.length === 0) continue;
      if (isMessage(v[0])) {
        const items = (v as PbMessage[]).map((m) => `${inner}{\n${toPbtxt(m, inner + '  ')}${inner}}`);
        lines.push(`${indent}${k} [\n${items.join(',\n')}\n${indent}]`);
      } else {
        lines.push(`${indent}${k}: [ ${(v as PbScalar[]).map(scalar).join(', ')} ]`);
      }
    } else if (isMessage(v)) {
      lines.push(`${indent}${k} {\n${toPbtxt(v, inner)}${indent}}`);
    } else {
      lines.push(`${indent}${k}: ${scalar(v)}`);
    }
  }
  return lines.map((l) => l + '\n').join('');
}

/** Parsed text-format message: every field maps to the list of its occurrences (fields may repeat). */
export interface PbParsed {
  [field: string]: (string | number | PbParsed)[];
}

/** Parse protobuf text format. Identifiers (enums, true/false) come back as strings, numbers as numbers. */
export function parsePbtxt(text: string): PbParsed {
  const tokens = tokenize(text);
  let i = 0;
  const fail = (msg: string): never => {
    throw new OptionError('E_INVALID_OPTION', `pbtxt: ${msg} (token ${i})`);
  };
  const peek = () => tokens[i];
  const next = () => tokens[i++] ?? fail('unexpected end of input');
  const value = (): string | number | PbParsed => {
    const t = next();
    if (t === '{') return message('}');
    if (t.startsWith('"') || t.startsWith("'")) return JSON.parse(t.startsWith("'") ? `"${t.slice(1, -1).replace(/"/g, '\\"')}"` : t) as string;
    if (/^[-+]?(\d|\.\d)/.test(t)) return Number(t);
    if (/^[A-Za-z_][\w.]*$/.test(t)) return t;
    return fail(`unexpected token ${t}`);
  };
  const message = (end: string | null): PbParsed => {
    const out: PbParsed = {};
    for (;;) {
      const t = peek();
      if (t === undefined) {
        if (end === null) return out;
        return fail(`missing ${end}`);
      }
      if (t === end) {
        i++;
        return out;
      }
      const key = next();
      if (!/^[A-Za-z_]\w*$/.test(key)) fail(`bad field name ${key}`);
      if (peek() === ':') i++;
      const list = (out[key] ??= []);
      if (peek() === '[') {
        i++;
        while (peek() !== ']') {
          list.push(value());
          if (peek() === ',') i++;
        }
        i++;
      } else {
        list.push(value());
      }
      if (peek() === ',' || peek() === ';') i++;
    }
  };
  return message(null);
}

function tokenize(text: string): string[] {
  const re = /\s+|#[^\n]*|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[{}[\]:,;<>]|[^\s{}[\]:,;<>#"']+)/gy;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    if (m[1] !== undefined) out.push(m[1] === '<' ? '{' : m[1] === '>' ? '}' : m[1]);
  }
  if (re.lastIndex < text.length) throw new OptionError('E_INVALID_OPTION', `pbtxt: cannot tokenize near "${text.slice(re.lastIndex, re.lastIndex + 20)}"`);
  return out;
}
