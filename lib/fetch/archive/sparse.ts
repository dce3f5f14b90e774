/**
 * GNU sparse files in tar archives: the archive stores only the runs of
 * data, and a map says where each goes in the file, the rest being holes.
 * The map comes in the old GNU header, in pax records (formats 0.0 and
 * 0.1) or at the start of the stored data (format 1.0, GNU tar's default
 * with `--format=posix`).
 */
import type { FileBody } from "./tree.ts";

/** Where each stored run of data goes in the file, in order. */
export type SparseMap = Array<{ offset: number; length: number }>;

/** The longest map text at the start of format 1.0 data accepted. */
const MAX_MAP_TEXT = 16 << 20;
const BLOCK = 512;
const NEWLINE = 0x0a;
const ascii = new TextDecoder("latin1");

/**
 * The map of a pax `GNU.sparse.map` record (`offset,length,...`);
 * undefined when it is malformed.
 *
 * ```ts
 * parseSparseMap("0,4096,8192,3"); // two runs
 * ```
 */
export function parseSparseMap(text: string): SparseMap | undefined {
  const numbers = text === "" ? [] : text.split(",").map(decimal);
  return pairs(numbers);
}

function decimal(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : NaN;
}

function pairs(numbers: number[]): SparseMap | undefined {
  if (numbers.length % 2 !== 0 || numbers.some((n) => !(n >= 0))) {
    return undefined;
  }
  const map: SparseMap = [];
  for (let i = 0; i < numbers.length; i += 2) {
    map.push({ offset: numbers[i], length: numbers[i + 1] });
  }
  return map;
}

/**
 * Puts a sparse member's stored data in place in `file`: each run at its
 * offset, holes between, and a file of `size` bytes in the end.
 *
 * ```ts
 * const body = new SparseBody(file, [{ offset: 8192, length: 3 }], 8195, bad);
 * body.write(bytes); // the 3 stored bytes
 * body.end();
 * ```
 */
export class SparseBody implements FileBody {
  /** The next run to fill, and how much of it is left. */
  private run = -1;
  private left = 0;
  /** Where in the file the next byte goes. */
  private at = 0;
  /** Format 1.0: the map's text read so far, then padding to skip. */
  private text?: Uint8Array[] = undefined;
  private textLength = 0;
  private skip = 0;

  /**
   * @param map the runs, or undefined when the map leads the data
   * @param corrupt makes the error for a map the data does not match
   */
  constructor(
    private readonly file: FileBody,
    private map: SparseMap | undefined,
    private readonly size: number,
    private readonly corrupt: () => Error,
  ) {
    if (map === undefined) this.text = [];
  }

  write(chunk: Uint8Array): void {
    let data = chunk;
    if (this.map === undefined) {
      data = this.readMap(data);
      if (this.map === undefined) return;
    }
    if (this.skip > 0) {
      const skipped = Math.min(this.skip, data.length);
      this.skip -= skipped;
      data = data.subarray(skipped);
    }
    while (data.length > 0) {
      if (this.left === 0) this.nextRun();
      const take = Math.min(this.left, data.length);
      this.file.write(data.subarray(0, take));
      data = data.subarray(take);
      this.left -= take;
      this.at += take;
    }
  }

  hole(length: number): void {
    this.file.hole(length);
  }

  end(): void {
    if (this.map === undefined || this.skip > 0 || this.left > 0) {
      throw this.corrupt();
    }
    const map = this.map;
    if (map.slice(this.run + 1).some((run) => run.length > 0)) {
      throw this.corrupt();
    }
    if (this.at < this.size) this.file.hole(this.size - this.at);
    this.file.end();
  }

  /** Moves to the next run with data, making the hole before it. */
  private nextRun(): void {
    const map = this.map!;
    do {
      this.run++;
      if (this.run >= map.length) throw this.corrupt();
    } while (map[this.run].length === 0);
    const { offset, length } = map[this.run];
    if (offset < this.at || offset + length > this.size) throw this.corrupt();
    if (offset > this.at) this.file.hole(offset - this.at);
    this.at = offset;
    this.left = length;
  }

  /**
   * Reads format 1.0's map (decimal lines: the number of runs, then each
   * run's offset and length) from the data; returns what follows it.
   */
  private readMap(chunk: Uint8Array): Uint8Array {
    const text = this.text!;
    text.push(chunk);
    this.textLength += chunk.length;
    const joined = join(text, this.textLength);
    const numbers: number[] = [];
    let start = 0;
    for (let i = 0; i < joined.length; i++) {
      if (joined[i] !== NEWLINE) continue;
      numbers.push(decimal(ascii.decode(joined.subarray(start, i))));
      start = i + 1;
      if (numbers.length === 2 * numbers[0] + 1) {
        const map = pairs(numbers.slice(1));
        if (map === undefined) throw this.corrupt();
        this.map = map;
        this.text = undefined;
        const end = Math.ceil(start / BLOCK) * BLOCK;
        this.skip = Math.max(end - joined.length, 0);
        return joined.subarray(Math.min(end, joined.length));
      }
      if (!(numbers[0] >= 0)) throw this.corrupt();
    }
    if (this.textLength > MAX_MAP_TEXT) throw this.corrupt();
    // joined once: chunks arrive whole blocks at a time, few before the map ends
    this.text = [joined];
    return new Uint8Array(0);
  }
}

function join(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const joined = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}
