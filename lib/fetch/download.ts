/**
 * zc.buildout's download utility: fetch a URL or a local file, optionally
 * through a download cache, optionally checking its MD5 or SHA-256.
 *
 * ```ts
 * const download = new Download(buildout.section("buildout"), { namespace: "cmmi" });
 * const { path, isTemp } = await download.download(url, { md5 });
 * ```
 *
 * Without a cache a URL lands in a temporary file (removed when the run
 * ends), local files are used where they are. With a cache a file is
 * stored under its base name (or the MD5 of its URL with `hashName`), in
 * the `namespace` sub-directory, and later calls use the cached copy without
 * contacting the server; with `fallback` the server is tried first and the
 * cached copy used only when it fails or when offline. Offline, a URL with
 * no cached copy is an error and no socket is opened. `path` receives a copy.
 *
 * Nothing partial is ever visible: every file is written under a hidden
 * temporary name in its final directory and renamed once complete and
 * checked, so a killed run or two runs sharing a cache never see half a
 * file. Temporaries of killed runs are swept on a later run.
 */
import type { Hash } from "node:crypto";
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  writeSync,
} from "node:fs";
import { basename, join, resolve, sep } from "node:path";
import process from "node:process";
import { clipped, fsReason, oneLine, UserError } from "../errors.ts";
import { createHash } from "../lazy_crypto.ts";
import { updateFromFile } from "../hash_file.ts";
import { urlPath, urlPathWithParams } from "./url_path.ts";
import { localPath } from "./local_path.ts";
import { parsedUrl } from "./parsed_url.ts";
import {
  exists,
  isDirectory,
  isFile,
  isWritable,
  specialFile,
} from "../fs_kinds.ts";
import { pyRepr } from "../pyrepr.ts";
import { whatStandsAt } from "../what_stands_at.ts";
import {
  effectiveLevel,
  LEVELS,
  logger as buildoutLogger,
  writeStanding,
} from "../log.ts";
import type {
  DownloadOptions,
  DownloadResult,
  RecipeLogger,
} from "../recipe/api.ts";
import {
  ChecksumError,
  DownloadError,
  OfflineError,
  REFETCH_REMEDY,
} from "./errors.ts";
import {
  type BodySink,
  httpGet,
  type HttpSettings,
  httpSettings,
} from "./http.ts";
import { copyFile } from "./copy_file.ts";
import { copyTree } from "./copy_tree.ts";
import { hiddenTemp, sweepAbandoned } from "./hidden_temp.ts";
import { Progress } from "./progress.ts";
import { redactPasswords } from "../redact_passwords.ts";
import { systemTempFile } from "./system_temp.ts";
import { removeTempFile, untrackTempFile } from "./temp_files.ts";

/** The `[buildout]` options a download reads; a Map or an Options. */
export interface OptionSource {
  get(name: string): string | undefined;
}

/**
 * How a {@link Download} behaves: the recipe API's per-call options other
 * than the request's, each overriding the buildout option, plus HTTP
 * settings (`socket-timeout`, `allow-hosts`).
 */
export type DownloadSettings =
  & Omit<DownloadOptions, keyof DownloadRequest>
  & {
    http?: Partial<HttpSettings>;
    /**
     * Checks a complete download before it is used or replaces a cached
     * copy; what it throws keeps the copy (in fall-back mode the copy is
     * then used).
     */
    accept?: (path: string) => void;
  };

/**
 * What one download checks (`md5`, `sha256`), where it copies to and where
 * else it may fetch from.
 */
export type DownloadRequest = Pick<
  DownloadOptions,
  "md5" | "sha256" | "path" | "alternateUrl"
>;

/** The cache namespace of distributions. */
export const DIST_NAMESPACE = "dist";

/** A logger dropping everything: configuration is read before logging is set up. */
export const silentLogger: RecipeLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * Every remote URL served from or stored in a download cache during this
 * run, and the alternate URLs of those: `bundle` checks that the parts'
 * URLs are all here.
 */
export const cachedUrls: Set<string> = new Set();

/** zc.buildout's `Download`; see the module documentation. */
export class Download {
  /** True when only local files and cached copies may be used. */
  readonly offline: boolean;
  readonly fallback: boolean;
  readonly hashName: boolean;
  readonly namespace?: string;
  /** The cache's root directory, absolute; undefined without a cache. */
  readonly downloadCache?: string;
  readonly http: HttpSettings;
  private readonly logger: RecipeLogger;
  private readonly accept?: (path: string) => void;

