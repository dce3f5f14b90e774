/**
 * A file's bytes, read whole up to a bound: text the program holds in
 * memory (configuration files, templates), where a huge file or a device
 * such as `/dev/zero` would otherwise take all the memory there is.
 */
import { Buffer } from "node:buffer";
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
} from "node:fs";
import { withDefaultSignals } from "./interrupt.ts";

/**
 * The bytes of the file at `path`; undefined when there are more than
 * `max`. A regular file is measured before it is read; a device or a pipe,
 * whose size says nothing, is read in chunks up to the bound.
 *
 * @example readBounded("/dev/zero", 2 ** 20) // undefined
 * @throws file-system errors (`ENOENT`, `EISDIR`) as they are.
 */
export function readBounded(
  path: string,
  max: number,
): Buffer | undefined {
  // Opened without blocking: a FIFO without a writer would block the open.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let stat;
  try {
    stat = fstatSync(fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (stat.isFile()) return readOpened(fd, stat.size, max);
  closeSync(fd);
  // A FIFO or a device may block in open or read until a signal.
  return withDefaultSignals(() =>
    readOpened(openSync(path, "r"), undefined, max)
  );
}

/** {@link readBounded} of the open `fd`, which is closed. */
function readOpened(
  fd: number,
  size: number | undefined,
  max: number,
): Buffer | undefined {
  try {
    if (size !== undefined) return size > max ? undefined : readFileSync(fd);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      const read = readSync(fd, chunk, 0, CHUNK, null);
      if (read === 0) break;
      total += read;
      if (total > max) return undefined;
      chunks.push(chunk.subarray(0, read));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

const CHUNK = 1 << 20;
