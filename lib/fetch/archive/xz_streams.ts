/**
 * The ends of the streams of an xz file, found from the container's own
 * structure without decoding, as `xz --list` finds them: a stream footer,
 * the index it points back to, and the stream header that index's blocks
 * lead back to, each stream starting where the one before ended (after
 * zero padding). xz-decompress says neither where a stream ended nor where
 * its input failed; with these ends, bytes after the last stream (a
 * signature, junk a server appended) are told from damaged data.
 */
import { readSync } from "node:fs";
import { crc32 } from "node:zlib";

/** A stream header's magic bytes. */
const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/** A stream footer's last two bytes, "YZ". */
const Y = 0x59, Z = 0x5a;
const HEADER = 12, FOOTER = 12, CRC = 4;
/** The smallest block a record may list (xz-file-format 4.3.2). */
const MIN_UNPADDED = 5;
const WINDOW = 1 << 16;

/**
 * Cuts an xz file, read from its start in chunks, after each stream end,
 * and tells afterwards whether what follows the last one is another
 * stream.
 */
export class XzStreamEnds {
  /** Stream ends found, the last one before the current chunk first. */
  private ends: number[] = [];
  /** The file offset of the next chunk. */
  private offset = 0;
  private lastByte = -1;

  constructor(private readonly fd: number) {}

  /**
   * `chunk`, the file's next bytes, cut after each stream end in it: a
   * decoder given the pieces one at a time has handed on all of a
   * stream's data before it reads a byte of what follows.
   */
  cut(chunk: Uint8Array): Uint8Array[] {
    const base = this.offset;
    this.ends = this.ends.slice(-1);
    const pieces: Uint8Array[] = [];
    let from = 0;
    // A footer ends at a multiple of 4: stream sizes and padding are.
    const first = (4 - (base + 2) % 4) % 4;
    for (let i = first === 3 ? -1 : first; i + 1 < chunk.length; i += 4) {
      const y = i < 0 ? this.lastByte : chunk[i];
      if (y !== Y || chunk[i + 1] !== Z || !this.isStreamEnd(base + i + 2)) {
        continue;
      }
      this.ends.push(base + i + 2);
      if (i + 2 > from) pieces.push(chunk.subarray(from, i + 2));
      from = i + 2;
    }
    if (from < chunk.length) pieces.push(chunk.subarray(from));
    this.offset += chunk.length;
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
    return pieces;
  }

  /**
   * True when a stream ends at or before `offset` and what follows it,
   * after zero bytes, is not another stream's magic: a decoder that failed
   * on the piece starting at `offset` failed on bytes after the data.
   */
  afterLastStream(offset: number): boolean {
    const end = this.ends.findLast((at) => at <= offset);
    if (end === undefined) return false;
    const rest = new FileBytes(this.fd, end, Infinity);
    let byte = rest.next();
    while (byte === 0) byte = rest.next();
    return !MAGIC.every((b, i) => (i === 0 ? byte : rest.next()) === b);
  }

  /** True when a stream that follows those found so far ends at `end`. */
  private isStreamEnd(end: number): boolean {
    const start = this.streamStart(end);
    if (start < 0) return false;
    const previous = this.ends.at(-1);
    // The first stream starts the file; the decoder allows no padding there.
    if (previous === undefined) return start === 0;
    if (start < previous || (start - previous) % 4 !== 0) return false;
    const padding = new FileBytes(this.fd, previous, start);
    for (let byte = padding.next(); byte >= 0; byte = padding.next()) {
      if (byte !== 0) return false;
    }
    return true;
  }

  /** Where the stream whose footer ends at `end` starts; -1 if none does. */
  private streamStart(end: number): number {
    if (end < HEADER + FOOTER + 8) return -1;
    const footer = this.read(end - FOOTER, FOOTER);
    const flags = footer.subarray(8, 10);
    if (
      u32(footer, 0) !== crc32(footer.subarray(4, 10)) || !validFlags(flags)
    ) {
      return -1;
    }
    const indexSize = (u32(footer, 4) + 1) * 4;
    const index = end - FOOTER - indexSize;
    const blocks = index < HEADER ? -1 : this.blocksSize(index, indexSize);
    const start = index - blocks - HEADER;
    if (blocks < 0 || start < 0) return -1;
    const header = this.read(start, HEADER);
    const same = MAGIC.every((b, i) => header[i] === b) &&
      header[6] === flags[0] && header[7] === flags[1] &&
      u32(header, 8) === crc32(header.subarray(6, 8));
    return same ? start : -1;
  }

  /**
   * The size of the blocks the index of `size` bytes at `offset` lists
   * (xz-file-format 4); -1 if no index is there.
   */
  private blocksSize(offset: number, size: number): number {
    const index = new FileBytes(this.fd, offset, offset + size - CRC);
    if (index.next() !== 0) return -1;
    let records = index.varint();
    let total = 0;
    for (; records > 0; records--) {
      const unpadded = index.varint();
      if (unpadded < MIN_UNPADDED || index.varint() < 0) return -1;
      total += Math.ceil(unpadded / 4) * 4;
    }
    if (records < 0 || index.consumed < offset + size - CRC - 3) return -1;
    for (let byte = index.next(); byte >= 0; byte = index.next()) {
      if (byte !== 0) return -1;
    }
    const stored = u32(this.read(offset + size - CRC, CRC), 0);
    return stored === index.crc ? total : -1;
  }

  /** `length` bytes of the file at `offset`; fewer at its end. */
  private read(offset: number, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    return bytes.subarray(0, readSync(this.fd, bytes, 0, length, offset));
  }
}

/** True for stream flags this format version defines: a check type. */
function validFlags(flags: Uint8Array): boolean {
  return flags.length === 2 && flags[0] === 0 && flags[1] < 16;
}

function u32(bytes: Uint8Array, at: number): number {
  if (bytes.length < at + 4) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
}

/** The bytes of a file from `offset` up to `end`, one at a time. */
class FileBytes {
  private window = new Uint8Array(0);
  private at = 0;
  /** The file offset of the next byte. */
  consumed: number;
  /** The CRC32 of the bytes consumed. */
  crc = 0;

  constructor(
    private readonly fd: number,
    offset: number,
    private readonly end: number,
  ) {
    this.consumed = offset;
  }

  /** The next byte; -1 at the end. */
  next(): number {
    if (this.at === this.window.length) {
      const want = Math.min(WINDOW, this.end - this.consumed);
      const window = new Uint8Array(Math.max(want, 0));
      const n = want > 0
        ? readSync(this.fd, window, 0, want, this.consumed)
        : 0;
      if (n === 0) return -1;
      this.window = window.subarray(0, n);
      this.crc = crc32(this.window, this.crc);
      this.at = 0;
    }
    this.consumed++;
    return this.window[this.at++];
  }

  /**
   * An xz variable-length integer (xz-file-format 1.2); -1 when none is
   * here, or when it is past what a number holds exactly.
   */
  varint(): number {
    let value = 0;
    for (let i = 0; i < 9; i++) {
      const byte = this.next();
      if (byte < 0 || (i > 0 && byte === 0)) return -1;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (value > Number.MAX_SAFE_INTEGER) return -1;
      if (!(byte & 0x80)) return value;
    }
    return -1;
  }
}
