/**
 * Where distributions are found: `find-links` (directories, archive paths,
 * `file:` URLs, and HTTP(S) pages whose `<a href>` links name archives) and
 * `index` (a simple index: `<index>/<name>/` lists one project's archives).
 * Each find-links location is read once per run, each index page once per
 * project, at most a few pages at once. Offline, only local locations are read, plus the download
 * cache's `dist` directory. A page that cannot be read is a warning, as in
 * setuptools: what is installed or offered elsewhere may do, and when
 * nothing does, the error names the page and why.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { clipped, oneLine, UserError } from "../errors.ts";
import { uncreatableCacheDirectory } from "../fetch/download.ts";
import { fileUrlPath } from "../fetch/file_url.ts";
import { isDirectory } from "../fs_kinds.ts";
import { logger } from "../log.ts";
import { whatStandsAt } from "../what_stands_at.ts";
import {
  type DistName,
  parseArchiveName,
  parseEggFragment,
  pythonDistKey,
} from "./archive_name.ts";
import { htmlLinks } from "./html_links.ts";
import { Slots } from "./slots.ts";
import {
  type Checksums,
  type DistTransport,
  type Page,
  UnreadablePage,
} from "./transport.ts";

/** An archive that a location offers. */
export interface Candidate extends DistName, Checksums {
  /** The archive's file name. */
  filename: string;
  /** A local path, or a URL. */
  location: string;
  /** True when `location` is a local path (nothing to download). */
  local: boolean;
}

/** How the finder is set up. */
export interface FinderOptions {
  /** `find-links`: absolute paths and URLs. */
  findLinks: string[];
  /** `index`: URLs or absolute paths of simple indexes. */
  indexes: string[];
  /**
   * The download cache's `dist` directory, a find-links location of its
   * own, as zc.buildout makes it: what it holds is found even when the
   * pages that listed it cannot be read.
   */
  cacheDirectory?: string;
  /** Offline (or install-from-cache): no network location is read. */
  offline: boolean;
  /** The option making it so, named in messages; `offline` if not given. */
  offlineBy?: string;
  transport: DistTransport;
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Pages read at once: looking ahead decides many requirements together,
 * and a connection (a file descriptor) per index page would run out of
 * descriptors under a low `ulimit -n`.
 */
const PAGE_READS = 4;

/** True when `location` is a URL rather than a local path. */
export function isUrl(location: string): boolean {
  return URL_SCHEME.test(location);
}

/** An archive in a local find-links location. */
export interface LocalArchive extends DistName {
  filename: string;
  path: string;
}

/**
 * The archives of a local find-links location (named `location` in
 * messages): a directory's, in name order, or the archive `path` names;
 * undefined when there is nothing at `path`.
 *
 * @throws {UserError} for a file that is not a distribution archive.
 */
export function localArchives(
  path: string,
  location: string = path,
): LocalArchive[] | undefined {
  return localListing(path, location)?.archives;
}

/**
 * The error for a find-links location that is neither `what` (a directory,
 * an HTML page) nor an archive, `filename` saying whether it is a Python
 * distribution.
 */
function notALocation(
  location: string,
  what: string,
  filename: string,
): UserError {
  return new UserError(
    `The find-links location ${clipped(location)} is neither ${what} nor ` +
      "a distribution archive named <name>-<version>.tgz (.tar.gz, " +
      ".tar.bz2, .tar.xz, .zip)" +
      (pythonDistKey(filename)
        ? " (it is a Python distribution, which buildout cannot run)"
        : ""),
  );
}

/** What a local find-links location holds. */
interface LocalListing {
  archives: LocalArchive[];
  /** Names of the Python distributions (wheels, eggs) among its files. */
  python: string[];
}

/** {@link localArchives}, with the Python distributions beside them. */
function localListing(
  path: string,
  location: string,
): LocalListing | undefined {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    return undefined;
  }
  if (!isDirectory) {
    const found = parseArchiveName(basename(path));
    if (!found) {
      throw notALocation(location, "a directory", basename(path));
    }
    return {
      archives: [{ ...found, filename: basename(path), path }],
      python: [],
    };
  }
  const listing: LocalListing = { archives: [], python: [] };
  for (const filename of readdirSync(path).sort()) {
    const found = parseArchiveName(filename);
    if (found) {
      listing.archives.push({ ...found, filename, path: join(path, filename) });
    } else if (pythonDistKey(filename)) {
      listing.python.push(filename);
    }
  }
  return listing;
}

