/**
 * xz decompression with xz-decompress (xz-embedded compiled to WebAssembly,
 * inlined in the package, so it works inside the compiled executable),
 * streaming. It reports a file that stops too early as "error code 8" (no
 * progress possible): the input's end is watched here so that a truncated
 * file is called so.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import xz from "xz-decompress";

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
  try {
    for await (const chunk of new xz.XzReadableStream(input)) {
      yield chunk;
    }
  } catch (err) {
    if (ended) throw new XzError("unexpected end of data", true);
    throw new XzError(err instanceof Error ? err.message : String(err));
  }
}
