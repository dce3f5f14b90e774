/**
 * A streaming lzip decoder: the LZMA decoder of Igor Pavlov's reference
 * specification (LzmaSpec.cpp, public domain) for lzip's fixed parameters
 * (lc=3, lp=0, pb=2, end marker), with lzip's member header and trailer
 * (CRC32, data size, member size) checked. Pure TypeScript, so it works in
 * the compiled executable; memory is the member's dictionary (as much of it as
 * the output fills) plus a chunk.
 */
import { crc32 } from "node:zlib";

const LC = 3, PB = 2;
const PROB_INIT = 1024;
/** Input kept ahead of the decoder: more than one symbol can consume. */
const LOOKAHEAD = 64;
const OUT_CHUNK = 1 << 18;
/**
 * The window's first size: it grows to the dictionary size only as output
 * comes, so a header declaring 512 MiB costs nothing for a small member.
 */
const FIRST_WINDOW = 1 << 16;
const TRAILER = 20;

/** Why lzip data cannot be decoded; `truncated` when it ends early. */
export class LzipError extends Error {
  constructor(message: string, readonly truncated = false) {
    super(message);
  }
}

function probs(n: number): Uint16Array {
  return new Uint16Array(n).fill(PROB_INIT);
}

/** Input bytes, refilled between decoding steps. */
class Input {
  buf = new Uint8Array(0);
  pos = 0;
  ended = false;
  /** Bytes consumed before `buf`. */
  consumed = 0;

  get available(): number {
    return this.buf.length - this.pos;
  }

  append(chunk: Uint8Array): void {
    const rest = this.buf.subarray(this.pos);
    const next = new Uint8Array(rest.length + chunk.length);
    next.set(rest);
    next.set(chunk, rest.length);
    this.consumed += this.pos;
    this.buf = next;
    this.pos = 0;
  }

  byte(): number {
    if (this.pos >= this.buf.length) {
      throw new LzipError("unexpected end of data", true);
    }
    return this.buf[this.pos++];
  }

  get offset(): number {
    return this.consumed + this.pos;
  }
}

/** One lzip member's LZMA stream. */
class Member {
  private range = 0xffffffff;
  private code = 0;
  private window: Uint8Array;
  private windowPos = 0;
  private isFull = false;
  private total = 0;
  private flushedAt = 0;
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  private crc = 0;
  finished = false;

  private readonly literal = probs(0x300 << LC);
  private readonly isMatch = probs(12 << 4);
  private readonly isRep = probs(12);
  private readonly isRepG0 = probs(12);
  private readonly isRepG1 = probs(12);
  private readonly isRepG2 = probs(12);
  private readonly isRep0Long = probs(12 << 4);
  private readonly posSlot = probs(4 << 6);
  private readonly posDecoders = probs(1 + 114);
  private readonly align = probs(16);
  private readonly lenDecoder = new LenDecoder();
  private readonly repLenDecoder = new LenDecoder();

  constructor(private readonly input: Input, readonly dictSize: number) {
    this.window = new Uint8Array(Math.min(dictSize, FIRST_WINDOW));
    if (input.byte() !== 0) throw new LzipError("corrupt LZMA stream");
    for (let i = 0; i < 4; i++) {
      this.code = (this.code * 256 + input.byte()) >>> 0;
    }
    if (this.code === this.range) throw new LzipError("corrupt LZMA stream");
  }

