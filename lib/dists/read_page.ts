/**
 * Reading a link or index page over HTTP(S). Pages are never cached: they
 * change whenever a distribution is published.
 */
import { UserError } from "../errors.ts";
import type { Page } from "./transport.ts";

/**
 * The page at `url`, undefined for 404 Not Found; `timeoutSeconds`
 * bounds the whole request.
 *
 * @throws {UserError} `Couldn't read URL: REASON` for any other failure.
 */
export async function readPage(
  url: string,
  timeoutSeconds = 60,
): Promise<Page | undefined> {
  const fail = (reason: string) =>
    new UserError(`Couldn't read ${url}: ${reason}`);
  let response: Response;
  try {
    response = await fetch(url, {
      redirect: "follow",
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
  } catch (err) {
    throw fail(networkReason(err));
  }
  if (!response.ok) {
    await response.body?.cancel();
    if (response.status === 404) return undefined;
    throw fail(`HTTP Error ${response.status}: ${response.statusText}`.trim());
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw fail(networkReason(err));
  }
  return {
    url: response.url || url,
    contentType: response.headers.get("content-type") ?? undefined,
    text,
  };
}

function networkReason(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError") return "timed out";
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message) return cause.message;
    return err.message;
  }
  return String(err);
}
