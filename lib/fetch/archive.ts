/**
 * Archive extraction for the download recipes and distributions: tar
 * (plain, gzip, bzip2, xz, lzip) and zip, recognised by content. Members
 * are unpacked into a temporary directory next to the destination and
 * moved into place only when all of them made it, so a failed extraction
 * leaves nothing behind; none lands outside the destination.
 */
import {
  chmodSync,
  createReadStream,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { UserError } from "../errors.ts";
import type { ExtractOptions } from "../recipe/api.ts";
import { bunzip2 } from "./archive/bzip2.ts";
import { type ArchiveFormat, detect } from "./archive/detect.ts";
import { ArchiveError, isSystemError } from "./archive/errors.ts";
import { lunzip } from "./archive/lzip.ts";
import { finalPath, place, type Placed } from "./archive/place.ts";
import { readTar } from "./archive/tar.ts";
import { Tree } from "./archive/tree.ts";
import { unxz } from "./archive/xz.ts";
import { readZip } from "./archive/zip.ts";

export { ArchiveError } from "./archive/errors.ts";

const READ = 1 << 20;

/**
 * Extracts the archive `file` into `destination` (created, with its
 * parents, when missing; merged into when it exists) and returns the
 * top-level entries it added there, absolute: entries that existed before
 * are not returned, so removing what is returned never removes them.
 *
 * ```ts
 * const added = await extract("dl/pkg-1.0.tar.gz", "parts/pkg", {
 *   stripTopLevelDir: "auto",
 *   excludes: ["docs", "*.pyc"],
 * });
 * ```
 * @throws {UserError} ({@link ArchiveError} for problems with the archive):
 *   an unknown format, truncated or corrupt data, a member that would land
 *   outside the destination, `stripTopLevelDir: true` without a single
 *   top-level directory, or a file system error
 */
export async function extract(
  file: string,
  destination: string,
  options: ExtractOptions = {},
): Promise<string[]> {
  const archive = resolve(file);
  const target = resolve(destination);
  let tmp: string | undefined;
  let madeParent: string | undefined;
  let tree: Tree | undefined;
  let placed: Placed | undefined;
  try {
    const format = detect(archive);
    if (format === undefined) {
      throw new ArchiveError(
        archive,
        "not a recognized archive (tar, tar.gz, tar.bz2, tar.xz, tar.lz or zip)",
      );
    }
    madeParent = mkdirSync(dirname(target), { recursive: true });
    tmp = mkdtempSync(join(dirname(target), `.${basename(target)}.extract-`));
    tree = new Tree(tmp, archive, options.excludes);
    if (format === "zip") await readZip(archive, tree);
    else await readTar(tarStream(format, archive), tree, archive, format);
    const top = topDirectory(tmp, archive, options.stripTopLevelDir ?? false);
    tree.finish(top);
    placed = place(archive, tmp, top, target, options.onExisting);
    for (const dir of tree.directories()) {
      const path = dir.key === top ? undefined : finalPath(placed, dir.key);
      if (path === undefined) continue;
      chmodSync(path, dir.mode);
      if (dir.mtime) utimesSync(path, dir.mtime, dir.mtime);
    }
    return placed.added;
  } catch (err) {
    tree?.abandon();
    if (placed === undefined && madeParent) {
      rmSync(madeParent, { recursive: true, force: true });
    }
    if (isSystemError(err)) {
      throw new UserError(
        `Couldn't extract ${archive} into ${target}: ${err.message}`,
      );
    }
    throw err;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/** The uncompressed tar stream of an archive in `format`. */
function tarStream(
  format: Exclude<ArchiveFormat, "zip">,
  archive: string,
): AsyncIterable<Uint8Array> {
  const input = () => createReadStream(archive, { highWaterMark: READ });
  switch (format) {
    case "tar":
      return input();
    case "gzip":
      // errors reach the reader through the last stream
      return pipeline(input(), createGunzip({ chunkSize: 1 << 18 }), () => {});
    case "xz":
      return unxz(archive);
    case "bzip2":
      return bunzip2(archive);
    case "lzip":
      return lunzip(input());
  }
}

/**
 * The top-level directory to strip ("" for none): with `true` there must be
 * exactly one, with "auto" it is stripped when it is the only entry.
 */
function topDirectory(
  root: string,
  archive: string,
  strip: boolean | "auto",
): string {
  if (strip === false) return "";
  const names = readdirSync(root);
  if (names.length === 1 && lstatSync(join(root, names[0])).isDirectory()) {
    return names[0];
  }
  if (strip === "auto") return "";
  const found = names.length === 1
    ? `its only top-level entry, '${names[0]}', is not a directory`
    : `it has ${names.length} top-level entries`;
  throw new ArchiveError(
    archive,
    `no single top-level directory to strip (${found})`,
  );
}
