/**
 * Reads a tar stream (ustar, GNU and pax, as GNU tar, bsdtar and Python's
 * tarfile write them, sparse files included) and hands each member to a
 * {@link MemberSink}, streaming file contents without holding more than a
 * chunk of the archive. The parser is pushed chunks and works synchronously, so a tar
 * held in memory is read without a single await.
 */
import { ArchiveError, DamagedArchive } from "./errors.ts";
import { isTarHeader } from "./detect.ts";
import { parseSparseMap, SparseBody, type SparseMap } from "./sparse.ts";
import type { Entry, EntryType, FileBody, MemberSink } from "./tree.ts";

const BLOCK = 512;
/** The largest pax or GNU long-name record accepted. */
const MAX_META = 1 << 20;
const decoder = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");
const TRUNCATED = "truncated (unexpected end of data)";
const SPARSE_MAP = "GNU.sparse.map";
/** Sparse map entries in an old GNU header, and in each extension block. */
const GNU_RUNS = 4, EXTENSION_RUNS = 21;
/**
 * The largest sparse file made, 4 PiB less a byte: the most a file's
 * length can be in the runtimes' file calls (Bun's), which throw past it.
 * Only the map says how large the file is, so a hostile or damaged one may
 * say anything.
 */
const MAX_SPARSE_SIZE = 2 ** 52 - 1;
/**
 * How much is read past the end-of-archive block: enough for any padding,
 * so that a compressed stream's own check (the gzip CRC) still runs; no
 * more, as tar reads no more: what follows may decompress for minutes.
 */
const PAST_END = 16 << 20;

/**
 * UTF-8, or Latin-1 (Windows-1252, as the label means in WHATWG) for bytes
 * that are not UTF-8, names older tools wrote in the local encoding: every
 * byte keeps a character of its own, so distinct names stay distinct.
 */
function decode(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

function text(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return decode(bytes.subarray(start, end));
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

/**
 * The `key=value` records of a pax extended header. The repeated records
 * of GNU sparse format 0.0 (`GNU.sparse.offset`, `GNU.sparse.numbytes`)
 * are joined into one `GNU.sparse.map`, as format 0.1 writes it.
 */
function paxRecords(bytes: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < bytes.length) {
    let space = at;
    while (space < bytes.length && bytes[space] !== 0x20) space++;
    const length = parseInt(decode(bytes.subarray(at, space)), 10);
    if (!(length > 0) || at + length > bytes.length) break;
    const record = decode(bytes.subarray(space + 1, at + length - 1));
    const eq = record.indexOf("=");
    const key = record.slice(0, Math.max(eq, 0)), value = record.slice(eq + 1);
    if (key === "GNU.sparse.offset" || key === "GNU.sparse.numbytes") {
      const map = records.get(SPARSE_MAP);
      records.set(SPARSE_MAP, map === undefined ? value : `${map},${value}`);
    } else if (key !== "") records.set(key, value);
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
  tree: MemberSink,
  archive: string,
  what: string,
): Promise<void> {
  const parser = new TarParser(tree, archive, what);
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      let result: IteratorResult<Uint8Array>;
      try {
        result = await iterator.next();
      } catch (err) {
        throw sourceError(err, archive, what);
      }
      if (result.done) break;
      parser.push(result.value);
      if (parser.pastEnd > PAST_END) break;
    }
    parser.end();
  } finally {
    await iterator.return?.();
  }
}

/**
 * Extracts the tar held in `bytes` into `tree`, synchronously.
 *
 * ```ts
 * readTarBytes(gunzipSync(readFileSync("x.tgz")), tree, "x.tgz", "gzip");
 * ```
 * @param what how the tar was stored (`gzip`, `tar`, ...), for messages
 * @throws {ArchiveError} for truncated or corrupt data, or a refused member
 */
export function readTarBytes(
  bytes: Uint8Array,
  tree: MemberSink,
  archive: string,
  what: string,
): void {
  const parser = new TarParser(tree, archive, what);
  parser.push(bytes);
  parser.end();
}

/** What the parser waits for. */
type State =
  /** A header block. */
  | { kind: "header" }
  /** A pax or GNU long-name record of `size` bytes, `padded` in all. */
  | { kind: "meta"; flag: string; size: number; padded: number }
  /** `left` bytes of content for `body`, then `pad` bytes of padding. */
  | { kind: "body"; body?: FileBody; left: number; pad: number }
  /** An old GNU sparse member's extension block, adding runs to `map`. */
  | {
    kind: "sparse";
    map: SparseMap;
    body?: FileBody;
    left: number;
    pad: number;
  }
  /** Past the end-of-archive block: the rest is dropped. */
  | { kind: "done" };

/** Parses a tar stream pushed to it in chunks of any size. */
class TarParser {
  private state: State = { kind: "header" };
  /** Bytes of a header or a meta record split between chunks. */
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  /** Bytes consumed so far: the offset of the next byte, for messages. */
  private offset = 0;
  private first = true;
  /** Bytes pushed past the end-of-archive block. */
  pastEnd = 0;
  private longName?: string;
  private longLink?: string;
  private pax = new Map<string, string>();
  private readonly notTar: string;

