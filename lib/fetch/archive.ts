/**
 * Archive extraction for the download recipes and distributions: tar
 * (plain, gzip, bzip2, xz, lzip) and zip, recognised by content. Members
 * are unpacked into a temporary directory next to the destination (inside
 * it when it exists) and moved into place only when all of them made it,
 * so a failed extraction leaves nothing behind; none lands outside the
 * destination.
 */
import {
  chmodSync,
  closeSync,
  createReadStream,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  utimesSync,
} from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import process from "node:process";
import { gunzipSync } from "node:zlib";
import {
  clipped,
  fsReason,
  isSystemError,
  oneLine,
  UserError,
} from "../errors.ts";
import type { ExtractOptions } from "../recipe/api.ts";
import { bunzip2 } from "./archive/bzip2.ts";
import { type ArchiveFormat, detect } from "./archive/detect.ts";
import { readDirectory } from "./archive/directory.ts";
import { gunzip, trailingBytes } from "./archive/gzip.ts";
import { ArchiveError, DamagedArchive } from "./archive/errors.ts";
import { lunzip } from "./archive/lzip.ts";
import { finalPath, place, type Placed } from "./archive/place.ts";
import { readTar, readTarBytes, sourceError } from "./archive/tar.ts";
import { NoSingleTop, TopStripper } from "./archive/top.ts";
import { type MemberSink, Tree } from "./archive/tree.ts";
import { unxz } from "./archive/xz.ts";
import { readZip } from "./archive/zip.ts";
import { hiddenTemp } from "./hidden_temp.ts";
import { specialFile } from "../fs_kinds.ts";
import { trustedOwners } from "../trusted_links.ts";
import { removeTempFile } from "./temp_files.ts";

export { ArchiveError, DamagedArchive } from "./archive/errors.ts";

const READ = 1 << 20;
/**
 * A tar or tar.gz up to this size is read whole and unpacked without
 * streams, which for a small archive cost more than the work itself.
 */
const WHOLE = 4 << 20;
/** ... as long as the tar it holds is no larger than this. */
const WHOLE_TAR = 32 << 20;

/**
 * Extracts the archive `file` into `destination` (created, with its
 * parents, when missing; merged into when it exists) and returns the
 * top-level entries it added there, absolute: entries that existed before
 * are not returned, so removing what is returned never removes them.
 *
 * ```ts
 * const added = await extract("dl/pkg-1.0.tar.gz", "parts/pkg", {
 *   stripTopLevelDir: "auto",
 *   excludes: ["pkg-1.0/docs/*", "*.pyc"],
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
    // A directory is copied, as setuptools' unpack_archive does.
    const format = statSync(archive, { throwIfNoEntry: false })?.isDirectory()
      ? undefined
      : detectFormat(archive);
    madeParent = makeParent(archive, target);
    tmp = hiddenTemp(unpackNear(target));
    mkdirSync(tmp);
    tree = new Tree(tmp, archive, options.excludes);
    if (format) await readMembers(format, archive, tree);
    else readDirectory(archive, tree);
    options.onUnpacked?.(tree.excluded);
    const top = topDirectory(tmp, archive, options.stripTopLevelDir ?? false);
    tree.finish(top);
    placed = place(
      archive,
      tmp,
      top,
      target,
      options.onExisting,
      options.onCreating,
    );
    for (const dir of tree.directories()) {
      const path = dir.key === top ? undefined : finalPath(placed, dir.key);
      if (path === undefined) continue;
      chmodSync(path, dir.mode);
      if (dir.mtime) utimesSync(path, dir.mtime, dir.mtime);
    }
    return placed.added;
  } catch (err) {
    tree?.abandon();
    if (placed === undefined && madeParent) removeQuietly(madeParent);
    throw systemError(err, archive, target, tmp ?? target);
  } finally {
    if (tmp) removeTempFile(tmp);
  }
}

/**
 * Extracts the archive `file` into `destination`, a new directory it
 * creates (its parent must exist), dropping the archive's single
 * top-level directory if it has one, as `stripTopLevelDir: "auto"` does.
 * Members are written straight into `destination`, nothing is moved
 * afterwards: the way to unpack many small archives (distributions). On
 * failure `destination` is removed.
 *
 * ```ts
 * await extractToNewDirectory("dl/pkg-1.0.tgz", "eggs/.pkg-1.0.tmp");
 * ```
 * @throws {UserError} as {@link extract} does, and when `destination`
 *   exists
 */
export async function extractToNewDirectory(
  file: string,
  destination: string,
): Promise<void> {
  const archive = resolve(file);
  const target = resolve(destination);
  let made = false;
  let tree: Tree | undefined;
  try {
    const format = detectFormat(archive);
    mkdirSync(target);
    made = true;
    tree = new Tree(target, archive);
    await readMembers(format, archive, new TopStripper(tree));
    tree.finish();
    for (const dir of tree.directories()) {
      const path = join(target, dir.key);
      chmodSync(path, dir.mode);
      if (dir.mtime) utimesSync(path, dir.mtime, dir.mtime);
    }
  } catch (err) {
    tree?.abandon();
    if (made) removeQuietly(target);
    // Anything unusual (no single top-level directory, a refused member)
    // goes the general way, whose messages name members as archived.
    if (err instanceof ArchiveError || err instanceof NoSingleTop) {
      await extract(archive, target, { stripTopLevelDir: "auto" });
      return;
    }
    throw systemError(err, archive, target, target);
  }
}

