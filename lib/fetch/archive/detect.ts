/**
 * Recognises an archive by its first bytes (and, for zip files with a
 * prefix such as self-extracting ones, by the end-of-central-directory
 * record near the end), never by its name.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** What {@link detect} recognises; compressed formats hold a tar. */
export type ArchiveFormat = "tar" | "gzip" | "bzip2" | "xz" | "lzip" | "zip";

const HEAD = 512;
/** The end-of-central-directory record plus the longest comment. */
const ZIP_TAIL = 22 + 0xffff;

function startsWith(bytes: Uint8Array, magic: number[], at = 0): boolean {
  return magic.every((b, i) => bytes[at + i] === b);
}

/** True when `block` is a tar header: its checksum matches. */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < 512) return false;
  let field = "";
  for (let i = 148; i < 156 && block[i] !== 0 && block[i] !== 0x20; i++) {
    field += String.fromCharCode(block[i]);
  }
  if (!/^[0-7]+$/.test(field)) return false;
  const stored = parseInt(field, 8);
  let unsigned = 0, signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function hasZipEnd(fd: number, size: number): boolean {
  const length = Math.min(size, ZIP_TAIL);
  const tail = new Uint8Array(length);
  readSync(fd, tail, 0, length, size - length);
  for (let i = length - 22; i >= 0; i--) {
    if (startsWith(tail, [0x50, 0x4b, 0x05, 0x06], i)) return true;
  }
  return false;
}

/**
 * The format of the archive at `file`, or undefined when it is none that
 * {@link ArchiveFormat} names.
 *
 * ```ts
 * detect("pkg-1.0.tgz"); // "gzip"
 * ```
 * @throws node:fs errors when the file cannot be read.
 */
export function detect(file: string): ArchiveFormat | undefined {
  const fd = openSync(file, "r");
  try {
    const head = new Uint8Array(HEAD);
    const read = readSync(fd, head, 0, HEAD, 0);
    const bytes = head.subarray(0, read);
    // First, so that a tar whose first member is named like a magic number
    // is still a tar; compressed data never passes the header checksum.
    if (isTarHeader(bytes)) return "tar";
    if (startsWith(bytes, [0x1f, 0x8b])) return "gzip";
    if (
      startsWith(bytes, [0x42, 0x5a, 0x68]) && bytes[3] >= 0x31 &&
      bytes[3] <= 0x39
    ) return "bzip2";
    if (startsWith(bytes, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return "xz";
    if (startsWith(bytes, [0x4c, 0x5a, 0x49, 0x50])) return "lzip";
    if (
      startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) ||
      startsWith(bytes, [0x50, 0x4b, 0x05, 0x06]) ||
      startsWith(bytes, [0x50, 0x4b, 0x07, 0x08])
    ) return "zip";
    const size = fstatSync(fd).size;
    if (size >= 22 && hasZipEnd(fd, size)) return "zip";
    // An empty tar is its end-of-archive blocks alone, as tarfile and GNU
    // tar read a zero block first: its compressed forms unpack too.
    if (read === HEAD && bytes.every((b) => b === 0)) return "tar";
    return undefined;
  } finally {
    closeSync(fd);
  }
}