  constructor(
    private readonly tree: MemberSink,
    private readonly archive: string,
    what: string,
  ) {
    this.notTar = what === "tar"
      ? "not a tar archive"
      : `no tar archive in the ${what} data`;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      const state = this.state;
      if (state.kind === "done") {
        this.pastEnd += chunk.length - at;
        return;
      }
      if (state.kind === "body") {
        const take = Math.min(state.left + state.pad, chunk.length - at);
        const content = Math.min(take, state.left);
        if (content > 0) state.body?.write(chunk.subarray(at, at + content));
        state.left -= content;
        state.pad -= take - content;
        at += take;
        this.offset += take;
        if (state.left === 0 && state.pad === 0) {
          this.state = { kind: "header" };
          state.body?.end();
        }
        continue;
      }
      const need = state.kind === "meta" ? state.padded : BLOCK;
      const whole = this.gather(chunk, at, need);
      at += whole.taken;
      if (whole.bytes === undefined) continue;
      if (state.kind === "header") this.header(whole.bytes);
      else if (state.kind === "meta") this.meta(state, whole.bytes);
      else this.extension(state, whole.bytes);
    }
  }

  /** The stream ended. */
  end(): void {
    const state = this.state;
    if (state.kind === "done") return;
    if (state.kind === "header" && this.pendingLength === 0) {
      if (this.first) throw new DamagedArchive(this.archive, this.notTar);
      return;
    }
    // less than a header in all: not a tar that was cut short
    if (state.kind === "header" && this.first) {
      throw new DamagedArchive(this.archive, this.notTar);
    }
    throw new DamagedArchive(this.archive, TRUNCATED);
  }

  /**
   * `need` bytes starting at `chunk[at]`, joined with what earlier chunks
   * left pending, once there are enough; how many bytes of `chunk` it took.
   */
  private gather(
    chunk: Uint8Array,
    at: number,
    need: number,
  ): { bytes?: Uint8Array; taken: number } {
    if (this.pendingLength === 0 && chunk.length - at >= need) {
      this.offset += need;
      return { bytes: chunk.subarray(at, at + need), taken: need };
    }
    const take = Math.min(need - this.pendingLength, chunk.length - at);
    // copied: the caller may reuse the chunk's memory
    this.pending.push(chunk.slice(at, at + take));
    this.pendingLength += take;
    this.offset += take;
    if (this.pendingLength < need) return { taken: take };
    const bytes = new Uint8Array(need);
    let filled = 0;
    for (const part of this.pending) {
      bytes.set(part, filled);
      filled += part.length;
    }
    this.pending = [];
    this.pendingLength = 0;
    return { bytes, taken: take };
  }

  private header(header: Uint8Array): void {
    const at = this.offset - BLOCK;
    if (isZeroBlock(header)) {
      this.state = { kind: "done" };
      return;
    }
    if (!isTarHeader(header)) {
      throw new DamagedArchive(
        this.archive,
        this.first ? this.notTar : `corrupt (bad tar header at byte ${at})`,
      );
    }
    this.first = false;
    const { archive, pax } = this;
    const flag = String.fromCharCode(header[156]);
    const size = pax.has("size")
      ? Number(pax.get("size"))
      : number(header, 124, 12);
    if (!(size >= 0)) {
      throw new DamagedArchive(archive, `corrupt (bad size at byte ${at})`);
    }
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > MAX_META) {
        throw new DamagedArchive(
          archive,
          `corrupt (oversized header at byte ${at})`,
        );
      }
      if (padded === 0) this.meta({ flag, size }, new Uint8Array(0));
      else this.state = { kind: "meta", flag, size, padded };
      return;
    }
    let name = pax.get("GNU.sparse.name") ?? pax.get("path") ??
      this.longName ?? ustarName(header);
    const linkname = pax.get("linkpath") ?? this.longLink ??
      text(header, 157, 100);
    const mtime = new Date(
      1000 *
        (pax.has("mtime") ? Number(pax.get("mtime")) : number(header, 136, 12)),
    );
    this.pax = new Map();
    this.longName = this.longLink = undefined;
    let type: EntryType | undefined = TYPES[flag];
    if (flag === "M" || flag === "N") {
      throw new ArchiveError(
        archive,
        `has unsupported tar member type '${flag}'`,
        name,
      );
    }
    // devices, fifos and volume labels are not created, as for non-root tar
    if (flag === "3" || flag === "4" || flag === "6" || flag === "V") {
      this.content(undefined, 0, padded);
      return;
    }
    // POSIX: unknown types are regular files; old tars mark directories by "/"
    type ??= "file";
    if (type === "file" && name.endsWith("/")) type = "directory";
    if (type === "file" && name === "") name = ".";
    const entry: Entry = {
      name,
      type,
      mode: number(header, 100, 8) & 0o7777,
      // pax and base-256 times may be more than a Date holds: none is kept
      mtime: Number.isNaN(mtime.getTime()) ? undefined : mtime,
      linkname: type === "symlink" || type === "hardlink"
        ? linkname
        : undefined,
    };
    const sparse = type === "file"
      ? this.sparse(flag, header, pax, name)
      : undefined;
    const body = this.tree.add(entry);
    if (sparse === undefined) {
      this.content(body, size, padded - size);
      return;
    }
    const corrupt = () =>
      new DamagedArchive(
        archive,
        "is corrupt (its sparse map does not match its data)",
        name,
      );
    const placed = body &&
      new SparseBody(body, sparse.map, sparse.size, corrupt);
    if (sparse.extended) {
      this.state = {
        kind: "sparse",
        map: sparse.map!,
        body: placed,
        left: size,
        pad: padded - size,
      };
    } else this.content(placed, size, padded - size);
  }

  /**
   * A sparse member's map (undefined when it leads the data), the size of
   * the file, and whether extension blocks add to the map; undefined for
   * a member that is not sparse.
   *
   * @throws {ArchiveError} for a malformed map, an unknown format or a
   *   file past 4 PiB
   */
  private sparse(
    flag: string,
    header: Uint8Array,
    pax: Map<string, string>,
    name: string,
  ): { map?: SparseMap; size: number; extended: boolean } | undefined {
    const bad = (what: string) =>
      new DamagedArchive(this.archive, `is corrupt (${what})`, name);
    let found: { map?: SparseMap; size: number; extended: boolean };
    if (flag === "S") {
      const map = gnuRuns(header, 386, GNU_RUNS, []);
      if (map === undefined) throw bad("bad sparse map");
      found = {
        map,
        size: number(header, 483, 12),
        extended: header[482] !== 0,
      };
    } else if (pax.has(SPARSE_MAP)) {
      const map = parseSparseMap(pax.get(SPARSE_MAP)!);
      if (map === undefined) throw bad("bad sparse map");
      found = {
        map,
        size: Number(pax.get("GNU.sparse.size")),
        extended: false,
      };
    } else if (pax.has("GNU.sparse.major")) {
      const version = `${pax.get("GNU.sparse.major")}.${
        pax.get("GNU.sparse.minor")
      }`;
      if (version !== "1.0") {
        throw new ArchiveError(
          this.archive,
          `is a sparse file of an unsupported format (${version})`,
          name,
        );
      }
      found = { size: Number(pax.get("GNU.sparse.realsize")), extended: false };
    } else return undefined;
    if (!(found.size >= 0)) throw bad("bad sparse file size");
    if (found.size > MAX_SPARSE_SIZE) {
      throw new ArchiveError(
        this.archive,
        `is a sparse file too large to make (${found.size} bytes, 4 PiB or more)`,
        name,
      );
    }
    return found;
  }

  /** An old GNU sparse member's extension block. */
  private extension(
    state: Extract<State, { kind: "sparse" }>,
    block: Uint8Array,
  ): void {
    if (gnuRuns(block, 0, EXTENSION_RUNS, state.map) === undefined) {
      throw new DamagedArchive(
        this.archive,
        `corrupt (bad sparse map at byte ${this.offset - BLOCK})`,
      );
    }
    if (block[EXTENSION_RUNS * 24] === 0) {
      this.content(state.body, state.left, state.pad);
    }
  }

  /** Sets up a member's content; one without any ends at once. */
  private content(body: FileBody | undefined, left: number, pad: number) {
    if (left === 0 && pad === 0) {
      this.state = { kind: "header" };
      body?.end();
      return;
    }
    this.state = { kind: "body", body, left, pad };
  }

  private meta(record: { flag: string; size: number }, data: Uint8Array) {
    const meta = data.subarray(0, record.size);
    // a global header ('g') sets defaults nobody relies on: skipped
    if (record.flag === "x") this.pax = paxRecords(meta);
    if (record.flag === "L") this.longName = text(meta, 0, meta.length);
    if (record.flag === "K") this.longLink = text(meta, 0, meta.length);
    this.state = { kind: "header" };
  }
}

/**
 * Adds to `map` the runs of an old GNU sparse header or extension block:
 * up to `count` entries from `start`, ending at the first empty one, as GNU
 * tar reads them; undefined when a number is malformed.
 */
function gnuRuns(
  block: Uint8Array,
  start: number,
  count: number,
  map: SparseMap,
): SparseMap | undefined {
  for (let i = 0; i < count; i++) {
    const at = start + 24 * i;
    if (block[at + 12] === 0) break;
    const offset = number(block, at, 12), length = number(block, at + 12, 12);
    if (!(offset >= 0 && length >= 0)) return undefined;
    map.push({ offset, length });
  }
  return map;
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
    return new DamagedArchive(archive, TRUNCATED);
  }
  if (typeof (err as { syscall?: unknown })?.syscall === "string") return err;
  return new DamagedArchive(archive, `corrupt ${what} data (${message})`);
}
