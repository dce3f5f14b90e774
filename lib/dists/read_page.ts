/**
 * Reading a link or index page over HTTP(S), through the fetcher's HTTP
 * client: redirects checked against `allow-hosts`, `socket-timeout` on
 * every pause, transient failures retried. Pages are never cached: they
 * change whenever a distribution is published.
 */
import { Buffer } from "node:buffer";
import { gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import { BodyTooLarge, DownloadError } from "../fetch/errors.ts";
import {
  DEFAULT_HTTP_SETTINGS,
  httpGet,
  type HttpSettings,
  type ResponseHead,
} from "../fetch/http.ts";
import { type Page, UnreadablePage } from "./transport.ts";

/**
 * The largest page read, as sent and decoded (a quarter of a GiB in
 * memory while it is parsed): far more than link and index pages hold, a
 * bound on a server sending without end.
 */
const MAX_PAGE_BYTES = 2 ** 26;

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
    }, { ...settings, maxBytes: MAX_PAGE_BYTES });
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err;
    if (err.status === 404) return undefined;
    throw new UnreadablePage(url, err.reason);
  }
  let body: Uint8Array = Buffer.concat(chunks);
  // Some servers compress although asked not to; some runtimes decode.
  const encoding = head?.headers.get("content-encoding")?.trim().toLowerCase();
  const decode = encoding ? DECODERS[encoding] : undefined;
  if (decode && !looksDecoded(body, encoding!)) {
    try {
      body = await decode(body);
    } catch (err) {
      if (err instanceof DecodedTooLarge) {
        throw new UnreadablePage(
          url,
          new BodyTooLarge(url, MAX_PAGE_BYTES).reason,
        );
      }
      throw new UnreadablePage(
        url,
        `bad ${encoding} data (${(err as Error).message})`,
      );
    }
  }
  return {
    url: head?.url ?? url,
    contentType: head?.headers.get("content-type") ?? undefined,
    text: new TextDecoder().decode(body),
  };
}

/** Decoders of the content codings servers use; deflate with or without zlib's header. */
const DECODERS: Record<
  string,
  (data: Uint8Array) => Uint8Array | Promise<Uint8Array>
> = {
  gzip: (data) => bounded(() => gunzipSync(data, LIMIT)),
  "x-gzip": (data) => bounded(() => gunzipSync(data, LIMIT)),
  deflate: (data) =>
    bounded(() => {
      try {
        return inflateSync(data, LIMIT);
      } catch (err) {
        if (tooLarge(err)) throw err;
        return inflateRawSync(data, LIMIT);
      }
    }),
  br: unbrotli,
};

/** Decoding stops past the largest page: a small body may decode to GiBs. */
const LIMIT = { maxOutputLength: MAX_PAGE_BYTES };

/** A page that decodes to more than the largest page. */
class DecodedTooLarge extends Error {}

function tooLarge(err: unknown): boolean {
  return (err as { code?: unknown })?.code === "ERR_BUFFER_TOO_LARGE";
}

/** What `decode` returns; a {@link DecodedTooLarge} past the largest page. */
function bounded(decode: () => Uint8Array): Uint8Array {
  try {
    return decode();
  } catch (err) {
    if (tooLarge(err)) throw new DecodedTooLarge();
    throw err;
  }
}

/**
 * `data` decoded from br, read piece by piece to stop past the largest
 * page. Not brotliDecompressSync: Deno's returns what it could decode of
 * corrupt or cut-off data, without an error.
 */
async function unbrotli(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("brotli" as CompressionFormat));
  const pieces: Uint8Array[] = [];
  let size = 0;
  for await (const piece of stream) {
    size += piece.length;
    // leaving the loop cancels the stream
    if (size > MAX_PAGE_BYTES) throw new DecodedTooLarge();
    pieces.push(piece);
  }
  return Buffer.concat(pieces);
}

/**
 * True when a body labelled as compressed is already text: the runtime
 * decoded it, or the label was wrong. Gzip data begins 1f 8b; deflate and
 * br have no such mark, so a page of them is taken for text when it begins
 * with markup, after any byte order mark and white space.
 */
function looksDecoded(body: Uint8Array, encoding: string): boolean {
  if (body[0] === 0x1f && body[1] === 0x8b) return false;
  if (encoding.endsWith("gzip")) return true;
  return /^(\uFEFF)?\s*</.test(new TextDecoder().decode(body.subarray(0, 64)));
}
