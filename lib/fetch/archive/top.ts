/**
 * Drops an archive's single top-level directory on the way to a
 * {@link MemberSink}, deciding as members come: the first one names the
 * directory, and a member outside it (or anything unusual) stops the
 * extraction with {@link NoSingleTop}, for the caller to extract the
 * general way instead.
 */
import type { Entry, FileBody, MemberSink } from "./tree.ts";

/** The archive has no single top-level directory to drop, or is unusual. */
export class NoSingleTop extends Error {
  constructor() {
    super("no single top-level directory");
    this.name = "NoSingleTop";
  }
}

/** A relative path without empty, `.` or `..` components (maybe a final `/`). */
const PLAIN = /^(?!\/)(?!.*\/\/)(?!(?:.*\/)?\.\.?(?:\/|$))./s;

/**
 * Passes members to `sink` with their first path component removed.
 *
 * ```ts
 * const strip = new TopStripper(tree);
 * strip.add({ name: "package/a.js", type: "file" }); // tree gets "a.js"
 * ```
 */
export class TopStripper implements MemberSink {
  private top?: string;

  constructor(private readonly sink: MemberSink) {}

  /**
   * @throws {NoSingleTop} for a member outside the top-level directory,
   *   a top-level entry that is not a directory, or a name that is not
   *   plain (absolute, with `..`, `.` or empty components)
   */
  add(entry: Entry): FileBody | undefined {
    const name = withoutDotSlash(entry.name);
    // the archive's root itself ("./"): nothing to create
    if (name === "" || name === ".") return this.sink.add(entry);
    const rest = this.inside(name);
    if (rest === "") {
      if (entry.type !== "directory") throw new NoSingleTop();
      return undefined;
    }
    const linkname = entry.type === "hardlink"
      ? this.inside(withoutDotSlash(entry.linkname ?? ""))
      : entry.linkname;
    return this.sink.add({ ...entry, name: rest, linkname });
  }

  /**
   * `path` below the top-level directory ("" for the directory itself).
   *
   * @throws {NoSingleTop} when it is not inside it.
   */
  private inside(path: string): string {
    if (!PLAIN.test(path)) throw new NoSingleTop();
    const slash = path.indexOf("/");
    const first = slash < 0 ? path : path.slice(0, slash);
    this.top ??= first;
    if (first !== this.top) throw new NoSingleTop();
    return slash < 0 ? "" : path.slice(slash + 1);
  }
}

function withoutDotSlash(name: string): string {
  let path = name;
  while (path.startsWith("./")) path = path.slice(2);
  return path;
}
