/**
 * Reads a configuration file from a URL: http(s) with the runtime's `fetch`,
 * `file:` from disk. The fetcher issue extends this with the extends cache
 * and offline rules.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.ts";

/** Options of the fetch; `timeoutSeconds` bounds the whole request. */
export interface FetchTextOptions {
  timeoutSeconds?: number;
}

/**
 * Returns the text at `url`.
 *
 * @throws {UserError} `Error downloading extends for URL <url>: <reason>`.
 */
export async function fetchText(
  url: string,
  options: FetchTextOptions = {},
): Promise<string> {
  const fail = (reason: string) =>
    new UserError(`Error downloading extends for URL ${url}: ${reason}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw fail("invalid URL");
  }
  if (parsed.protocol === "file:") {
    try {
      return readFileSync(fileURLToPath(parsed), "utf8");
    } catch (err) {
      throw fail((err as Error).message);
    }
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw fail(`unsupported URL scheme '${parsed.protocol.slice(0, -1)}'`);
  }
  const timeout = options.timeoutSeconds ?? 60;
  let response: Response;
  try {
    response = await fetch(url, {
      redirect: "follow",
      signal: AbortSignal.timeout(timeout * 1000),
    });
  } catch (err) {
    throw fail(describeNetworkError(err));
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw fail(`HTTP Error ${response.status}: ${response.statusText}`.trim());
  }
  return await response.text();
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError") return "timed out";
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message) return cause.message;
    return err.message;
  }
  return String(err);
}
