/**
 * A plain directory read as an archive, as setuptools' `unpack_archive`
 * (which the download and cmmi recipes use) copies a directory given as
 * their `url`: its entries go through the same {@link MemberSink} as
 * archive members, so excludes, top-level stripping and path safety apply.
 */
import {
  closeSync,
  type Dirent,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
} from "node:fs";
import { join } from "node:path";
import type { FileBody, MemberSink } from "./tree.ts";

/** Bytes read from a file at a time: each chunk is a new buffer, kept until the body ends. */
const CHUNK = 1 << 20;

/**
 * Hands the entries under `dir` to `sink`, parents first, in name order.
 * Entries that are neither files, directories nor symlinks (sockets,
 * devices) are left out, as a copy of the tree would leave them.
 */
export function readDirectory(dir: string, sink: MemberSink): void {
  walk(dir, "", sink);
}

function walk(dir: string, prefix: string, sink: MemberSink): void {
  const entries: Dirent[] = readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const name = prefix + entry.name;
    const stat = lstatSync(path);
    const mode = stat.mode & 0o7777;
    if (stat.isDirectory()) {
      sink.add({
        name: name + "/",
        type: "directory",
        mode,
        mtime: stat.mtime,
      });
      walk(path, name + "/", sink);
    } else if (stat.isSymbolicLink()) {
      sink.add({ name, type: "symlink", linkname: readlinkSync(path) });
    } else if (stat.isFile()) {
      const body = sink.add({ name, type: "file", mode, mtime: stat.mtime });
      if (body) copyInto(path, stat.size, body);
    }
  }
}

function copyInto(path: string, size: number, body: FileBody): void {
  const fd = openSync(path, "r");
  try {
    for (let left = size; left > 0;) {
      const chunk = new Uint8Array(Math.min(CHUNK, left));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      body.write(chunk.subarray(0, read));
      left -= read;
    }
  } finally {
    closeSync(fd);
  }
  body.end();
}
