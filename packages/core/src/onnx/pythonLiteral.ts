/**
 * Parser for the Python literal subset that Ultralytics writes into ONNX metadata (`str(dict)` / `repr`):
 * dicts, lists, tuples, sets, str (all quote styles, escapes, r/b/u prefixes), int, float, True/False/None.
 * Bounded in input length, nesting and item count; it never throws, it returns `{ ok: false, error }`.
 */

export type PyValue = string | number | boolean | null | PyValue[] | PyDict;
export interface PyDict {
  kind: 'dict';
  entries: [PyValue, PyValue][];
}
export type PyParseResult = { ok: true; value: PyValue } | { ok: false; error: string };

export interface PyParseLimits {
  /** Longest accepted input in UTF-16 code units (default 1 Mi). */
  maxLength?: number;
  /** Deepest container nesting (default 32). */
  maxDepth?: number;
  /** Most values in all containers together (default 200,000). */
  maxItems?: number;
}

export function isPyDict(v: PyValue): v is PyDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === 'dict';
}

class PyParseError {
  constructor(readonly message: string) {}
}

// Sticky (y) regexes match at `lastIndex` without slicing the input.
const NUMBER = /[+-]?(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][+-]?\d+)?/y;
const SPECIAL_FLOAT = /[+-]?(inf|nan)/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]{0,63}/y;
const PREFIX = /[rRbBuU]/;

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\n': '',
};

