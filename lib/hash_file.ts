/**
 * Hashing a file's bytes in chunks: a file of any size (a database or a
 * disk image in a develop package, a large download) is hashed in the
 * memory of one chunk, not of the whole file.
 */
import type { Hash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 1 << 20;

/** One chunk buffer for every call: calls never overlap (all are sync). */
let buffer: Uint8Array | undefined;

/**
 * Feeds the bytes of the file at `path` to each of `hashes`, in order.
 *
 * @example updateFromFile("package.json", [createHash("md5")])
 * @throws file-system errors (`ENOENT`, `EISDIR`) as they are.
 */
export function updateFromFile(path: string, hashes: readonly Hash[]): void {
  buffer ??= new Uint8Array(CHUNK);
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      for (const hash of hashes) hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}