/**
 * Refuses what stands where the download cache's `dist` directory goes:
 * read as a find-links location, it would be named as one the
 * configuration gave.
 *
 * @throws {UserError} as the download cache names it when making it.
 */
function refuseInCachePlace(path: string): void {
  if (isDirectory(path)) return;
  const found = whatStandsAt(path, "directory");
  if (found !== undefined) throw uncreatableCacheDirectory(path, `it ${found}`);
}

/** Finds the archives offered for a project. */
export class Finder {
  /** `find-links`, then the dependency links added since. */
  private readonly findLinks: string[];
  /** Each find-links location's archives by project key, read once. */
  private readonly linked = new Map<
    string,
    Promise<Map<string, Candidate[]>>
  >();
  private readonly indexed = new Map<string, Promise<Candidate[]>>();
  private readonly missing = new Set<string>();
  /** Pages that could not be read, with the reason. */
  private readonly unreadable = new Map<string, string>();
  /** Python distributions (wheels, eggs) offered, by project key. */
  private readonly python = new Map<string, Set<string>>();
  /** Locations some of whose links allow-hosts left out, with what it did. */
  private readonly skipped = new Map<string, string>();
  /** Bounds the page reads under way; waiting ones start in the order asked. */
  private readonly reading = new Slots(PAGE_READS);

  constructor(private readonly options: FinderOptions) {
    this.findLinks = [...options.findLinks];
  }

  /**
   * Searches `location` too from now on, after the locations already
   * known (a distribution's dependency link); false when it is one.
   */
  addFindLink(location: string): boolean {
    if (this.searches(location)) return false;
    this.findLinks.push(location);
    return true;
  }

  /**
   * Forgets the locations {@link addFindLink} added; true when there were
   * some.
   */
  dropAddedLinks(): boolean {
    const configured = this.options.findLinks.length;
    if (this.findLinks.length === configured) return false;
    this.findLinks.length = configured;
    return true;
  }

  /** True when `location` is one of the find-links locations. */
  searches(location: string): boolean {
    return this.findLinks.includes(location);
  }

  /** True when a find-links location or an index is known, read or not. */
  get hasLocations(): boolean {
    return this.findLinks.length > 0 || this.options.indexes.length > 0;
  }

  /** True when only local locations are read. */
  get offline(): boolean {
    return this.options.offline;
  }

  /** The option that turned {@link offline} on. */
  get offlineBy(): string {
    return this.options.offlineBy ?? "offline";
  }

  /**
   * Every archive of the project `key`, from find-links first, then the
   * indexes, in the order the locations are configured.
   *
   * @throws {UserError} when a find-links location is not a directory, an
   *   archive or an HTML page.
   */
  async candidates(key: string): Promise<Candidate[]> {
    const linked: Candidate[] = [];
    // One location after the other: their warnings come in order.
    for (const location of this.linkLocations()) {
      let scan = this.linked.get(location);
      if (!scan) {
        scan = this.scanLinks(location);
        this.linked.set(location, scan);
      }
      linked.push(...(await scan).get(key) ?? []);
    }
    let indexed = this.indexed.get(key);
    if (!indexed) {
      indexed = this.scanIndexes(key);
      this.indexed.set(key, indexed);
    }
    return [...linked, ...await indexed];
  }

  /**
   * The locations searched for `key`, for error messages; missing local
   * ones are marked `(not found)`, pages that could not be read with why.
   */
  searched(key: string): string[] {
    const mark = (location: string) => {
      if (this.missing.has(location)) return `${clipped(location)} (not found)`;
      const reason = this.unreadable.get(location) ??
        this.skipped.get(location);
      return reason
        ? `${clipped(location)} (${oneLine(reason)})`
        : clipped(location);
    };
    const { indexes, cacheDirectory } = this.options;
    const result = [...this.readable(this.findLinks).map(mark)];
    for (const index of this.readable(indexes)) {
      result.push(mark(indexPage(index, key)));
    }
    if (cacheDirectory) result.push(mark(cacheDirectory));
    return result;
  }

