/**
 * Reads a zip file (zip64, data descriptors, a prefix such as a
 * self-extractor's, Unix modes and symlinks in the external attributes,
 * UTF-8 or CP437 names) through its central directory and hands each
 * member to a {@link MemberSink}. The central directory is read in windows
 * and member data through a read-ahead window or, for large members, as a
 * stream, so memory grows with the archive only by a number per member
 * (where its data must end). CRC-32 and sizes are checked, and members
 * sharing data (a zip bomb) are refused, as `unzip` does.
 */
import * as fs from "node:fs";
import { pipeline, Readable } from "node:stream";
import { crc32, createInflateRaw } from "node:zlib";
import { isSystemError } from "../../errors.ts";
import { ArchiveError, DamagedArchive } from "./errors.ts";
import { inflate, InflateError } from "./inflate.ts";
import type { EntryType, MemberSink } from "./tree.ts";

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const WINDOW = 1 << 20;
/** Members at most this large are read and inflated whole. */
const WHOLE = 1 << 20;
const S_IFMT = 0o170000, S_IFLNK = 0o120000, S_IFDIR = 0o040000;
/** "Made by" hosts whose external attributes hold a Unix mode. */
const UNIX_HOSTS = new Set([3, 19]);
const utf8 = new TextDecoder("utf-8", { fatal: true });
const CP437 = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»" +
  "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀" +
  "αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

/** Reads byte ranges of a file through a window. */
class Window {
  /** The window; {@link at} gives offsets into it. */
  buf = new Uint8Array(0);
  private start = 0;

  constructor(private readonly fd: number, private readonly size: number) {}

  /**
   * Makes `length` bytes at `position` available in {@link buf} and
   * returns their offset there; fewer are available only at the end of the
   * file (check against {@link end}).
   */
  at(position: number, length: number): number {
    if (
      position < this.start || position + length > this.start + this.buf.length
    ) {
      const want = Math.min(Math.max(length, WINDOW), this.size - position);
      const buf = new Uint8Array(Math.max(want, 0));
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(
          this.fd,
          buf,
          got,
          buf.length - got,
          position + got,
        );
        if (n === 0) break;
        got += n;
      }
      this.buf = buf.subarray(0, got);
      this.start = position;
    }
    return position - this.start;
  }

  /** True when `length` bytes from offset `offset` are in {@link buf}. */
  has(offset: number, length: number): boolean {
    return offset + length <= this.buf.length;
  }

  /** `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Uint8Array {
    const offset = this.at(position, length);
    return this.buf.subarray(offset, offset + length);
  }
}

/** `length` bytes of `fd` from `start`, in chunks, read asynchronously. */
async function* range(
  fd: number,
  start: number,
  length: number,
): AsyncGenerator<Uint8Array> {
  let position = start;
  const end = start + length;
  while (position < end) {
    const buf = new Uint8Array(Math.min(WINDOW, end - position));
    const n = await new Promise<number>((ok, fail) =>
      fs.read(
        fd,
        buf,
        0,
        buf.length,
        position,
        (err, read) => err ? fail(err) : ok(read),
      )
    );
    if (n === 0) return;
    position += n;
    yield n === buf.length ? buf : buf.subarray(0, n);
  }
}

/** One central directory record, as far as extraction needs it. */
interface Member {
  name: string;
  type: EntryType;
  mode?: number;
  mtime: Date;
  method: number;
  flags: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>>
    0;
}

function u64(b: Uint8Array, at: number): number {
  return u32(b, at) + u32(b, at + 4) * 2 ** 32;
}

function cp437(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    out += b < 128 ? String.fromCharCode(b) : CP437[b - 128];
  }
  return out;
}

/** DOS date and time (local time, two-second resolution). */
function dosTime(date: number, time: number): Date {
  return new Date(
    1980 + (date >>> 9),
    ((date >>> 5) & 15) - 1,
    date & 31,
    time >>> 11,
    (time >>> 5) & 63,
    (time & 31) * 2,
  );
}

