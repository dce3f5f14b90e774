/**
 * Writes archive members into a fresh directory that nothing else touches,
 * keeping a model of what it created so that no member can land outside:
 * a member's parent directories are resolved through the model (following
 * the archive's own symlinks without asking the file system), and a symlink
 * is created only when its target, resolved the same way, stays inside.
 *
 * Everything is written with synchronous calls, in archive order.
 */
import * as fs from "node:fs";
import process from "node:process";
import { ArchiveError, DamagedArchive } from "./errors.ts";
import { fnmatch } from "../../fnmatch.ts";

/** The kinds of members the tree creates. */
export type EntryType = "file" | "directory" | "symlink" | "hardlink";

/** One archive member, as a reader hands it over. */
export interface Entry {
  /** The path in the archive, `/`-separated. */
  name: string;
  type: EntryType;
  /** Permission bits; 0o644 for files and 0o755 for directories if unset. */
  mode?: number;
  mtime?: Date;
  /** A symlink's target, or the member a hard link links to. */
  linkname?: string;
}

/**
 * Receives a file's content. A chunk must stay unchanged until `end()`
 * returns (small files are written in one go then).
 */
export interface FileBody {
  write(chunk: Uint8Array): void;
  /** The next `length` bytes are zeros, left as a hole (a sparse file's). */
  hole(length: number): void;
  end(): void;
}

/** What archive readers hand members to: a {@link Tree}, or a filter in front of one. */
export interface MemberSink {
  /** Creates `entry`; for a file, returns where its content goes. */
  add(entry: Entry): FileBody | undefined;
}

/** What the model knows: directories and symlinks (files need no care). */
type Node =
  | { kind: "dir"; mode?: number; mtime?: Date }
  | { kind: "symlink"; target: string; member: string };

/** Buffered bytes after which a file is opened and written as it streams. */
const STREAM_AT = 1 << 20;
/** Symlinks followed while resolving one path, as Linux allows. */
const MAX_HOPS = 40;
const FILE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT |
  fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
const SETGID = 0o2000;
/** A relative path without empty, `.` or `..` components (but maybe a final `/`). */
const PLAIN = /^(?!\/)(?!.*\/\/)(?!(?:.*\/)?\.\.?(?:\/|$))./s;

/**
 * A file being written: buffered while small, streamed once large.
 * Synchronous calls, because for many small files they cost a third of
 * what callbacks do, and the decompressor works on in its own thread.
 */
class FileOut implements FileBody {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private fd?: number;
  /** Where the next byte goes: past the holes, too. */
  private position = 0;
  private holes = false;

  constructor(
    private readonly streaming: Set<FileOut>,
    private readonly path: string,
    private readonly mode: number,
    private readonly mtime: Date | undefined,
  ) {}

  write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered >= STREAM_AT) this.flush();
  }

  /** Writes what is buffered, opening the file first; returns it. */
  private flush(): number {
    let fd = this.fd;
    if (fd === undefined) {
      fd = replacing(
        this.path,
        () => fs.openSync(this.path, FILE_FLAGS, this.mode),
      );
      this.fd = fd;
      this.streaming.add(this);
    }
    for (const chunk of this.chunks) {
      for (let at = 0; at < chunk.length;) {
        const n = fs.writeSync(fd, chunk, at, chunk.length - at, this.position);
        at += n;
        this.position += n;
      }
    }
    this.chunks = [];
    this.buffered = 0;
    return fd;
  }

  hole(length: number): void {
    this.flush();
    this.position += length;
    this.holes = true;
  }

  end(): void {
    try {
      const fd = this.flush();
      // a hole at the end has no byte written after it to extend the file
      if (this.holes) fs.ftruncateSync(fd, this.position);
      if (this.mtime) fs.futimesSync(fd, this.mtime, this.mtime);
    } finally {
      this.close();
    }
  }

  /** Closes the file if it is open (also when extraction is abandoned). */
  close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    this.streaming.delete(this);
    fs.closeSync(fd);
  }
}

