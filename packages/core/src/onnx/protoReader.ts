/**
 * Minimal bounds-checked protobuf wire-format reader. It never copies: length-delimited fields come back as
 * `subarray` views. Every read checks the end of its frame, so hostile bytes end in a ModelFormatError
 * (E_ONNX_TRUNCATED when a length runs past the end of the input, E_ONNX_MALFORMED for anything else),
 * never in an out-of-bounds read or an unbounded loop.
 */
import { ModelFormatError } from '../errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Deepest message/group nesting any reader accepts; ONNX needs < 10 for what we read. */
export const MAX_PROTO_DEPTH = 32;

const TWO_32 = 4294967296;
// Lengths are JS numbers; above 2^53 they stop being exact, so such lengths are rejected outright.
const MAX_SAFE_HI = 0x1fffff;

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class ProtoReader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  /** Message nesting depth of this reader (0 = top level). */
  readonly depth: number;
  /**
   * True for the reader over the whole input: only there can a length running past `end` mean the input
   * was cut short. Inside a framed sub-message the same overrun means the bytes are inconsistent.
   */
  readonly isRoot: boolean;
  // Last decoded varint as two uint32 halves; fields instead of a returned tuple so reads don't allocate.
  private lo = 0;
  private hi = 0;

  constructor(buf: Uint8Array, start = 0, end = buf.length, depth = 0, isRoot = depth === 0) {
    if (start < 0 || end > buf.length || start > end) {
      throw new ModelFormatError('E_ONNX_MALFORMED', `protobuf frame [${start}, ${end}) is outside the ${buf.length}-byte input`);
    }
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.depth = depth;
    this.isRoot = isRoot;
    if (depth > MAX_PROTO_DEPTH) {
      throw new ModelFormatError('E_ONNX_MALFORMED', `protobuf messages nested deeper than ${MAX_PROTO_DEPTH} levels`, {
        details: { offset: start },
      });
    }
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  private truncated(what: string, need: number): never {
    const code = this.isRoot ? 'E_ONNX_TRUNCATED' : 'E_ONNX_MALFORMED';
    const msg = this.isRoot
      ? `ONNX bytes end early: ${what} at offset ${this.pos} needs ${need} bytes but only ${this.end - this.pos} remain (file truncated?)`
      : `${what} at offset ${this.pos} runs ${need - (this.end - this.pos)} bytes past the end of its enclosing message`;
    throw new ModelFormatError(code, msg, { details: { offset: this.pos, need, remaining: this.end - this.pos } });
  }

  malformed(msg: string): never {
    throw new ModelFormatError('E_ONNX_MALFORMED', `${msg} (offset ${this.pos})`, { details: { offset: this.pos } });
  }

  private decodeVarint(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    // Bytes 1-4 fill bits 0..27 of lo.
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) this.truncated('varint', pos - this.pos + 1);
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        this.pos = pos;
        return;
      }
    }
    // Byte 5 straddles the halves: 4 bits to lo, 3 bits to hi.
    if (pos >= end) this.truncated('varint', pos - this.pos + 1);
    b = buf[pos++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      // Bytes 6-10 fill bits 3..31 of hi; a set continuation bit on byte 10 is invalid.
      let shift = 3;
      for (;;) {
        if (pos >= end) this.truncated('varint', pos - this.pos + 1);
        b = buf[pos++];
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
        if (shift > 31) {
          this.pos = pos;
          this.malformed('varint longer than 10 bytes');
        }
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.pos = pos;
  }

  /** Unsigned varint as a number (exact up to 2^53, approximate above). */
  uint(): number {
    this.decodeVarint();
    return this.hi * TWO_32 + this.lo;
  }

  /** int64/int32 varint with two's-complement sign (negative int32 values are sign-extended to 10 bytes). */
  int64(): number {
    this.decodeVarint();
    if (this.hi & 0x80000000) {
      let lo = (~this.lo + 1) >>> 0;
      let hi = ~this.hi >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
      return -(hi * TWO_32 + lo);
    }
    return this.hi * TWO_32 + this.lo;
  }

  /** Returns the tag (fieldNumber << 3 | wireType) after validating field number and wire type. */
  tag(): number {
    this.decodeVarint();
    if (this.hi !== 0) this.malformed('field tag does not fit in 32 bits');
    const tag = this.lo;
    const wire = tag & 7;
    if (tag >>> 3 === 0) this.malformed('field number 0');
    if (wire > 5) this.malformed(`invalid wire type ${wire}`);
    return tag;
  }

  /** Length prefix of a length-delimited field, checked against the bytes left in this frame. */
  length(): number {
    const at = this.pos;
    this.decodeVarint();
    if (this.hi > MAX_SAFE_HI) {
      this.pos = at;
      this.malformed('length prefix above 2^53');
    }
    const len = this.hi * TWO_32 + this.lo;
    if (len > this.end - this.pos) this.truncated('length-delimited field', len);
    return len;
  }

  /** A length-delimited field as a view (no copy). */
  bytes(): Uint8Array {
    const len = this.length();
    const start = this.pos;
    this.pos += len;
    return this.buf.subarray(start, start + len);
  }

  string(): string {
    const len = this.length();
    const start = this.pos;
    this.pos += len;
    // Names are short ASCII; building those directly avoids TextDecoder's per-call overhead.
    if (len <= 64) {
      let s = '';
      for (let i = start; i < start + len; i++) {
        const c = this.buf[i];
        if (c >= 0x80) return utf8.decode(this.buf.subarray(start, start + len));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(this.buf.subarray(start, start + len));
  }

  /** A reader over the next length-delimited field, one nesting level deeper. */
  message(): ProtoReader {
    const len = this.length();
    const start = this.pos;
    this.pos += len;
    return new ProtoReader(this.buf, start, start + len, this.depth + 1, false);
  }

  fixed32(): number {
    if (this.end - this.pos < 4) this.truncated('fixed32', 4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** fixed64 / sfixed64 bits as an unsigned number (exact up to 2^53). */
  fixed64(): number {
    if (this.end - this.pos < 8) this.truncated('fixed64', 8);
    const lo = this.fixed32();
    return this.fixed32() * TWO_32 + lo;
  }

  float32(): number {
    const bits = this.fixed32();
    F32_BITS[0] = bits;
    return F32_VIEW[0];
  }

  skipBytes(n: number, what: string): void {
    if (this.end - this.pos < n) this.truncated(what, n);
    this.pos += n;
  }

  /**
   * Skips the value of a field whose tag was just read. Groups (wire 3) are skipped to their matching
   * end tag without recursion; a stray end-group (wire 4) is malformed.
   */
  skip(tag: number): void {
    switch (tag & 7) {
      case WIRE_VARINT:
        this.decodeVarint();
        return;
      case WIRE_FIXED64:
        this.skipBytes(8, 'fixed64');
        return;
      case WIRE_LEN: {
        const len = this.length();
        this.pos += len;
        return;
      }
      case WIRE_FIXED32:
        this.skipBytes(4, 'fixed32');
        return;
      case WIRE_START_GROUP:
        this.skipGroup(tag >>> 3);
        return;
      default:
        this.malformed(`unexpected end-group tag for field ${tag >>> 3}`);
    }
  }

  private skipGroup(field: number): void {
    // Explicit stack of open group field numbers: nesting is bounded and cannot exhaust the JS stack.
    const open: number[] = [field];
    while (open.length > 0) {
      if (this.pos >= this.end) this.truncated('group', 1);
      const t = this.tag();
      const w = t & 7;
      if (w === WIRE_START_GROUP) {
        if (this.depth + open.length >= MAX_PROTO_DEPTH) this.malformed(`groups nested deeper than ${MAX_PROTO_DEPTH} levels`);
        open.push(t >>> 3);
      } else if (w === WIRE_END_GROUP) {
        if (open.pop() !== t >>> 3) this.malformed(`end-group tag for field ${t >>> 3} does not match its start`);
      } else {
        this.skip(t);
      }
    }
  }
}

const F32_VIEW = new Float32Array(1);
const F32_BITS = new Uint32Array(F32_VIEW.buffer);