/**
 * Extracts the zip file `archive` into `tree`.
 *
 * ```ts
 * await readZip("/tmp/pkg.zip", tree);
 * ```
 * @throws {ArchiveError} for a corrupt or truncated zip, an unsupported
 *   feature (encryption, a compression method other than deflate), or a
 *   refused member
 */
export async function readZip(
  archive: string,
  tree: MemberSink,
): Promise<void> {
  const fd = fs.openSync(archive, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const file = new Window(fd, size);
    const corrupt = (what: string, member?: string) =>
      new DamagedArchive(
        archive,
        member === undefined ? `corrupt zip (${what})` : `is corrupt (${what})`,
        member,
      );
    const directory = centralDirectory(file, size, corrupt);
    // the directory is read through its own window: member data comes
    // from elsewhere in the file
    const records = new Window(fd, size);
    const ends = dataEnds(members(records, directory, corrupt), directory);
    const scratch = new Uint8Array(WHOLE);
    let i = 0;
    for (const member of members(records, directory, corrupt)) {
      const limit = ends[i++];
      await extractMember(
        { file, fd, tree, archive, limit, scratch, corrupt },
        member,
      );
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The central directory's place, and how far a prefix shifted the zip. */
interface Directory {
  start: number;
  size: number;
  entries: number;
  /** True when the count is from a zip64 record, not a 16-bit field. */
  zip64: boolean;
  shift: number;
}

/**
 * The members the central directory lists, in its order. Records are read
 * to the directory's end, as zipfile and unzip read them: tools without
 * zip64 state the count of more than 65,535 members modulo 65,536.
 */
function* members(
  records: Window,
  directory: Directory,
  corrupt: (what: string) => ArchiveError,
): Generator<Member> {
  let at = directory.start;
  const end = directory.start + directory.size;
  let count = 0;
  while (at < end) {
    const o = records.at(at, 46);
    const b = records.buf;
    if (!records.has(o, 46) || u32(b, o) !== CENTRAL) {
      throw corrupt("bad central directory");
    }
    const length = 46 + u16(b, o + 28) + u16(b, o + 30) + u16(b, o + 32);
    if (at + length > end) throw corrupt("bad central directory");
    yield parseMember(records.read(at, length), directory.shift);
    at += length;
    count++;
  }
  const stated = directory.zip64 ? count : count % 0x10000;
  if (stated !== directory.entries) throw corrupt("bad central directory");
}

/**
 * Where the data of each member (in central directory order) must end: at
 * the next local header in the file, or the central directory. Members
 * sharing data, each inflated again, are how zip bombs multiply their
 * output; as with unzip and Python's zipfile, they are refused.
 */
function dataEnds(list: Iterable<Member>, directory: Directory): number[] {
  const offsets = Array.from(list, (member) => member.offset);
  const order = offsets.map((_, i) => i)
    .sort((a, b) => offsets[a] - offsets[b]);
  const ends: number[] = new Array(offsets.length);
  let next = directory.start;
  for (let k = order.length - 1; k >= 0; k--) {
    ends[order[k]] = next;
    next = offsets[order[k]];
  }
  return ends;
}

/** Where the central directory is, and how far the zip is shifted. */
function centralDirectory(
  file: Window,
  size: number,
  corrupt: (what: string) => ArchiveError,
): Directory {
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = file.read(size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === EOCD && i + 22 + u16(tail, i + 20) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt("no end of central directory record");
  const eocdAt = size - tailLength + eocd;
  let entries = u16(tail, eocd + 10);
  let cdSize = u32(tail, eocd + 12);
  let cdOffset = u32(tail, eocd + 16);
  let recordAt = eocdAt;
  let zip64 = false;
  if (u16(tail, eocd + 4) !== 0 || u16(tail, eocd + 6) !== 0) {
    throw corrupt("spans several disks");
  }
  const locator = eocdAt >= 20 ? file.read(eocdAt - 20, 20) : new Uint8Array(0);
  const located = locator.length === 20 && u32(locator, 0) === ZIP64_LOCATOR;
  // A count of 65,535 without a locator is that count, or one modulo
  // 65,536 (members reads them all); saturated sizes need the record.
  const saturated = cdSize === 0xffffffff || cdOffset === 0xffffffff;
  if (saturated || (entries === 0xffff && located)) {
    if (!located) {
      throw corrupt("no zip64 end of central directory locator");
    }
    // the locator's offset is wrong if a prefix shifted the zip: then the
    // record is looked for right before the locator
    let at = u64(locator, 8);
    let record = file.read(at, 56);
    if (record.length < 56 || u32(record, 0) !== ZIP64_EOCD) {
      at = eocdAt - 20 - 56;
      record = at >= 0 ? file.read(at, 56) : new Uint8Array(0);
      if (record.length < 56 || u32(record, 0) !== ZIP64_EOCD) {
        throw corrupt("no zip64 end of central directory record");
      }
    }
    entries = u64(record, 32);
    cdSize = u64(record, 40);
    cdOffset = u64(record, 48);
    recordAt = at;
    zip64 = true;
  }
  const start = recordAt - cdSize;
  const shift = start - cdOffset;
  if (start < 0 || shift < 0) throw corrupt("bad central directory offset");
  return { start, size: cdSize, entries, zip64, shift };
}

function parseMember(record: Uint8Array, shift: number): Member {
  const madeBy = record[5];
  const flags = u16(record, 8);
  const method = u16(record, 10);
  const time = u16(record, 12), date = u16(record, 14);
  const crc = u32(record, 16);
  let compressed = u32(record, 20);
  let size = u32(record, 24);
  const nameLength = u16(record, 28);
  const extraLength = u16(record, 30);
  const attributes = u32(record, 38);
  let offset = u32(record, 42);
  const rawName = record.subarray(46, 46 + nameLength);
  const extra = record.subarray(46 + nameLength, 46 + nameLength + extraLength);
  let name: string;
  try {
    name = flags & 0x800 ? utf8.decode(rawName) : cp437(rawName);
  } catch {
    name = cp437(rawName);
  }
  let mtime = dosTime(date, time);
  for (let at = 0; at + 4 <= extra.length;) {
    const id = u16(extra, at), length = u16(extra, at + 2);
    const data = extra.subarray(at + 4, at + 4 + length);
    if (id === 0x0001) {
      let field = 0;
      if (size === 0xffffffff && field + 8 <= data.length) {
        size = u64(data, field);
        field += 8;
      }
      if (compressed === 0xffffffff && field + 8 <= data.length) {
        compressed = u64(data, field);
        field += 8;
      }
      if (offset === 0xffffffff && field + 8 <= data.length) {
        offset = u64(data, field);
      }
    } else if (id === 0x5455 && data.length >= 5 && data[0] & 1) {
      mtime = new Date(u32(data, 1) * 1000);
    } else if (id === 0x7075 && data.length >= 5 && data[0] === 1) {
      // Info-ZIP Unicode path: valid while it matches the name it replaces
      if (u32(data, 1) === crc32(rawName)) {
        try {
          name = utf8.decode(data.subarray(5));
        } catch { /* keep the header's name */ }
      }
    }
    at += 4 + length;
  }
  // as setuptools does: any mode in the high half counts, whatever the host
  const unixMode = attributes >>> 16;
  // unzip reads backslashes from DOS and Windows tools as separators
  if (!UNIX_HOSTS.has(madeBy)) name = name.replaceAll("\\", "/");
  let type: EntryType = "file";
  if ((unixMode & S_IFMT) === S_IFLNK) type = "symlink";
  else if ((unixMode & S_IFMT) === S_IFDIR || name.endsWith("/")) {
    type = "directory";
  }
  return {
    name,
    type,
    mode: unixMode === 0 ? undefined : unixMode & 0o7777,
    mtime,
    method,
    flags,
    crc,
    compressed,
    size,
    offset: offset + shift,
  };
}

/** What extracting one member needs. */
interface Context {
  file: Window;
  fd: number;
  tree: MemberSink;
  archive: string;
  /** Where the member's data must end: the next local header. */
  limit: number;
  /** Reused output buffer for members inflated whole. */
  scratch: Uint8Array;
  corrupt: (what: string, member?: string) => ArchiveError;
}

async function extractMember(context: Context, member: Member): Promise<void> {
  const { file, tree, archive, corrupt } = context;
  if (member.type === "directory") {
    tree.add({
      name: member.name,
      type: "directory",
      mode: member.mode,
      mtime: member.mtime,
    });
    return;
  }
  if (member.flags & 1) {
    throw new ArchiveError(
      archive,
      "is encrypted, which is not supported",
      member.name,
    );
  }
  if (member.method !== 0 && member.method !== 8) {
    throw new ArchiveError(
      archive,
      `uses compression method ${member.method}; only stored and deflated members are supported`,
      member.name,
    );
  }
  const o = file.at(member.offset, 30);
  const b = file.buf;
  if (!file.has(o, 30) || u32(b, o) !== LOCAL) {
    throw corrupt("bad local header", member.name);
  }
  const dataAt = member.offset + 30 + u16(b, o + 26) + u16(b, o + 28);
  if (dataAt + member.compressed > context.limit) {
    throw corrupt(
      "its data overlaps another member or the central directory",
      member.name,
    );
  }
  if (member.type === "symlink") {
    if (member.size > WHOLE) throw corrupt("oversized symlink", member.name);
    const target = whole(context, member, dataAt);
    tree.add({
      name: member.name,
      type: "symlink",
      mtime: member.mtime,
      linkname: new TextDecoder().decode(target),
    });
    return;
  }
  const body = tree.add({
    name: member.name,
    type: "file",
    mode: member.mode,
    mtime: member.mtime,
  });
  if (!body) return;
  if (member.size <= WHOLE && member.compressed <= WHOLE) {
    body.write(whole(context, member, dataAt));
    body.end();
    return;
  }
  const raw = Readable.from(range(context.fd, dataAt, member.compressed));
  const source = member.method === 8
    ? pipeline(raw, createInflateRaw({ chunkSize: 1 << 18 }), () => {})
    : raw;
  let crc = 0, size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      if (size > member.size) break;
      body.write(chunk);
    }
  } catch (err) {
    // A file system error (a full disk) is no fault of the archive, which
    // is removed from the download cache when found corrupt.
    if (isSystemError(err)) throw err;
    throw corrupt((err as Error).message, member.name);
  } finally {
    source.destroy();
  }
  check(crc, size, member, corrupt);
  body.end();
}

/** A member's data, decompressed into the scratch buffer and checked. */
function whole(context: Context, member: Member, dataAt: number): Uint8Array {
  const { corrupt } = context;
  const data = context.file.read(dataAt, member.compressed);
  if (data.length < member.compressed) {
    throw corrupt("truncated member data", member.name);
  }
  let out = data;
  if (member.method === 8) {
    try {
      out = inflate(data, member.size, context.scratch);
    } catch (err) {
      if (!(err instanceof InflateError)) throw err;
      throw corrupt(err.message, member.name);
    }
  }
  check(crc32(out), out.length, member, corrupt);
  return out;
}

function check(
  crc: number,
  size: number,
  member: Member,
  corrupt: (what: string, member?: string) => ArchiveError,
): void {
  if (size !== member.size) throw corrupt("wrong size", member.name);
  if (crc !== member.crc) throw corrupt("CRC-32 mismatch", member.name);
}