/** Why a walk through the model stopped short. */
type Stop = "escapes" | "through-file";

/**
 * The directory an archive is unpacked into, and what is in it.
 *
 * ```ts
 * const tree = new Tree(tmp, "/tmp/pkg.tgz", ["*.pyc"]);
 * const body = tree.add({ name: "pkg/a.txt", type: "file" });
 * body?.write(bytes);
 * body?.end();
 * tree.finish();
 * ```
 */
export class Tree implements MemberSink {
  /** Files opened while streaming, closed if extraction is abandoned. */
  private readonly streaming = new Set<FileOut>();
  private readonly nodes = new Map<string, Node>([["", { kind: "dir" }]]);
  private readonly excludes?: (name: string) => boolean;
  /** The members the excludes skipped, named as archived, in archive order. */
  readonly excluded: string[] = [];
  /** Member directory → its real path in the model, until a link changes. */
  private readonly parents = new Map<string, string>();
  /**
   * The setgid bit the root has from a group-shared parent, and so every
   * directory made under it: kept, as GNU tar keeps it, so that what is
   * created there later still gets the shared group.
   */
  private readonly inherited: number;
  /**
   * Modes are the archive's less the umask, as GNU tar extracts for users
   * other than root: an archive cannot make group- or world-writable files,
   * and setuid, setgid and sticky bits are dropped (a directory keeps the
   * setgid bit its parent gives it). Read for each extraction: a recipe
   * may have set one of its own.
   */
  private readonly umask = process.umask();

  /**
   * @param root an empty directory only this tree writes to
   * @param archive the archive's path, for messages
   * @param excludes fnmatch patterns of members to skip, each matched
   *   against a member's own name: a skipped directory's members are
   *   matched on their own
   */
  constructor(
    readonly root: string,
    readonly archive: string,
    excludes: string[] = [],
  ) {
    if (excludes.length > 0) this.excludes = fnmatch(excludes);
    this.inherited = fs.statSync(root).mode & SETGID;
  }

  /**
   * Creates `entry`; for a file, returns where its content goes. Returns
   * undefined for excluded members and for anything without content.
   *
   * @throws {ArchiveError} for a member that would land outside the root,
   *   or whose name or link target holds a NUL character
   */
  add(entry: Entry): FileBody | undefined {
    // no archiver writes a NUL into a name, and no file system takes one
    if (entry.name.includes("\0") || entry.linkname?.includes("\0")) {
      throw new DamagedArchive(
        this.archive,
        "is corrupt (a NUL character in its name or link target)",
        entry.name,
      );
    }
    const [dir, leaf] = this.dirAndLeaf(entry.name);
    if (leaf === "") return undefined;
    const parent = this.parentOf(dir, entry.name);
    const key = parent === "" ? leaf : `${parent}/${leaf}`;
    const path = `${this.root}/${key}`;
    const existing = this.nodes.get(key);
    if (existing?.kind === "dir") {
      if (entry.type !== "directory") {
        throw new ArchiveError(
          this.archive,
          "would replace a directory extracted before it",
          entry.name,
        );
      }
      existing.mode = entry.mode;
      existing.mtime = entry.mtime;
      return undefined;
    }
    if (existing) {
      // a later member replaces an earlier one, as with tar
      fs.unlinkSync(path);
      this.nodes.delete(key);
      this.parents.clear();
    }
    switch (entry.type) {
      case "directory":
        replacing(path, () => fs.mkdirSync(path, 0o700));
        this.nodes.set(key, {
          kind: "dir",
          mode: entry.mode,
          mtime: entry.mtime,
        });
        return undefined;
      case "file":
        return new FileOut(
          this.streaming,
          path,
          (entry.mode ?? 0o644) & 0o777 & ~this.umask,
          entry.mtime,
        );
      case "symlink": {
        const target = entry.linkname ?? "";
        if (!this.inside(parent, target, 0, entry.name)) {
          throw this.outsideLink(entry.name, target);
        }
        replacing(path, () => fs.symlinkSync(target, path));
        this.nodes.set(key, { kind: "symlink", target, member: entry.name });
        this.parents.clear();
        return undefined;
      }
      case "hardlink": {
        const target = this.hardlinkTarget(entry);
        if (typeof target !== "string") {
          // GNU tar links to the symlink itself: the same target, which
          // is checked again from where this link lands
          return this.add({ ...entry, type: "symlink", linkname: target.to });
        }
        // a link to itself (some tars write those) is already there
        if (target !== path) replacing(path, () => fs.linkSync(target, path));
        return undefined;
      }
    }
  }