  /**
   * The file names of the Python distributions (wheels, eggs) that the
   * locations read offer for `key`, in name order: not ours to install,
   * but what a user who finds nothing else needs to be told.
   */
  pythonOffered(key: string): string[] {
    return [...this.python.get(key) ?? []].sort();
  }

  /** Notes the Python distributions among `filenames`, for `key` only if given. */
  private notePython(filenames: string[], key?: string): void {
    for (const filename of filenames) {
      const found = pythonDistKey(filename);
      if (!found || (key !== undefined && found !== key)) continue;
      const names = this.python.get(found);
      if (names) names.add(filename);
      else this.python.set(found, new Set([filename]));
    }
  }

  /** Locations that may be read: all, or only local ones offline. */
  private readable(locations: string[]): string[] {
    if (!this.options.offline) return locations;
    return locations.filter((l) => !isUrl(l) || l.startsWith("file:"));
  }

  /** The find-links locations to read, the download cache's last. */
  private linkLocations(): string[] {
    const locations = [...this.readable(this.findLinks)];
    const { cacheDirectory } = this.options;
    if (cacheDirectory) locations.push(cacheDirectory);
    return locations;
  }

  private async scanLinks(
    location: string,
  ): Promise<Map<string, Candidate[]>> {
    const byKey = new Map<string, Candidate[]>();
    for (const candidate of await this.scanLocation(location)) {
      const list = byKey.get(candidate.key);
      if (list) list.push(candidate);
      else byKey.set(candidate.key, [candidate]);
    }
    return byKey;
  }

  private async scanLocation(location: string): Promise<Candidate[]> {
    if (!isUrl(location)) return this.scanPath(location, location);
    if (location.startsWith("file:")) {
      return this.scanPath(fileUrlPath(location), location);
    }
    const direct = linkCandidate(location);
    if (direct) return await this.allowed([direct], location, true);
    if (/#egg=/.test(location)) {
      throw new UserError(
        `The find-links URL ${
          clipped(location)
        } has an #egg= fragment that is not NAME-VERSION: write the ` +
          "name and version of the distribution it holds (#egg=spam-1.0), " +
          "since distributions are picked by version",
      );
    }
    // A wheel or egg is no page: reading it would only say it is not HTML.
    const filename = urlFilename(location);
    if (filename && pythonDistKey(filename)) {
      throw notALocation(location, "an HTML page", filename);
    }
    const page = await this.readPage(location, true);
    if (!page) return [];
    const offered = await pageOffers(page, "find-links");
    this.notePython(offered.python);
    return await this.allowed(offered.candidates, location, false);
  }

  /**
   * `candidates` less those on hosts `allow-hosts` leaves out: setuptools
   * skips such links, so what an allowed host offers is still got.
   */
  private async allowed(
    candidates: Candidate[],
    location: string,
    direct: boolean,
  ): Promise<Candidate[]> {
    const result: Candidate[] = [];
    for (const candidate of candidates) {
      if (
        candidate.local ||
        await this.options.transport.allows(candidate.location)
      ) {
        result.push(candidate);
        continue;
      }
      const refused = `host '${
        new URL(candidate.location).host
      }' is not in allow-hosts`;
      logger.debug(`Link to ${candidate.location} skipped: ${refused}`);
      this.skipped.set(
        location,
        direct ? refused : "links to hosts not in allow-hosts skipped",
      );
    }
    return result;
  }

  /**
   * The page at `location`; undefined, with a warning, when it cannot be
   * read (a find-links page that is not found too; an index has no page
   * for projects it does not hold).
   */
  private async readPage(
    location: string,
    required: boolean,
  ): Promise<Page | undefined> {
    let reason;
    try {
      const page = await this.reading.run(
        location,
        "later",
        () => this.options.transport.readPage(location),
      );
      if (page || !required) return page;
      reason = "HTTP Error 404: Not Found";
    } catch (err) {
      if (!(err instanceof UnreadablePage)) throw err;
      reason = err.reason;
    }
    logger.warn(
      oneLine(
        `Download error on ${
          clipped(location)
        }: ${reason} -- Some packages may not be found!`,
      ),
    );
    this.unreadable.set(location, reason);
    return undefined;
  }