  constructor(
    options: OptionSource = new Map(),
    settings: DownloadSettings = {},
  ) {
    const cache = settings.cache !== undefined
      ? settings.cache
      : options.get("download-cache");
    if (cache) {
      this.downloadCache = resolve(options.get("directory") ?? "", cache);
    }
    this.namespace = settings.namespace || undefined;
    this.hashName = settings.hashName ?? false;
    this.fallback = settings.fallback ?? false;
    this.offline = settings.offline ??
      (options.get("offline") === "true" ||
        options.get("install-from-cache") === "true");
    this.logger = settings.logger ?? buildoutLogger;
    this.http = { ...httpSettings(options), ...settings.http };
    this.accept = settings.accept;
  }

  /** The directory cached copies go to; undefined without a cache. */
  get cacheDir(): string | undefined {
    if (this.downloadCache === undefined) return undefined;
    return this.namespace
      ? join(this.downloadCache, this.namespace)
      : this.downloadCache;
  }

  /**
   * Downloads `url` (a URL or a local path).
   *
   * @throws {ChecksumError} when the MD5 or SHA-256 does not match.
   * @throws {DownloadError} when the server or the network fails.
   * @throws {UserError} offline without a cached copy, for a missing cache
   *   directory, when a file cannot be written, for a URL holding a
   *   control character and for a `file:` URL naming no local path.
   */
  async download(
    url: string,
    request: DownloadRequest = {},
  ): Promise<DownloadResult> {
    if (holdsControlCharacters(url)) {
      throw new UserError(
        `URL can't contain control characters: ${clipped(url, pyRepr)}`,
      );
    }
    const expected = expectedSums(request);
    if (this.downloadCache !== undefined) {
      const result = await this.downloadCached(
        url,
        expected,
        request.path,
        request.alternateUrl,
      );
      if (localPath(url) === undefined) cachedUrls.add(url);
      // Its copy is cached under url's name, where an offline run looks.
      if (request.alternateUrl !== undefined) {
        cachedUrls.add(request.alternateUrl);
      }
      return result;
    }
    return await this.fetch(
      url,
      expected,
      request.path,
      request.alternateUrl,
    );
  }

  /** The name of `url`'s cached copy. */
  filename(url: string): string {
    if (this.hashName) return md5Hex(url);
    const name = urlPath(url).split("/").filter(Boolean).pop();
    if (name && name !== "." && name !== "..") return name;
    return md5Hex(url);
  }

  /**
   * The names `url`'s cached copy may have, {@link filename} first:
   * earlier releases kept the `;params` of a URL's last segment in it
   * (`x.tar.gz;jsessionid=1`), and a cache they filled is still read.
   */
  cacheNames(url: string): string[] {
    const name = this.filename(url);
    if (this.hashName) return [name];
    const earlier = urlPathWithParams(url).split("/").filter(Boolean).pop();
    return earlier && earlier !== name && earlier.startsWith(`${name};`)
      ? [name, earlier]
      : [name];
  }

