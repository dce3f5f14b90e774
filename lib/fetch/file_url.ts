/** The local path of a `file:` URL, for downloads, templates and links. */
import { fileURLToPath } from "node:url";
import { clipped, UserError } from "../errors.ts";
import { pyRepr } from "../pyrepr.ts";

/**
 * The local path a `file:` URL names.
 *
 * @example fileUrlPath("file:///srv/a%20b.cfg") // "/srv/a b.cfg"
 * @throws {UserError} for another host, an encoded `/` or a malformed URL.
 */
export function fileUrlPath(url: string): string {
  try {
    return fileURLToPath(new URL(url));
  } catch (err) {
    const code = (err as { code?: string }).code;
    const reason = code === "ERR_INVALID_FILE_URL_HOST"
      ? "its host is not localhost"
      : code === "ERR_INVALID_FILE_URL_PATH"
      ? "its path holds an encoded /"
      : "not a valid URL";
    throw new UserError(
      `The file: URL ${clipped(url, pyRepr)} names no local file: ${reason}`,
    );
  }
}