/**
 * A file system error while extracting `archive` into `target` (members
 * written under `root`) as a user error giving its reason (`no space left
 * on device`), not the runtime's message, which names the hidden temporary
 * directory; `err` otherwise. A name too long is named: the member's path
 * under `root`, or the link target.
 */
function systemError(
  err: unknown,
  archive: string,
  target: string,
  root: string,
): unknown {
  if (!isSystemError(err)) return err;
  const path = (err as { path?: unknown }).path;
  const name = err.code !== "ENAMETOOLONG" || typeof path !== "string"
    ? ""
    : `: '${
      clipped(path.startsWith(root + sep) ? path.slice(root.length + 1) : path)
    }'`;
  return new UserError(
    oneLine(`Couldn't extract ${archive} into ${target}: ${fsReason(err)}`) +
      name,
  );
}

/**
 * The path beside which the archive is unpacked before its members move
 * to `target`: a name inside `target` when that is a directory already
 * (or a trusted link to one), so the moves stay on its file system (a
 * volume mounted there refuses a rename from its parent's, EXDEV), else
 * `target` itself, which arrives whole by one rename.
 */
function unpackNear(target: string): string {
  const found = lstatSync(target, { throwIfNoEntry: false });
  const inside = found?.isDirectory() ||
    (found?.isSymbolicLink() &&
      statSync(target, { throwIfNoEntry: false })?.isDirectory() &&
      trustedOwners(process.cwd()).has(found.uid));
  return inside ? join(target, basename(target)) : target;
}

/**
 * Creates the missing parents of `target`; returns the first it created.
 *
 * @throws {UserError} when a file (or a dangling link) stands where the
 *   parent should be, which mkdir reports as "file exists".
 */
function makeParent(archive: string, target: string): string | undefined {
  const parent = dirname(target);
  try {
    return mkdirSync(parent, { recursive: true });
  } catch (err) {
    if ((err as { code?: string }).code !== "EEXIST") throw err;
    throw new UserError(
      oneLine(
        `Couldn't extract ${archive} into ${target}: ${parent} is not a directory`,
      ),
    );
  }
}

/**
 * Removes what a failed extraction made, if it can: failing to (out of
 * file descriptors, say) must not hide why the extraction failed.
 */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // Left behind; the error being reported says what went wrong.
  }
}

/**
 * The format of `archive`.
 *
 * @throws {ArchiveError} when it is none we read, or a device, FIFO or
 *   socket.
 */
function detectFormat(archive: string): ArchiveFormat {
  // Reading one would block the run (a FIFO without a writer), where no
  // signal can end it, or never end (/dev/zero).
  const special = specialFile(archive);
  if (special) {
    throw new ArchiveError(archive, `it is a ${special}, not a file`);
  }
  let format;
  try {
    format = detect(archive);
  } catch (err) {
    if (!isSystemError(err)) throw err;
    // The archive refuses to be read (a cache file of another user, a
    // failing disk): the destination, named otherwise, is not to blame.
    throw new UserError(oneLine(`Couldn't read ${archive}: ${fsReason(err)}`));
  }
  if (format === undefined) {
    throw new DamagedArchive(
      archive,
      "not a recognized archive (tar, tar.gz, tar.bz2, tar.xz, tar.lz or zip)",
    );
  }
  return format;
}

/** Hands the members of `archive`, in `format`, to `sink`. */
async function readMembers(
  format: ArchiveFormat,
  archive: string,
  sink: MemberSink,
): Promise<void> {
  if (format === "zip") return await readZip(archive, sink);
  const whole = wholeTar(format, archive);
  if (whole) readTarBytes(whole, sink, archive, format);
  else await readTar(tarStream(format, archive), sink, archive, format);
}

/**
 * The tar of a small tar or tar.gz file, in memory; undefined for other
 * formats and larger ones.
 *
 * @throws {ArchiveError} for corrupt or truncated gzip data.
 */
function wholeTar(
  format: ArchiveFormat,
  archive: string,
): Uint8Array | undefined {
  if (format !== "tar" && format !== "gzip") return undefined;
  const fd = openSync(archive, "r");
  let data: Uint8Array;
  try {
    const size = fstatSync(fd).size;
    if (size > WHOLE) return undefined;
    data = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const n = readSync(fd, data, filled, size - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    data = data.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
  if (format === "tar") return data;
  try {
    return gunzipSync(data, {
      maxOutputLength: WHOLE_TAR,
      chunkSize: outputChunk(data),
    });
  } catch (err) {
    // Streamed instead: that way ignores bytes after the last member.
    if (
      (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" ||
      trailingBytes(err)
    ) {
      return undefined;
    }
    throw sourceError(err, archive, format);
  }
}

/**
 * The output buffer size for gunzipping `data` whole: the size its trailer
 * states (the last member's, modulo 4 GiB, so only a hint), within bounds.
 * Decoding into one buffer rather than node:zlib's 16 KiB pieces joined
 * afterwards takes a fifth less time for archives of tens of kilobytes.
 */
function outputChunk(data: Uint8Array): number {
  const end = data.length;
  const stated = end < 4
    ? 0
    : new DataView(data.buffer, data.byteOffset, end).getUint32(end - 4, true);
  // One byte more: the decoder stops asking for room once some is left.
  return Math.min(Math.max(stated + 1, 1 << 14), 1 << 22);
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
      return gunzip(archive);
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