  /**
   * `url` through the cache, copied to `path` when given: `stored` when
   * this call fetched the cached copy, `cached` when it found it.
   */
  private async downloadCached(
    url: string,
    expected: ExpectedSums,
    path: string | undefined,
    alternate: string | undefined,
  ): Promise<DownloadResult> {
    const root = this.downloadCache!;
    if (!isDirectory(root)) {
      throw new UserError(
        `The directory:\n${
          clipped(root, pyRepr)
        }\nto be used as a download cache ` +
          // Through links: one to a disk not mounted names no directory.
          (existsSync(root) ? "is not a directory." : "doesn't exist."),
      );
    }
    const cacheDir = this.cacheDir!;
    const names = this.cacheNames(url).map((name) => join(cacheDir, name));
    const cached = names.find((name) => isCachedCopy(name, url)) ?? names[0];
    // Checked before the namespace is made: a cache on a read-only mount
    // missing one names the URL it lacks, not the directory.
    if (this.offline && localPath(url) === undefined && !isFile(cached)) {
      throw offlineMiss(url, cached);
    }
    if (!isDirectory(cacheDir)) {
      try {
        // Recursive: another run may be creating it at the same moment.
        mkdirSync(cacheDir, { recursive: true });
      } catch (err) {
        // "file exists" would hide what: a file, or a link whose target is
        // gone (a shared cache's namespace on a disk not mounted).
        const found = (err as { code?: string }).code === "EEXIST"
          ? whatStandsAt(cacheDir, "directory")
          : undefined;
        throw uncreatableCacheDirectory(
          cacheDir,
          found === undefined ? fsReason(err) : `it ${found}`,
        );
      }
    }
    sweepAbandoned(cacheDir);
    // As zc.buildout prints os.path.join(cache, namespace or ""): a
    // cache without a namespace ends in "/".
    this.logger.debug(
      `Searching cache at ${this.namespace ? cacheDir : join(cacheDir, sep)}`,
    );
    if (!isCachedCopy(cached, url)) {
      this.logger.debug(`Cache miss; will cache ${url} as ${cached}`);
      return this.storedAt(
        cached,
        path,
        await this.fetch(url, expected, cached, alternate),
      );
    }
    if (this.fallback) {
      // A cache this user cannot refresh (another user's, a read-only
      // mount) must not hide what the server has now behind its old copy.
      const refresh = isWritable(cacheDir);
      try {
        if (!refresh) return await this.fetch(url, expected, path, alternate);
        return this.storedAt(
          cached,
          path,
          await this.fetch(url, expected, cached, alternate),
        );
      } catch (err) {
        if (err instanceof ChecksumError) throw err;
        this.logger.debug(`Using the cached copy of ${url}: ${message(err)}`);
      }
    }
    const mismatch = mismatchOf(hashFile(cached, expected), expected);
    if (mismatch) {
      throw new ChecksumError(
        `${mismatch} checksum mismatch for cached download from ${
          pyRepr(url)
        } at ${pyRepr(cached)}`,
      );
    }
    this.logger.debug(`Using cache file ${cached}`);
    return { path: locateAt(cached, path), isTemp: false, cached };
  }

  /**
   * The result of a download `fetched` into the cache as `cached`, copied
   * to `path` when given.
   */
  private storedAt(
    cached: string,
    path: string | undefined,
    fetched: DownloadResult,
  ): DownloadResult {
    const result: DownloadResult = {
      path: locateAt(cached, path),
      isTemp: false,
      stored: cached,
    };
    if (fetched.fetchedFrom) result.fetchedFrom = fetched.fetchedFrom;
    return result;
  }

  /**
   * {@link fetchFrom} `url`, or from `alternate` when `url` cannot be
   * downloaded (the result then says so): a checksum mismatch or offline
   * mode is final.
   *
   * @throws {DownloadError} naming both failures when neither URL can be
   * downloaded: the first is only logged, which `-q` hides.
   */
  private async fetch(
    url: string,
    expected: ExpectedSums,
    target: string | undefined,
    alternate: string | undefined,
  ): Promise<DownloadResult> {
    try {
      return await this.fetchFrom(url, expected, target);
    } catch (err) {
      if (alternate === undefined || !(err instanceof DownloadError)) {
        throw err;
      }
      if (holdsControlCharacters(alternate)) {
        throw new DownloadError(
          url,
          `${err.reason}; the alternate URL ${
            clipped(alternate)
          } can't contain control characters`,
        );
      }
      this.logger.info(`${err.message}; trying the alternate URL`);
      try {
        return {
          ...await this.fetchFrom(alternate, expected, target),
          fetchedFrom: alternate,
        };
      } catch (second) {
        if (!(second instanceof DownloadError)) throw second;
        throw new DownloadError(
          url,
          `${err.reason}; the alternate URL ${
            clipped(alternate)
          } failed too: ${second.reason}`,
        );
      }
    }
  }

