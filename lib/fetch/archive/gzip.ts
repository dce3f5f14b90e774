/**
 * gzip decoding of an archive whose members may be followed by bytes that
 * start no other member (padding, a signature, junk a server appended):
 * those are ignored, as Python's tarfile (what zc.buildout's recipes
 * unpack with), gzip ("trailing garbage ignored") and the bzip2, lzip and
 * xz decoders here ignore them. node:zlib reads them as a member whose header
 * is wrong, and loses the output it had not yet handed on.
 */
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { pipeline } from "node:stream";
import { createGunzip, createInflateRaw } from "node:zlib";

const CHUNK = 1 << 18;
const READ = 1 << 20;
const TRAILER = 8;
/** The header flags naming optional fields (RFC 1952, 2.3.1). */
const FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;

/**
 * True when node:zlib failed on what follows a complete member: a member
 * header without gzip's magic. A first member has it (the format was
 * recognised by it), so only bytes after a checked member fail so.
 */
export function trailingBytes(err: unknown): boolean {
  return (err as { code?: unknown })?.code === "Z_DATA_ERROR" &&
    /incorrect header check/.test((err as Error).message);
}

/**
 * The uncompressed data of the gzip file `archive`; bytes after its last
 * member that start no other member are ignored.
 *
 * @throws the node:zlib error for corrupt or truncated data.
 */
export async function* gunzip(archive: string): AsyncGenerator<Uint8Array> {
  let handed = 0;
  try {
    for await (const chunk of decoded(archive)) {
      handed += chunk.length;
      yield chunk;
    }
    return;
  } catch (err) {
    if (!trailingBytes(err)) throw err;
  }
  // Decoded again up to the members' end, for what the first pass lost.
  let skip = handed;
  for await (const chunk of decoded(archive, await membersEnd(archive))) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}

/** `archive`'s first `end` bytes (all by default), gunzipped. */
function decoded(archive: string, end?: number): AsyncIterable<Uint8Array> {
  const input = createReadStream(archive, {
    highWaterMark: READ,
    ...end !== undefined && { end: end - 1 },
  });
  // errors reach the reader through the last stream
  return pipeline(input, createGunzip({ chunkSize: CHUNK }), () => {});
}

/** The offset in `archive` where its gzip members end. */
async function membersEnd(archive: string): Promise<number> {
  let offset = 0;
  for (;;) {
    const header = headerLength(archive, offset);
    if (header === 0) return offset;
    offset += header + await deflateLength(archive, offset + header) +
      TRAILER;
  }
}

/**
 * The length of the gzip member header at `offset` in `archive`; 0 when
 * none starts there.
 */
function headerLength(archive: string, offset: number): number {
  const fd = openSync(archive, "r");
  try {
    const one = new Uint8Array(1);
    // Byte by byte: names are short, and this runs once per member.
    const byte = (at: number) =>
      readSync(fd, one, 0, 1, offset + at) === 1 ? one[0] : -1;
    if (byte(0) !== 0x1f || byte(1) !== 0x8b) return 0;
    const flags = byte(3);
    let length = 10;
    if (flags & FEXTRA) length += 2 + (byte(length) | byte(length + 1) << 8);
    for (const field of [FNAME, FCOMMENT]) {
      if (!(flags & field)) continue;
      while (byte(length++) > 0);
    }
    if (flags & FHCRC) length += 2;
    return length;
  } finally {
    closeSync(fd);
  }
}

/** How many bytes the DEFLATE data at `offset` in `archive` takes. */
function deflateLength(archive: string, offset: number): Promise<number> {
  const inflate = createInflateRaw({ chunkSize: CHUNK });
  return new Promise((done, fail) => {
    const input = createReadStream(archive, {
      start: offset,
      highWaterMark: READ,
    });
    pipeline(input, inflate, (err) => {
      // The input is cut short once the data ended: not a failure.
      if (err && err.code !== "ERR_STREAM_PREMATURE_CLOSE") fail(err);
    });
    inflate.on("data", () => {});
    inflate.on("end", () => {
      input.destroy();
      done(inflate.bytesWritten);
    });
  });
}