  private normalize(): void {
    if (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.input.byte()) >>> 0;
    }
  }

  bit(p: Uint16Array, i: number): number {
    const v = p[i];
    const bound = (this.range >>> 11) * v;
    let symbol: number;
    if (this.code < bound) {
      p[i] = v + ((2048 - v) >>> 5);
      this.range = bound;
      symbol = 0;
    } else {
      p[i] = v - (v >>> 5);
      this.code -= bound;
      this.range -= bound;
      symbol = 1;
    }
    this.normalize();
    return symbol;
  }

  private direct(bits: number): number {
    let result = 0;
    for (; bits > 0; bits--) {
      this.range = this.range >>> 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      this.normalize();
      result = result * 2 + b;
    }
    return result;
  }

  tree(p: Uint16Array, offset: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) + this.bit(p, offset + m);
    return m - (1 << bits);
  }

  private reverse(p: Uint16Array, offset: number, bits: number): number {
    let m = 1, symbol = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(p, offset + m);
      m = (m << 1) + b;
      symbol |= b << i;
    }
    return symbol;
  }

  private put(b: number): void {
    this.window[this.windowPos++] = b;
    this.total++;
    if (this.windowPos === this.window.length) this.wrap();
  }

  /** At the window's end: doubles it up to the dictionary size, then wraps. */
  private wrap(): void {
    if (this.window.length < this.dictSize) {
      const larger = new Uint8Array(
        Math.min(this.window.length * 2, this.dictSize),
      );
      larger.set(this.window);
      this.window = larger;
      return;
    }
    this.windowPos = 0;
    this.isFull = true;
  }

  private get(distance: number): number {
    const at = this.windowPos >= distance
      ? this.windowPos - distance
      : this.window.length - distance + this.windowPos;
    return this.window[at];
  }

  private literalByte(): void {
    const prev = this.total > 0 ? this.get(1) : 0;
    const base = 0x300 * (prev >>> (8 - LC));
    let symbol = 1;
    if (this.state >= 7) {
      let match = this.get(this.rep0 + 1);
      do {
        const matchBit = (match >>> 7) & 1;
        match <<= 1;
        const b = this.bit(this.literal, base + ((1 + matchBit) << 8) + symbol);
        symbol = (symbol << 1) | b;
        if (matchBit !== b) break;
      } while (symbol < 0x100);
    }
    while (symbol < 0x100) {
      symbol = (symbol << 1) | this.bit(this.literal, base + symbol);
    }
    this.put(symbol - 0x100);
  }

  private distance(len: number): number {
    const lenState = len > 3 ? 3 : len;
    const slot = this.tree(this.posSlot, lenState << 6, 6);
    if (slot < 4) return slot;
    const bits = (slot >>> 1) - 1;
    let dist = (2 | (slot & 1)) * 2 ** bits;
    if (slot < 14) {
      dist += this.reverse(this.posDecoders, dist - slot, bits);
    } else {
      dist += this.direct(bits - 4) * 16;
      dist += this.reverse(this.align, 0, 4);
    }
    return dist;
  }

  /**
   * Decodes while enough input is buffered (or all of it has arrived) and
   * the output chunk has room; returns the bytes decoded since the last
   * call (a copy), empty when nothing was.
   */
  step(): Uint8Array {
    const input = this.input;
    // what is returned must still be in the window: leave room for a match
    const limit = this.total + Math.min(OUT_CHUNK, this.window.length - 273);
    while (
      !this.finished && (input.available >= LOOKAHEAD || input.ended) &&
      this.total < limit
    ) {
      const posState = this.total & ((1 << PB) - 1);
      const state = this.state;
      if (this.bit(this.isMatch, (state << 4) + posState) === 0) {
        this.literalByte();
        this.state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      let len: number;
      if (this.bit(this.isRep, state) !== 0) {
        if (this.total === 0) throw new LzipError("corrupt LZMA stream");
        if (this.bit(this.isRepG0, state) === 0) {
          if (this.bit(this.isRep0Long, (state << 4) + posState) === 0) {
            this.state = state < 7 ? 9 : 11;
            this.put(this.get(this.rep0 + 1));
            continue;
          }
        } else {
          let dist: number;
          if (this.bit(this.isRepG1, state) === 0) {
            dist = this.rep1;
          } else {
            if (this.bit(this.isRepG2, state) === 0) {
              dist = this.rep2;
            } else {
              dist = this.rep3;
              this.rep3 = this.rep2;
            }
            this.rep2 = this.rep1;
          }
          this.rep1 = this.rep0;
          this.rep0 = dist;
        }
        len = this.repLenDecoder.decode(this, posState);
        this.state = state < 7 ? 8 : 11;
      } else {
        this.rep3 = this.rep2;
        this.rep2 = this.rep1;
        this.rep1 = this.rep0;
        len = this.lenDecoder.decode(this, posState);
        this.state = state < 7 ? 7 : 10;
        this.rep0 = this.distance(len);
        if (this.rep0 === 0xffffffff) {
          if (this.code !== 0) throw new LzipError("corrupt LZMA stream");
          this.finished = true;
          break;
        }
        if (
          this.rep0 >= this.window.length ||
          (!this.isFull && this.rep0 >= this.windowPos)
        ) {
          throw new LzipError("corrupt LZMA stream (distance too far back)");
        }
      }
      for (let n = len + 2; n > 0; n--) this.put(this.get(this.rep0 + 1));
    }
    return this.take();
  }

  /** Copies out what was decoded since the last call. */
  private take(): Uint8Array {
    const n = this.total - this.flushedAt;
    this.flushedAt = this.total;
    const out = new Uint8Array(n);
    const end = this.windowPos;
    if (end >= n) {
      out.set(this.window.subarray(end - n, end));
    } else {
      const head = n - end;
      out.set(this.window.subarray(this.window.length - head), 0);
      out.set(this.window.subarray(0, end), head);
    }
    this.crc = crc32(out, this.crc);
    return out;
  }

  /** Checks the trailer after the end marker. */
  verify(trailer: Uint8Array, memberSize: number): void {
    const view = new DataView(trailer.buffer, trailer.byteOffset, TRAILER);
    if (view.getUint32(0, true) !== this.crc) {
      throw new LzipError("CRC mismatch");
    }
    if (Number(view.getBigUint64(4, true)) !== this.total) {
      throw new LzipError("data size mismatch");
    }
    if (Number(view.getBigUint64(12, true)) !== memberSize) {
      throw new LzipError("member size mismatch");
    }
  }
}