  /**
   * zc.buildout's `Download.download`: `url` to `target`, or to a new
   * temporary file when no target is given.
   */
  private async fetchFrom(
    url: string,
    expected: ExpectedSums,
    target: string | undefined,
  ): Promise<DownloadResult> {
    const local = localPath(url);
    if (local !== undefined) {
      this.logger.debug(`Using local resource ${url}`);
      if (!exists(local)) {
        throw new DownloadError(url, "no such file or directory");
      }
      const mismatch = mismatchOf(hashFile(local, expected), expected);
      if (mismatch) {
        throw new ChecksumError(
          `${mismatch} checksum mismatch for local resource at ${
            pyRepr(local)
          }.`,
        );
      }
      return { path: locateAt(local, target), isTemp: false };
    }
    if (this.offline) {
      throw new OfflineError(
        url,
        `Couldn't download ${clipped(url, pyRepr)} in offline mode.`,
      );
    }
    const parsed = parsedUrl(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      const scheme = parsed.protocol.slice(0, -1);
      throw new DownloadError(url, `unsupported URL scheme '${scheme}'`);
    }
    this.logger.info(`Downloading ${url}`);
    const temp = target === undefined
      ? systemTempFile(basename(parsed.pathname))
      : hiddenTemp(target);
    const file = new TempFileSink(temp, target ?? temp, expected, url);
    try {
      await httpGet(url, file, {
        ...this.http,
        // A retried download takes longer: the log says why, as a warning
        // (a server failed), which loggers hiding "Downloading" still show.
        onRetry: (reason) =>
          this.logger.warn(`Downloading ${url} again: ${reason}`),
      });
      file.close();
      const mismatch = file.mismatch();
      if (mismatch) {
        throw new ChecksumError(
          `${mismatch} checksum mismatch downloading ${pyRepr(url)}`,
        );
      }
      this.accept?.(temp);
      if (target === undefined) return { path: temp, isTemp: true };
      renameInto(temp, target);
      return { path: target, isTemp: false };
    } catch (err) {
      file.close();
      removeTempFile(temp);
      throw err;
    }
  }
}

type Algorithm = "md5" | "sha256";
type ExpectedSums = Partial<Record<Algorithm, string>>;
const ALGORITHM_NAMES: Record<Algorithm, string> = {
  md5: "MD5",
  sha256: "SHA-256",
};

function expectedSums(request: DownloadRequest): ExpectedSums {
  const expected: ExpectedSums = {};
  if (request.md5) expected.md5 = request.md5.trim().toLowerCase();
  if (request.sha256) expected.sha256 = request.sha256.trim().toLowerCase();
  return expected;
}

function newHashes(expected: ExpectedSums): Map<Algorithm, Hash> {
  const hashes = new Map<Algorithm, Hash>();
  for (const algorithm of Object.keys(expected) as Algorithm[]) {
    hashes.set(algorithm, createHash(algorithm));
  }
  return hashes;
}

/** The name of the first checksum that does not match, if any. */
function mismatchOf(
  hashes: Map<Algorithm, Hash>,
  expected: ExpectedSums,
): string | undefined {
  for (const [algorithm, hash] of hashes) {
    if (hash.digest("hex") !== expected[algorithm]) {
      return ALGORITHM_NAMES[algorithm];
    }
  }
  return undefined;
}

/** The requested hashes of a local file, read once in chunks. */
function hashFile(path: string, expected: ExpectedSums): Map<Algorithm, Hash> {
  const hashes = newHashes(expected);
  if (!hashes.size) return hashes;
  // Reading one would block the run (a FIFO without a writer), where no
  // signal can end it, or never end (/dev/zero).
  const special = specialFile(path);
  if (special) {
    throw new UserError(
      oneLine(`Couldn't read ${path}: it is a ${special}, not a file`),
    );
  }
  try {
    updateFromFile(path, [...hashes.values()]);
  } catch (err) {
    throw new UserError(oneLine(`Couldn't read ${path}: ${fsReason(err)}`));
  }
  return hashes;
}

/** Writes a response body to a file, hashing it on the way. */
class TempFileSink implements BodySink {
  private fd?: number;
  private position = 0;
  private hashes: Map<Algorithm, Hash>;
  private progress?: Progress;

  /**
   * Writes `path`; errors name `shownPath`, where the file is going, and
   * the progress bar names the base name of `url`.
   */
  constructor(
    private readonly path: string,
    private readonly shownPath: string,
    private readonly expected: ExpectedSums,
    private readonly url: string,
  ) {
    this.hashes = newHashes(expected);
  }

  start(length: number | undefined): void {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.path, "wx");
      } catch (err) {
        throw writeError(this.shownPath, err);
      }
    } else {
      ftruncateSync(this.fd, 0);
    }
    this.position = 0;
    this.hashes = newHashes(this.expected);
    this.progress?.done();
    // A URL naming no file is shown whole: its password hidden, as in logs.
    const label = basename(new URL(this.url).pathname) ||
      redactPasswords(this.url);
    this.progress = new Progress(label, length, STDERR);
  }

  write(chunk: Uint8Array): void {
    let offset = 0;
    try {
      while (offset < chunk.length) {
        offset += writeSync(
          this.fd!,
          chunk,
          offset,
          chunk.length - offset,
          this.position + offset,
        );
      }
    } catch (err) {
      throw writeError(this.shownPath, err);
    }
    this.position += chunk.length;
    for (const hash of this.hashes.values()) hash.update(chunk);
    this.progress?.update(chunk.length);
  }

  close(): void {
    this.progress?.done();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  mismatch(): string | undefined {
    return mismatchOf(this.hashes, this.expected);
  }
}

