/**
 * Reads a tar stream (ustar, GNU and pax, as GNU tar, bsdtar and Python's
 * tarfile write them) and hands each member to a {@link Tree}, streaming
 * file contents without holding more than a chunk of the archive.
 */
import { ArchiveError } from "./errors.ts";
import { isTarHeader } from "./detect.ts";
import type { Entry, EntryType, FileBody, Tree } from "./tree.ts";

const BLOCK = 512;
/** The largest pax or GNU long-name record accepted. */
const MAX_META = 1 << 20;
const decoder = new TextDecoder();
const TRUNCATED = "truncated (unexpected end of data)";

/** A source of chunks read as exact byte counts. */
class Reader {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  /** Bytes consumed before the current chunk. */
  private base = 0;

  constructor(
    private readonly chunks: AsyncIterator<Uint8Array>,
    private readonly fail: (err: unknown) => never,
  ) {}

  /** Offset in the uncompressed stream, for messages. */
  get offset(): number {
    return this.base + this.at;
  }

  private async next(): Promise<boolean> {
    let result: IteratorResult<Uint8Array>;
    try {
      result = await this.chunks.next();
    } catch (err) {
      this.fail(err);
    }
    if (result.done) return false;
    this.base += this.chunk.length;
    this.chunk = result.value;
    this.at = 0;
    return true;
  }

  /**
   * The next `n` bytes; null at the end of the stream when none is left.
   *
   * @throws {Error} with `truncated` set when the stream ends inside them
   */
  async exact(n: number): Promise<Uint8Array | null> {
    if (this.chunk.length - this.at >= n) {
      const out = this.chunk.subarray(this.at, this.at + n);
      this.at += n;
      return out;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (this.at === this.chunk.length && !await this.next()) {
        if (got === 0) return null;
        throw new Truncated();
      }
      const take = Math.min(n - got, this.chunk.length - this.at);
      out.set(this.chunk.subarray(this.at, this.at + take), got);
      this.at += take;
      got += take;
    }
    return out;
  }

  /** Passes the next `n` bytes to `body` (or drops them without one). */
  async pipe(n: number, body?: FileBody): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.at === this.chunk.length && !await this.next()) {
        throw new Truncated();
      }
      const take = Math.min(left, this.chunk.length - this.at);
      body?.write(this.chunk.subarray(this.at, this.at + take));
      this.at += take;
      left -= take;
    }
  }

  /** Reads to the end, so a decompressor reports damage past the archive. */
  async drain(): Promise<void> {
    while (await this.next()) this.at = this.chunk.length;
  }
}

class Truncated extends Error {}

function text(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return decoder.decode(bytes.subarray(start, end));
}

/** An octal field, or a base-256 one (GNU, for large values). */
function number(bytes: Uint8Array, start: number, length: number): number {
  if (bytes[start] & 0x80) {
    let value = bytes[start] & 0x3f;
    for (let i = start + 1; i < start + length; i++) {
      value = value * 256 + bytes[i];
    }
    return bytes[start] & 0x40 ? -value : value;
  }
  let value = 0;
  for (let i = start; i < start + length; i++) {
    const b = bytes[i];
    if (b === 0 || b === 0x20) {
      if (value > 0) break;
      continue;
    }
    if (b < 0x30 || b > 0x37) return NaN;
    value = value * 8 + (b - 0x30);
  }
  return value;
}

/** The `key=value` records of a pax extended header. */
function paxRecords(bytes: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < bytes.length) {
    let space = at;
    while (space < bytes.length && bytes[space] !== 0x20) space++;
    const length = parseInt(decoder.decode(bytes.subarray(at, space)), 10);
    if (!(length > 0) || at + length > bytes.length) break;
    const record = decoder.decode(bytes.subarray(space + 1, at + length - 1));
    const eq = record.indexOf("=");
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

const TYPES: Record<string, EntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "5": "directory",
  "D": "directory",
};

/**
 * Extracts the tar stream `chunks` into `tree`.
 *
 * ```ts
 * await readTar(createReadStream("x.tar"), tree, "x.tar", "tar");
 * ```
 * @param what how the stream was stored (`gzip`, `tar`, ...), for messages
 * @throws {ArchiveError} for truncated or corrupt data, or a refused member
 */
