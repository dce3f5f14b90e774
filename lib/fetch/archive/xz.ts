/**
 * xz decompression with xz-decompress (xz-embedded compiled to WebAssembly,
 * inlined in the package, so it works inside the compiled executable),
 * streaming. It reports xz-embedded's error codes (enum xz_ret); a file
 * that stops too early is "error code 8" (no progress possible), so the
 * input's end is watched here for a truncated file to be called so.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import xz from "xz-decompress";
import { ArchiveError } from "./errors.ts";

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
 * Decompresses the xz file `file`.
 *
 * ```ts
 * for await (const chunk of unxz("x.tar.xz")) { ... }
 * ```
 * @throws {XzError} for truncated or corrupt data
 * @throws {ArchiveError} for what xz-embedded does not support
 */
export async function* unxz(file: string): AsyncGenerator<Uint8Array> {
  const reader = (Readable.toWeb(
    createReadStream(file, { highWaterMark: 1 << 20 }),
  ) as ReadableStream<Uint8Array>).getReader();
  let ended = false;
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        controller.close();
      } else {
        controller.enqueue(value);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const decoded = new xz.XzReadableStream(input).getReader();
  let settled = false;
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await decoded.read();
      } catch (err) {
        settled = true;
        throw decodeError(err, ended, file);
      }
      if (result.done) {
        settled = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!settled) await stop(decoded, reader);
  }
}

/**
 * Cancels a decoding its reader gave up (a tar member in error). Once the
 * decoder has ended its stream it has freed its context, and cancelling
 * frees it again, throwing a TypeError ("this.exports is null") that would
 * replace the reader's error: that is ignored, and the file is closed here.
 */
async function stop(
  decoded: ReadableStreamDefaultReader<Uint8Array>,
  file: ReadableStreamDefaultReader<Uint8Array>,
): Promise<void> {
  try {
    await decoded.cancel();
  } catch {
    // freed already
  }
  try {
    await file.cancel();
  } catch {
    // closed already
  }
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
