/**
 * What distribution lookup needs from the outside world: link pages,
 * archives (through the download cache) and unpacking. The real
 * implementation sits on the fetcher and archive modules; tests pass fakes.
 */
import { UserError } from "../errors.ts";
import type { DownloadResult } from "../recipe/api.ts";

/** A fetched link page. */
export interface Page {
  /** The address the page came from, after redirects. */
  url: string;
  /** The `Content-Type` header, when the server sent one. */
  contentType?: string;
  text: string;
}

/** A page that could not be read: `Couldn't read URL: REASON`. */
export class UnreadablePage extends UserError {
  constructor(readonly url: string, readonly reason: string) {
    super(`Couldn't read ${url}: ${reason}`);
    this.name = "UnreadablePage";
  }
}

/** Expected digests of an archive, from a link's `#md5=` or `#sha256=`. */
export interface Checksums {
  md5?: string;
  sha256?: string;
}

/** The fetch and extract layer. */
export interface DistTransport {
  /**
   * The page at `url` (http, https); undefined when the server answers
   * 404 Not Found.
   *
   * @throws {UnreadablePage} for any other failure.
   */
  readPage(url: string): Promise<Page | undefined>;
  /**
   * A local copy of the archive at `url`, from the download cache when it
   * is there; `isTemp` when the caller must remove it.
   *
   * @throws {UserError} when it cannot be downloaded or fails a checksum.
   */
  fetchArchive(url: string, checksums: Checksums): Promise<DownloadResult>;
  /** True when `allow-hosts` lets the archive at `url` be downloaded. */
  allows(url: string): Promise<boolean>;
  /**
   * Unpacks `archive` into `destination`, a directory it creates, dropping
   * a single top-level directory (`package/` of an `npm pack` tarball).
   *
   * @throws {UserError} for a corrupt, truncated or unsafe archive.
   */
  extract(archive: string, destination: string): Promise<void>;
}