  /**
   * A directory's archives, or the archive `path` itself; the Python
   * distributions beside them are noted, for `key` only if given.
   */
  private scanPath(path: string, location: string, key?: string): Candidate[] {
    if (location === this.options.cacheDirectory) refuseInCachePlace(path);
    const listing = localListing(path, location);
    if (!listing) this.missing.add(location);
    this.notePython(listing?.python ?? [], key);
    return (listing?.archives ?? []).map(({ path, ...found }) => ({
      ...found,
      location: path,
      local: true,
    }));
  }

  private async scanIndexes(key: string): Promise<Candidate[]> {
    const result: Candidate[] = [];
    for (const index of this.readable(this.options.indexes)) {
      const location = indexPage(index, key);
      if (!isUrl(location)) {
        result.push(...this.scanPath(location, location, key));
      } else if (location.startsWith("file:")) {
        result.push(...this.scanPath(fileUrlPath(location), location, key));
      } else {
        const page = await this.readPage(location, false);
        if (page) {
          const offered = await pageOffers(page, "index");
          this.notePython(offered.python, key);
          result.push(
            ...await this.allowed(
              offered.candidates.filter((c) => c.key === key),
              location,
              false,
            ),
          );
        }
      }
    }
    return result;
  }
}

/** `<index>/<key>/`. */
function indexPage(index: string, key: string): string {
  if (!isUrl(index)) return join(index, key);
  return index.replace(/\/*$/, "/") + encodeURIComponent(key) + "/";
}

/** The file name a link's path ends with, decoded. */
function linkFilename(parsed: URL): string | undefined {
  try {
    return decodeURIComponent(parsed.pathname.split("/").pop() ?? "");
  } catch {
    return undefined;
  }
}

/** The file name `url`'s path ends with, decoded; undefined for no URL. */
function urlFilename(url: string): string | undefined {
  try {
    return linkFilename(new URL(url));
  } catch {
    return undefined;
  }
}

/**
 * The archive a link points to, with the digest of its fragment; one
 * whose file name names no distribution by its `#egg=` fragment, which it
 * keeps.
 */
function linkCandidate(url: string): Candidate | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const filename = linkFilename(parsed);
  if (filename === undefined) return undefined;
  const named = parseArchiveName(filename);
  const found = named ?? parseEggFragment(parsed.hash);
  if (!found) return undefined;
  const digest = /^#(md5|sha256)=([0-9a-f]+)$/i.exec(parsed.hash);
  if (named) parsed.hash = "";
  const candidate: Candidate = {
    ...found,
    filename,
    location: parsed.href,
    local: parsed.protocol === "file:",
  };
  if (candidate.local) {
    // A link to another host's file names nothing here, like a broken link.
    try {
      candidate.location = fileURLToPath(parsed);
    } catch {
      return undefined;
    }
  }
  if (digest) {
    candidate[digest[1].toLowerCase() as "md5" | "sha256"] = digest[2];
  }
  return candidate;
}

/** What a page links to. */
interface PageOffers {
  candidates: Candidate[];
  /** File names of the Python distributions (wheels, eggs) linked. */
  python: string[];
}

/**
 * The archives a page links to, and the Python distributions.
 *
 * @throws {UserError} when the page is not HTML.
 */
async function pageOffers(
  page: Page,
  kind: string,
): Promise<PageOffers> {
  const type = page.contentType?.split(";")[0].trim().toLowerCase();
  const declared = type === undefined || type === "" || type.includes("html");
  // Servers label unknown files text/html too: HTML has tags, and no NUL.
  // The reason names what refused a page its Content-Type calls HTML.
  const reason = !declared
    ? `Content-Type: ${clipped(type)}`
    : page.text.includes("\0")
    ? "it holds a NUL character"
    : page.text.trim() && !/<[a-z!/]/i.test(page.text)
    ? "it has no HTML tags"
    : undefined;
  if (reason) {
    throw new UserError(
      `The ${kind} page ${clipped(page.url)} is not an HTML page (${reason})`,
    );
  }
  const offers: PageOffers = { candidates: [], python: [] };
  for (const link of await htmlLinks(page.text, page.url)) {
    const candidate = linkCandidate(link);
    if (candidate) {
      offers.candidates.push(candidate);
      continue;
    }
    const filename = urlFilename(link);
    if (filename && pythonDistKey(filename)) offers.python.push(filename);
  }
  return offers;
}