class LenDecoder {
  private readonly choice = probs(2);
  private readonly low = probs(16 << 3);
  private readonly mid = probs(16 << 3);
  private readonly high = probs(256);

  decode(rc: Member, posState: number): number {
    if (rc.bit(this.choice, 0) === 0) {
      return rc.tree(this.low, posState << 3, 3);
    }
    if (rc.bit(this.choice, 1) === 0) {
      return 8 + rc.tree(this.mid, posState << 3, 3);
    }
    return 16 + rc.tree(this.high, 0, 8);
  }
}

/** The dictionary size coded in a member header's sixth byte. */
function dictionarySize(byte: number): number {
  const base = 2 ** (byte & 0x1f);
  const size = base - (base / 16) * (byte >>> 5);
  if ((byte & 0x1f) < 12 || (byte & 0x1f) > 29) {
    throw new LzipError("invalid dictionary size");
  }
  return size;
}

/**
 * Decompresses the lzip data in `chunks` (one member or several).
 *
 * ```ts
 * for await (const part of lunzip(createReadStream("x.tar.lz"))) { ... }
 * ```
 * @throws {LzipError} for truncated or corrupt data
 */
export async function* lunzip(
  chunks: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const source = chunks[Symbol.asyncIterator]();
  const input = new Input();
  /** Buffers at least `n` bytes unless the input ends first. */
  const fill = async (n: number) => {
    while (input.available < n && !input.ended) {
      const next = await source.next();
      if (next.done) input.ended = true;
      else input.append(next.value);
    }
  };
  try {
    let members = 0;
    for (;;) {
      await fill(6 + LOOKAHEAD);
      if (input.available === 0 && members > 0) return;
      const start = input.offset;
      const magic = [0x4c, 0x5a, 0x49, 0x50];
      if (!magic.every((b) => input.byte() === b)) {
        // lzip ignores trailing data after the last member
        if (members > 0) return;
        throw new LzipError("not lzip data");
      }
      if (input.byte() !== 1) throw new LzipError("unsupported lzip version");
      const member = new Member(input, dictionarySize(input.byte()));
      while (!member.finished) {
        await fill(LOOKAHEAD);
        const out = member.step();
        if (out.length > 0) yield out;
      }
      await fill(TRAILER);
      const trailer = new Uint8Array(TRAILER);
      for (let i = 0; i < TRAILER; i++) trailer[i] = input.byte();
      member.verify(trailer, input.offset - start);
      members++;
    }
  } finally {
    await source.return?.();
  }
}