export async function readTar(
  chunks: AsyncIterable<Uint8Array>,
  tree: Tree,
  archive: string,
  what: string,
): Promise<void> {
  const iterator = chunks[Symbol.asyncIterator]();
  const reader = new Reader(iterator, (err) => {
    throw sourceError(err, archive, what);
  });
  try {
    await readMembers(reader, tree, archive, what);
  } catch (err) {
    if (err instanceof Truncated) {
      throw new ArchiveError(archive, TRUNCATED);
    }
    throw err;
  } finally {
    await iterator.return?.();
  }
}

async function readMembers(
  reader: Reader,
  tree: Tree,
  archive: string,
  what: string,
): Promise<void> {
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  const notTar = what === "tar"
    ? "not a tar archive"
    : `no tar archive in the ${what} data`;
  let first = true;
  for (;;) {
    const at = reader.offset;
    let header: Uint8Array | null;
    try {
      header = await reader.exact(BLOCK);
    } catch (err) {
      // less than a header in all: not a tar that was cut short
      if (first && err instanceof Truncated) {
        throw new ArchiveError(archive, notTar);
      }
      throw err;
    }
    if (header === null && first) throw new ArchiveError(archive, notTar);
    if (header === null || isZeroBlock(header)) break;
    if (!isTarHeader(header)) {
      throw new ArchiveError(
        archive,
        first ? notTar : `corrupt (bad tar header at byte ${at})`,
      );
    }
    first = false;
    const flag = String.fromCharCode(header[156]);
    const size = pax.has("size")
      ? Number(pax.get("size"))
      : number(header, 124, 12);
    if (!(size >= 0)) {
      throw new ArchiveError(archive, `corrupt (bad size at byte ${at})`);
    }
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > MAX_META) {
        throw new ArchiveError(
          archive,
          `corrupt (oversized header at byte ${at})`,
        );
      }
      const data = (await reader.exact(padded)) ?? new Uint8Array(0);
      if (data.length < padded) throw new Truncated();
      const meta = data.subarray(0, size);
      // a global header ('g') sets defaults nobody relies on: skipped
      if (flag === "x") pax = paxRecords(meta);
      if (flag === "L") longName = text(meta, 0, meta.length);
      if (flag === "K") longLink = text(meta, 0, meta.length);
      continue;
    }
    let name = pax.get("path") ?? longName ?? ustarName(header);
    const linkname = pax.get("linkpath") ?? longLink ?? text(header, 157, 100);
    const seconds = pax.has("mtime")
      ? Number(pax.get("mtime"))
      : number(header, 136, 12);
    pax = new Map();
    longName = longLink = undefined;
    let type: EntryType | undefined = TYPES[flag];
    if (flag === "S" || flag === "M" || flag === "N") {
      throw new ArchiveError(
        archive,
        `has unsupported tar member type '${flag}'`,
        name,
      );
    }
    // devices, fifos and volume labels are not created, as for non-root tar
    if (flag === "3" || flag === "4" || flag === "6" || flag === "V") {
      await reader.pipe(padded);
      continue;
    }
    // POSIX: unknown types are regular files; old tars mark directories by "/"
    type ??= "file";
    if (type === "file" && name.endsWith("/")) type = "directory";
    if (type === "file" && name === "") name = ".";
    const entry: Entry = {
      name,
      type,
      mode: number(header, 100, 8) & 0o7777,
      mtime: Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined,
      linkname: type === "symlink" || type === "hardlink"
        ? linkname
        : undefined,
    };
    const body = tree.add(entry);
    await reader.pipe(size, body);
    await reader.pipe(padded - size);
    body?.end();
  }
  await reader.drain();
}

/** The name field, with the ustar prefix field when the format has one. */
function ustarName(header: Uint8Array): string {
  const name = text(header, 0, 100);
  const posix = text(header, 257, 6) === "ustar" && header[262] === 0;
  const prefix = posix ? text(header, 345, 155) : "";
  return prefix === "" ? name : `${prefix}/${name}`;
}

/** Turns a decompressor's or reader's failure into an {@link ArchiveError}. */
export function sourceError(
  err: unknown,
  archive: string,
  what: string,
): unknown {
  if (err instanceof ArchiveError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  const truncated = (err as { truncated?: unknown })?.truncated === true;
  if (truncated || code === "Z_BUF_ERROR" || /unexpected end/i.test(message)) {
    return new ArchiveError(archive, TRUNCATED);
  }
  if (typeof (err as { syscall?: unknown })?.syscall === "string") return err;
  return new ArchiveError(archive, `corrupt ${what} data (${message})`);
}
