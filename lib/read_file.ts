/**
 * Reading a file the run keeps (`.installed.cfg`, a package.json, an
 * `.egg-link`) without ever blocking: a FIFO in its place would block the
 * run in `open` until a writer comes, where no signal can end it, and a
 * device such as `/dev/zero` would never end.
 */
import type { Buffer } from "node:buffer";
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
} from "node:fs";
import { specialKind } from "./fs_kinds.ts";

/** A device, FIFO or socket where a file was to be read. */
export class SpecialFileError extends Error {
  constructor(readonly kind: string) {
    super(`it is a ${kind}, not a file`);
    this.name = "SpecialFileError";
  }
}

/**
 * `readFileSync(path)`, refusing a device, FIFO or socket with a
 * {@link SpecialFileError}, whose message `fsReason` shows.
 *
 * ```ts
 * readPlainFile("/srv/app/.installed.cfg", "utf8") // "[buildout]\n..."
 * ```
 * @throws {SpecialFileError} for a device, FIFO or socket; file-system
 *   errors (`ENOENT`, `EISDIR`) as they are.
 */
export function readPlainFile(path: string): Buffer;
export function readPlainFile(path: string, encoding: "utf8"): string;
export function readPlainFile(
  path: string,
  encoding?: "utf8",
): Buffer | string {
  // Opened without blocking: a FIFO without a writer would block the open.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const special = specialKind(fstatSync(fd));
    if (special) throw new SpecialFileError(special);
    return encoding ? readFileSync(fd, encoding) : readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
