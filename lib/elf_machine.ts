/**
 * The processor an executable is built for, read from its ELF header: a
 * program built for another processor fails only where it runs, far from
 * the command that put it there.
 */
import { Buffer } from "node:buffer";
import { closeSync, openSync, readSync } from "node:fs";

/** ELF machine number of x86-64. */
export const EM_X86_64 = 62;
/** ELF machine number of 64-bit ARM. */
export const EM_AARCH64 = 183;

/** Names of the processors buildout is built for, by ELF machine number. */
export const MACHINE_NAMES: Readonly<Record<number, string>> = {
  [EM_X86_64]: "x86-64",
  [EM_AARCH64]: "64-bit ARM",
};

/** This machine's processor as an ELF machine number, if one of the above. */
export const HOST_MACHINE: number | undefined = process.arch === "x64"
  ? EM_X86_64
  : process.arch === "arm64"
  ? EM_AARCH64
  : undefined;

/**
 * The ELF machine number of the little-endian ELF file at `path`, or
 * undefined when it is no such file.
 *
 * @example elfMachine("/bin/sh") // 62 on x86-64
 * @throws {Error} from the file system when it cannot be opened or read.
 */
export function elfMachine(path: string): number | undefined {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(20);
    if (readSync(fd, head, 0, 20, 0) < 20) return undefined;
    // "\x7fELF", then the data encoding (1: little-endian) at offset 5.
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[5] !== 1) return undefined;
    return head.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}