  /**
   * Checks every symlink again against `floor`, the directory (relative to
   * the root) that becomes the destination: this catches a link made
   * harmful by one created after it, and one leaving a stripped top-level
   * directory.
   *
   * @throws {ArchiveError} for a symlink pointing outside `floor`.
   */
  finish(floor = ""): void {
    const depth = floor === "" ? 0 : floor.split("/").length;
    for (const [key, node] of this.nodes) {
      if (node.kind !== "symlink") continue;
      const parent = key.split("/").slice(0, -1).join("/");
      if (!this.inside(parent, node.target, depth, node.member)) {
        throw this.outsideLink(node.member, node.target);
      }
    }
  }

  /** After a failure: closes the files left open. */
  abandon(): void {
    for (const file of [...this.streaming]) file.close();
  }

  /**
   * Directories the archive described or implied, with their final mode
   * and time, deepest first: apply them once nothing moves into them.
   */
  directories(): Array<{ key: string; mode: number; mtime?: Date }> {
    const dirs: Array<{ key: string; mode: number; mtime?: Date }> = [];
    for (const [key, node] of this.nodes) {
      if (node.kind !== "dir" || key === "") continue;
      const mode = (node.mode ?? 0o777) & 0o777 & ~this.umask | this.inherited;
      dirs.push({ key, mode, mtime: node.mtime });
    }
    const depth = (key: string) => key.split("/").length;
    return dirs.sort((a, b) => depth(b.key) - depth(a.key));
  }

