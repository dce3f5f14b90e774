/**
 * Typed errors of the fetcher, so callers and tests match on the class and
 * the fields rather than on message text. All are user errors: printed as
 * `Error: message` without a stack.
 */
import { clipped, oneLine, UserError } from "../errors.ts";

/**
 * A checksum did not match; the messages are the reference's:
 * `MD5 checksum mismatch downloading 'URL'` and its two siblings.
 */
export class ChecksumError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "ChecksumError";
  }
}

/**
 * A URL could not be fetched: `Error downloading URL: reason`. `reason`
 * alone is what callers with their own wording (the extends loader) reuse;
 * `status` is the HTTP status of a refusal such as 404.
 */
export class DownloadError extends UserError {
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly status?: number,
  ) {
    super(oneLine(`Error downloading ${clipped(url)}: ${reason}`));
    this.name = "DownloadError";
  }
}

/** A body larger than the download accepts (`HttpSettings.maxBytes`). */
export class BodyTooLarge extends DownloadError {
  constructor(url: string, readonly limit: number) {
    super(url, `more than ${limit} bytes`);
    this.name = "BodyTooLarge";
  }
}

/**
 * Offline (or installing from the cache only), a URL had to be fetched:
 * `Couldn't download 'URL' in offline mode.`
 */
export class OfflineError extends UserError {
  constructor(readonly url: string, message: string) {
    super(message);
    this.name = "OfflineError";
  }
}

/**
 * A configuration file named by URL could not be downloaded, for another
 * reason than its absence: `Error downloading extends for URL URL: reason`.
 */
export class ExtendsDownloadError extends UserError {
  constructor(readonly url: string, reason: string) {
    super(
      oneLine(`Error downloading extends for URL ${clipped(url)}: ${reason}`),
    );
    this.name = "ExtendsDownloadError";
  }
}

/**
 * What to do about a damaged copy in a download or extends cache: the
 * cache keeps it (the user decides), and every run would use it again.
 */
export const REFETCH_REMEDY =
  "remove it, then run with network to download it again";