class Parser {
  private pos = 0;
  private items = 0;
  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
    private readonly maxItems: number,
  ) {}

  fail(msg: string): never {
    throw new PyParseError(`${msg} at position ${this.pos}`);
  }

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  parseAll(): PyValue {
    const v = this.value(0);
    this.ws();
    if (this.pos !== this.s.length) this.fail('unexpected trailing text');
    return v;
  }

  value(depth: number): PyValue {
    if (depth > this.maxDepth) this.fail(`nested deeper than ${this.maxDepth}`);
    if (++this.items > this.maxItems) this.fail(`more than ${this.maxItems} values`);
    this.ws();
    if (this.pos >= this.s.length) this.fail('unexpected end of input');
    const c = this.s[this.pos];
    if (c === '{') return this.braces(depth);
    if (c === '[') return this.sequence(depth, ']');
    if (c === '(') return this.sequence(depth, ')');
    if (c === "'" || c === '"') return this.str(false);
    if (PREFIX.test(c) && this.pos + 1 < this.s.length) {
      let p = this.pos;
      let raw = false;
      while (p < this.s.length && p - this.pos < 2 && PREFIX.test(this.s[p])) {
        if (this.s[p] === 'r' || this.s[p] === 'R') raw = true;
        p++;
      }
      if (this.s[p] === "'" || this.s[p] === '"') {
        this.pos = p;
        return this.str(raw);
      }
    }
    if (c === '-' || c === '+' || c === '.' || (c >= '0' && c <= '9')) return this.num();
    return this.word();
  }

  braces(depth: number): PyValue {
    this.pos++; // {
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return { kind: 'dict', entries: [] };
    }
    const first = this.value(depth + 1);
    this.ws();
    if (this.s[this.pos] !== ':') {
      // A set literal: parsed as a list.
      const out: PyValue[] = [first];
      this.restOfSequence(out, depth, '}');
      return out;
    }
    const entries: [PyValue, PyValue][] = [];
    let key = first;
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== ':') this.fail("expected ':' in dict");
      this.pos++;
      entries.push([key, this.value(depth + 1)]);
      this.ws();
      const d = this.s[this.pos];
      if (d === '}') {
        this.pos++;
        return { kind: 'dict', entries };
      }
      if (d !== ',') this.fail("expected ',' or '}' in dict");
      this.pos++;
      this.ws();
      if (this.s[this.pos] === '}') {
        this.pos++;
        return { kind: 'dict', entries };
      }
      key = this.value(depth + 1);
    }
  }

  sequence(depth: number, close: string): PyValue[] {
    this.pos++;
    this.ws();
    const out: PyValue[] = [];
    if (this.s[this.pos] === close) {
      this.pos++;
      return out;
    }
    out.push(this.value(depth + 1));
    this.restOfSequence(out, depth, close);
    return out;
  }

  restOfSequence(out: PyValue[], depth: number, close: string): void {
    for (;;) {
      this.ws();
      const d = this.s[this.pos];
      if (d === close) {
        this.pos++;
        return;
      }
      if (d !== ',') this.fail(`expected ',' or '${close}'`);
      this.pos++;
      this.ws();
      if (this.s[this.pos] === close) {
        this.pos++;
        return;
      }
      out.push(this.value(depth + 1));
    }
  }

  str(raw: boolean): string {
    const s = this.s;
    const q = s[this.pos];
    const triple = s.startsWith(q + q + q, this.pos);
    this.pos += triple ? 3 : 1;
    let out = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string');
      const c = s[this.pos];
      if (c === q && (!triple || s.startsWith(q + q + q, this.pos))) {
        out += s.slice(runStart, this.pos);
        this.pos += triple ? 3 : 1;
        return out;
      }
      if (!triple && c === '\n') this.fail('newline in string');
      if (c !== '\\') {
        this.pos++;
        continue;
      }
      out += s.slice(runStart, this.pos);
      if (this.pos + 1 >= s.length) this.fail('unterminated string');
      const e = s[this.pos + 1];
      if (raw) {
        // Raw strings keep the backslash; it still protects the quote from closing the string.
        out += c + e;
        this.pos += 2;
      } else if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        this.pos += 2;
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = s.slice(this.pos + 2, this.pos + 2 + n);
        if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) this.fail(`bad \\${e} escape`);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) this.fail('code point out of range');
        out += String.fromCodePoint(cp);
        this.pos += 2 + n;
      } else if (e >= '0' && e <= '7') {
        let p = this.pos + 1;
        while (p < s.length && p < this.pos + 4 && s[p] >= '0' && s[p] <= '7') p++;
        out += String.fromCharCode(parseInt(s.slice(this.pos + 1, p), 8));
        this.pos = p;
      } else {
        // Python keeps unknown escapes verbatim.
        out += c + e;
        this.pos += 2;
      }
      runStart = this.pos;
    }
  }

  num(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.s);
    const text = m ? m[0] : '';
    if (!/\d/.test(text)) {
      // float('inf') / float('nan') reprs show up as bare inf/nan in some metadata.
      SPECIAL_FLOAT.lastIndex = this.pos;
      const w = SPECIAL_FLOAT.exec(this.s);
      if (w) {
        this.pos += w[0].length;
        return w[1] === 'nan' ? NaN : w[0].startsWith('-') ? -Infinity : Infinity;
      }
      this.fail('bad number');
    }
    this.pos += text.length;
    const v = Number(text.includes('_') ? text.replace(/_/g, '') : text);
    if (Number.isNaN(v)) this.fail(`bad number '${text}'`);
    return v;
  }

  word(): PyValue {
    WORD.lastIndex = this.pos;
    const m = WORD.exec(this.s);
    if (!m) this.fail(`unexpected character '${this.s[this.pos]}'`);
    this.pos += m[0].length;
    switch (m[0]) {
      case 'True':
        return true;
      case 'False':
        return false;
      case 'None':
        return null;
      case 'inf':
        return Infinity;
      case 'nan':
        return NaN;
      default:
        this.pos -= m[0].length;
        return this.fail(`unknown name '${m[0]}'`);
    }
  }
}

export function parsePythonLiteral(text: string, limits: PyParseLimits = {}): PyParseResult {
  const { maxLength = 1 << 20, maxDepth = 32, maxItems = 200_000 } = limits;
  if (typeof text !== 'string') return { ok: false, error: 'not a string' };
  if (text.length > maxLength) return { ok: false, error: `longer than ${maxLength} characters` };
  try {
    return { ok: true, value: new Parser(text, maxDepth, maxItems).parseAll() };
  } catch (e) {
    if (e instanceof PyParseError) return { ok: false, error: e.message };
    // Only a RangeError from a pathological input could land here; report it instead of throwing.
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