  /**
   * A member's directory and name, `/`-joined, without `.` and empty
   * components; `["", ""]` for the root and for excluded members.
   *
   * @throws {ArchiveError} for an absolute path or a `..` component
   */
  private dirAndLeaf(name: string): [string, string] {
    if (this.excludes) {
      // as Python's tarfile names directories, without a trailing "/"
      const member = name.replace(/\/+$/, "");
      if (this.excludes(member)) {
        this.excluded.push(member);
        return ["", ""];
      }
    }
    let path = name;
    while (path.startsWith("./")) path = path.slice(2);
    if (PLAIN.test(path)) {
      // the usual case, without splitting
      if (path.endsWith("/")) path = path.slice(0, -1);
      const slash = path.lastIndexOf("/");
      return slash < 0
        ? ["", path]
        : [path.slice(0, slash), path.slice(slash + 1)];
    }
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.length === 0) return ["", ""];
    this.checkName(name, parts, name);
    return [parts.slice(0, -1).join("/"), parts[parts.length - 1]];
  }

  /** Refuses absolute paths and `..` components in `path`. */
  private checkName(path: string, parts: string[], member: string): void {
    if (path.startsWith("/")) {
      throw new ArchiveError(this.archive, "has an absolute path", member);
    }
    if (parts.includes("..")) {
      throw new ArchiveError(
        this.archive,
        "has a '..' component, which would leave the destination",
        member,
      );
    }
  }

  private outsideLink(member: string, target: string): ArchiveError {
    return new ArchiveError(
      this.archive,
      `is a symlink pointing outside the destination ('${target}')`,
      member,
    );
  }

  /**
   * The real path (in the model) of the member directory `dir`, creating
   * missing directories.
   */
  private parentOf(dir: string, member: string): string {
    const known = this.parents.get(dir);
    if (known !== undefined) return known;
    const real = this.walk([], dir.split("/"), 0, member, true);
    if (real === "escapes") {
      throw new ArchiveError(
        this.archive,
        "goes through a symlink pointing outside the destination",
        member,
      );
    }
    if (real === "through-file") {
      throw new ArchiveError(
        this.archive,
        "needs a directory where the archive has a file",
        member,
      );
    }
    this.parents.set(dir, real);
    return real;
  }

  /** True when `target`, read from directory `parent`, stays in `floor`. */
  private inside(
    parent: string,
    target: string,
    floor: number,
    member: string,
  ): boolean {
    if (target === "" || target.startsWith("/")) return false;
    const start = parent === "" ? [] : parent.split("/");
    return this.walk(start, target.split("/"), floor, member) !== "escapes";
  }

  /**
   * Walks `pending` from directory `start` through the model, following
   * symlinks, never above `floor` components; with `create`, makes missing
   * directories.
   *
   * @returns the real path relative to the root, or why the walk stopped
   * @throws {ArchiveError} after too many symlinks
   */
  private walk(
    start: string[],
    pending: string[],
    floor: number,
    member: string,
    create = false,
  ): string | Stop {
    const stack = [...start];
    const todo = pending.filter((p) => p !== "" && p !== ".").reverse();
    let hops = 0;
    while (todo.length > 0) {
      const part = todo.pop()!;
      if (part === "..") {
        if (stack.length <= floor) return "escapes";
        stack.pop();
        continue;
      }
      stack.push(part);
      const key = stack.join("/");
      const node = this.nodes.get(key);
      if (node === undefined) {
        if (create) {
          try {
            fs.mkdirSync(`${this.root}/${key}`, 0o700);
          } catch (err) {
            // what exists but is not in the model is a file
            if ((err as { code?: string }).code === "EEXIST") {
              return "through-file";
            }
            throw err;
          }
          this.nodes.set(key, { kind: "dir" });
        }
      } else if (node.kind === "symlink") {
        if (++hops > MAX_HOPS) {
          throw new ArchiveError(
            this.archive,
            "goes through too many levels of symlinks",
            member,
          );
        }
        // relative: add() refuses a symlink with an absolute target
        stack.pop();
        todo.push(
          ...node.target.split("/").filter((p) => p !== "" && p !== ".")
            .reverse(),
        );
      }
    }
    return stack.join("/");
  }

  /**
   * The path of the file a hard link member links to, or the target of
   * the symlink it links to.
   */
  private hardlinkTarget(entry: Entry): string | { to: string } {
    const target = entry.linkname ?? "";
    const parts = target.split("/").filter((p) => p !== "" && p !== ".");
    if (target.startsWith("/") || parts.includes("..")) {
      throw new ArchiveError(
        this.archive,
        `is a hard link to '${target}', outside the destination`,
        entry.name,
      );
    }
    if (parts.length > 0) {
      const parent = this.walk([], parts.slice(0, -1), 0, entry.name);
      if (parent !== "escapes" && parent !== "through-file") {
        const leaf = parts[parts.length - 1];
        const key = parent === "" ? leaf : `${parent}/${leaf}`;
        const node = this.nodes.get(key);
        if (node?.kind === "symlink") return { to: node.target };
        const path = `${this.root}/${key}`;
        if (fs.lstatSync(path, { throwIfNoEntry: false })?.isFile()) {
          return path;
        }
      }
    }
    throw new ArchiveError(
      this.archive,
      `is a hard link to '${target}', which is not a file or symlink extracted before it`,
      entry.name,
    );
  }
}

/**
 * Runs `create`; if `path` exists (a file from an earlier member of the
 * same name, which a later one replaces as with tar), removes it and tries
 * again.
 */
function replacing<T>(path: string, create: () => T): T {
  try {
    return create();
  } catch (err) {
    if ((err as { code?: string }).code !== "EEXIST") throw err;
    fs.unlinkSync(path);
    return create();
  }
}
