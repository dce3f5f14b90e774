/**
 * xz decompression with xz-decompress (xz-embedded compiled to WebAssembly,
 * inlined in the package, so it works inside the compiled executable),
 * streaming. It reports xz-embedded's error codes (enum xz_ret); a file
 * that stops too early is "error code 8" (no progress possible), so the
 * input's end is watched here for a truncated file to be called so.
 */
import { closeSync, openSync, readSync } from "node:fs";
import xz from "xz-decompress";
import { ArchiveError } from "./errors.ts";
import { XzStreamEnds } from "./xz_streams.ts";

const READ = 1 << 20;

/** What xz-embedded's error codes mean for a file; 8 is handled apart. */
const DAMAGE: Record<string, string> = {
  "5": "not xz data",
  "7": "compressed data is corrupt",
};
/** Codes of valid files this decoder cannot read: another copy won't do. */
const UNSUPPORTED: Record<string, string> = {
  "2": "an xz integrity check type",
  // xz-decompress sets xz-embedded's memory limit to 64 MiB
  "4": "an xz dictionary over 64 MiB",
  "6": "an xz check type (such as SHA-256), filter or option",
};

/** Why xz data cannot be decoded; `truncated` when it ends early. */
export class XzError extends Error {
  constructor(message: string, readonly truncated = false) {
    super(message);
  }
}

/**
 * Decompresses the xz file `file`. Bytes after its last stream that start
 * no other stream are ignored, as Python's tarfile (what zc.buildout's
 * recipes unpack with) and the gzip, bzip2 and lzip decoders here ignore
 * them; xz-embedded takes only zero padding there.
 *
 * ```ts
 * for await (const chunk of unxz("x.tar.xz")) { ... }
 * ```
 * @throws {XzError} for truncated or corrupt data
 * @throws {ArchiveError} for what xz-embedded does not support
 */
export async function* unxz(file: string): AsyncGenerator<Uint8Array> {
  const fd = openSync(file, "r");
  const streams = new XzStreamEnds(fd);
  let pieces: Uint8Array[] = [];
  let ended = false;
  /** Where the piece the decoder reads starts, and where the next one does. */
  let start = 0, next = 0;
  // Nothing is read ahead (no high-water mark): the piece handed last is
  // the one being decoded when decoding fails.
  const input = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pieces.length === 0) {
        const chunk = new Uint8Array(READ);
        const n = readSync(fd, chunk, 0, READ, next);
        if (n === 0) {
          ended = true;
          controller.close();
          return;
        }
        pieces = streams.cut(chunk.subarray(0, n));
      }
      const piece = pieces.shift()!;
      start = next;
      next += piece.length;
      controller.enqueue(piece);
    },
  }, { highWaterMark: 0 });
  const decoded = new xz.XzReadableStream(input).getReader();
  let settled = false;
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await decoded.read();
      } catch (err) {
        settled = true;
        // The stream before it was handed on whole: the pieces end there.
        if (decoderFailed(err) && streams.afterLastStream(start)) return;
        throw decodeError(err, ended, file);
      }
      if (result.done) {
        settled = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!settled) await stop(decoded);
    closeSync(fd);
  }
}

/**
 * Cancels a decoding its reader gave up (a tar member in error). Once the
 * decoder has ended its stream it has freed its context, and cancelling
 * frees it again, throwing a TypeError ("this.exports is null") that would
 * replace the reader's error: that is ignored.
 */
async function stop(
  decoded: ReadableStreamDefaultReader<Uint8Array>,
): Promise<void> {
  try {
    await decoded.cancel();
  } catch {
    // freed already
  }
}

/** True for xz-decompress's own failures, not the file's (a read error). */
function decoderFailed(err: unknown): boolean {
  return err instanceof Error && /error code \d+$/.test(err.message);
}

/** What a failure of xz-decompress means for `file`. */
function decodeError(err: unknown, ended: boolean, file: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  const code = /error code (\d+)$/.exec(message)?.[1] ?? "";
  if (code === "8" && ended) {
    return new XzError("unexpected end of data", true);
  }
  if (UNSUPPORTED[code]) {
    return new ArchiveError(
      file,
      `uses ${UNSUPPORTED[code]}, which is not supported`,
    );
  }
  return new XzError(DAMAGE[code] ?? message);
}
