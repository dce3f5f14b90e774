/**
 * Reading a link or index page over HTTP(S), through the fetcher's HTTP
 * client: redirects checked against `allow-hosts`, `socket-timeout` on
 * every pause, transient failures retried. Pages are never cached: they
 * change whenever a distribution is published.
 */
import { Buffer } from "node:buffer";
import { gunzipSync } from "node:zlib";
import { DownloadError } from "../fetch/errors.ts";
import {
  DEFAULT_HTTP_SETTINGS,
  httpGet,
  type HttpSettings,
  type ResponseHead,
} from "../fetch/http.ts";
import { type Page, UnreadablePage } from "./transport.ts";

/**
 * The page at `url`, undefined for 404 Not Found.
 *
 * @throws {UnreadablePage} for any other failure.
 */
export async function readPage(
  url: string,
  settings: HttpSettings = DEFAULT_HTTP_SETTINGS,
): Promise<Page | undefined> {
  let chunks: Uint8Array[] = [];
  let head: ResponseHead | undefined;
  try {
    await httpGet(url, {
      start(_length, response) {
        chunks = [];
        head = response;
      },
      write(chunk) {
        chunks.push(chunk);
      },
    }, settings);
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err;
    if (err.status === 404) return undefined;
    throw new UnreadablePage(url, err.reason);
  }
  let body: Uint8Array = Buffer.concat(chunks);
  // Some servers compress although asked not to; some runtimes decode.
  const encoding = head?.headers.get("content-encoding")?.toLowerCase();
  if (encoding?.includes("gzip") && body[0] === 0x1f && body[1] === 0x8b) {
    try {
      body = gunzipSync(body);
    } catch (err) {
      throw new UnreadablePage(
        url,
        `bad gzip data (${(err as Error).message})`,
      );
    }
  }
  return {
    url: head?.url ?? url,
    contentType: head?.headers.get("content-type") ?? undefined,
    text: new TextDecoder().decode(body),
  };
}