// A dumb terminal (Emacs's shell, some CI consoles) shows escapes as text.
// Looked at on the first download, not when the module loads: every
// install loads it, and making process.stderr costs Bun ~2 ms.
let barTerminal: boolean | undefined;

const STDERR = {
  // `-q` hides the bar with the `Downloading` line, as `wget -q` does.
  get isTTY() {
    barTerminal ??= process.stderr.isTTY && process.env.TERM !== "dumb";
    return barTerminal && effectiveLevel() <= LEVELS.INFO;
  },
  // Read at each redraw: a window made narrower than the bar would wrap
  // it, and each redraw would leave a line behind. A pseudo-terminal may
  // report 0 columns (script, some CI consoles): then COLUMNS, as shells
  // and Python's shutil.get_terminal_size read it.
  get columns() {
    const named = Number(process.env.COLUMNS);
    return process.stderr.columns ||
      (Number.isInteger(named) && named > 0 ? named : 80);
  },
  write: writeStanding,
};

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]+:/;
const CONTROL = /\p{Cc}/u;

/**
 * True when `url` holds a control character, which URL parsers drop (tabs,
 * line breaks): a `url` or `alternate-url` option written over two lines
 * would fetch the two URLs run together.
 */
function holdsControlCharacters(url: string): boolean {
  return SCHEME.test(url) && CONTROL.test(url);
}

/**
 * The error for `url`, offline, whose cached copy `cached` is no file to
 * use: the reference's when nothing is there, else one naming what stands
 * in its place (a directory, a link whose target moved away, a path that
 * cannot be looked at), which a plain "offline" would hide.
 */
function offlineMiss(url: string, cached: string): UserError {
  const offline = `Couldn't download ${clipped(url, pyRepr)} in offline mode`;
  const found = whatStandsAt(cached, "file");
  if (found === undefined) return new OfflineError(url, `${offline}.`);
  // A path that cannot be looked at (a name too long, a cache this user
  // may not search) holds nothing to remove.
  const remedy = exists(cached) ? REMEDY : "";
  return new UserError(
    `${offline}: its cached copy ${clipped(cached, pyRepr)} ${found}${remedy}`,
  );
}

const REMEDY = ` (${REFETCH_REMEDY})`;

/**
 * Whether `cached` is a copy of `url` to use: a file, or the copy of a
 * local directory (which the cache holds as a directory, and a later run
 * could not replace by rename).
 */
function isCachedCopy(cached: string, url: string): boolean {
  if (isFile(cached)) return true;
  const local = localPath(url);
  return local !== undefined && isDirectory(local) && isDirectory(cached);
}

function md5Hex(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The error for the download cache's directory `cacheDir` (a namespace,
 * `dist`) that could not be made, for `reason`.
 *
 * @example uncreatableCacheDirectory("/c/dist", "it is a file, not a directory")
 */
export function uncreatableCacheDirectory(
  cacheDir: string,
  reason: string,
): UserError {
  return new UserError(
    `Couldn't create ${pyRepr(cacheDir)} in the download cache: ${reason}`,
  );
}

function writeError(path: string, err: unknown): UserError {
  return new UserError(`Couldn't write ${pyRepr(path)}: ${fsReason(err)}`);
}

function renameInto(temp: string, target: string): void {
  try {
    renameSync(temp, target);
  } catch (err) {
    throw writeError(target, err);
  }
  untrackTempFile(temp);
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/**
 * zc.buildout's `locate_at`: `source` itself when `dest` is absent or the
 * same file, else a copy at `dest` (a directory is copied whole).
 */
function locateAt(source: string, dest: string | undefined): string {
  if (dest === undefined || samePath(source, dest)) return source;
  const temp = hiddenTemp(dest);
  try {
    if (isDirectory(source)) copyTree(source, temp);
    else copyFile(source, temp);
  } catch (err) {
    removeTempFile(temp);
    throw err instanceof UserError ? err : writeError(dest, err);
  }
  try {
    renameInto(temp, dest);
  } catch (err) {
    removeTempFile(temp);
    throw err;
  }
  return dest;
}
