/**
 * HTTP(S) GET of one URL into a {@link BodySink}: redirects followed by hand
 * so `allow-hosts` sees every hop, a timeout on connecting, on the response
 * and on every pause of the body, a least pace for the body, transient
 * failures (connection reset, truncated body, 5xx) retried with backoff
 * (each retry told to `onRetry`, the final error saying how many tries), and
 * every failure turned into a one-line {@link DownloadError}. Proxies come
 * from `http_proxy`, `https_proxy` and `no_proxy` (lower or upper case), as
 * {@link proxyFor} reads them, which Bun's `fetch` is given and Deno's
 * reads alike; failures reaching a proxy name it.
 */
import { clipped } from "../errors.ts";
import { fnmatch } from "../fnmatch.ts";
import { BodyTooLarge, DownloadError } from "./errors.ts";
import { redirectTarget, requestCredentials } from "./credentials.ts";
import { keepsConnection } from "./kept_connections.ts";
import { parsedUrl } from "./parsed_url.ts";
import { type Proxy, proxyFor } from "./proxy.ts";
import { tlsReason } from "./tls_reason.ts";
import { VERSION } from "../version.ts";

/** How to fetch. */
export interface HttpSettings {
  /**
   * Seconds allowed to connect, to get the response, and between chunks;
   * the body must also bring at least 1 KiB in every five times as long.
   */
  timeoutSeconds: number;
  /** Glob patterns (`*`, `?`, `[...]`) of allowed `host` or `host:port`. */
  allowHosts: string[];
  /** The largest body accepted, in bytes; unbounded when undefined. */
  maxBytes?: number;
  /** Told why before each retry of a transient failure. */
  onRetry?: (reason: string) => void;
}

/** Receives a response body. */
export interface BodySink {
  /**
   * A body begins (again, after a retry); `length` from Content-Length,
   * `response` the answer of the last redirect's target.
   */
  start(length: number | undefined, response: ResponseHead): void;
  write(chunk: Uint8Array): void;
}

/** The address a body came from, after redirects, and its headers. */
export interface ResponseHead {
  url: string;
  headers: Headers;
}

/** The defaults: a minute of silence is a failure; every host allowed. */
export const DEFAULT_HTTP_SETTINGS: HttpSettings = {
  timeoutSeconds: 60,
  allowHosts: ["*"],
};

const MAX_REDIRECTS = 10;
/** Pauses before the retries of a transient failure. */
const RETRY_DELAYS_MS = [500, 1500];
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/**
 * Successes that carry no whole file: saving their (empty or partial) body
 * would put a wrong file in its target and the download cache. No request
 * asks for a range, so a 206 is never an answer to one.
 */
const INCOMPLETE = new Map([
  [204, "HTTP 204 No Content: the answer has no file"],
  [205, "HTTP 205 Reset Content: the answer has no file"],
  [
    206,
    "HTTP 206 Partial Content: the answer has only part of the file, which was not asked for",
  ],
]);

/** Drops an answer's body, which is not read: its connection is let go. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

/**
 * `buildout:socket-timeout` and `buildout:allow-hosts` as settings; an
 * empty or non-numeric timeout keeps the default.
 *
 * @example httpSettings(new Map([["socket-timeout", "5"]])).timeoutSeconds // 5
 */
export function httpSettings(
  options: { get(name: string): string | undefined },
): HttpSettings {
  const timeout = Number(options.get("socket-timeout") || "");
  const hosts = (options.get("allow-hosts") ?? "*").split(/\s+/).filter(
    Boolean,
  );
  return {
    timeoutSeconds: Number.isInteger(timeout) && timeout > 0
      ? timeout
      : DEFAULT_HTTP_SETTINGS.timeoutSeconds,
    allowHosts: hosts.length ? hosts : ["*"],
  };
}

/**
 * `glob` with each `[` that opens an IPv6 address (`[::1]`, as URLs write
 * it) made a set holding only `[`: host names hold no colon, so such
 * brackets are the address's, not fnmatch's.
 */
function ipv6Literal(glob: string): string {
  return glob.replace(/\[(?=[^\]]*:)/g, "[[]");
}

/**
 * True when `allow-hosts` lets `url` through: a pattern matches its host
 * name (an IPv6 address with or without its brackets) or its `host:port`.
 * Only http(s) URLs are subject to it.
 *
 * @example hostAllowed("https://pypi.org/simple", ["*.python.org", "pypi.org"]) // true
 */
export function hostAllowed(url: string, allowHosts: string[]): boolean {
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return true;
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const allowed = fnmatch(allowHosts.map(ipv6Literal), { ignoreCase: true });
  return allowed(hostname) || allowed(parsed.host) ||
    (hostname !== parsed.hostname && allowed(parsed.hostname));
}

/** A failure worth another attempt. */
class Transient extends Error {}

/**
 * Fetches `url` into `sink`.
 *
 * @throws {DownloadError} for an invalid URL, a refused host, an unsupported scheme, HTTP
 *   errors (`HTTP Error 404: Not Found`), redirect loops, timeouts, network
 *   and TLS failures, and bodies shorter than their Content-Length; a
 *   {@link BodyTooLarge} past `settings.maxBytes`.
 */
export async function httpGet(
  url: string,
  sink: BodySink,
  settings: HttpSettings = DEFAULT_HTTP_SETTINGS,
): Promise<void> {
  parsedUrl(url);
  for (let attempt = 0;; attempt++) {
    try {
      await attemptGet(url, sink, settings);
      return;
    } catch (err) {
      if (!(err instanceof Transient)) throw err;
      if (attempt >= RETRY_DELAYS_MS.length) {
        // Said, as each try may have taken long: the run was not idle.
        throw new DownloadError(
          url,
          `${err.message} (tried ${attempt + 1} times)`,
        );
      }
      settings.onRetry?.(err.message);
      await new Promise((ok) => setTimeout(ok, RETRY_DELAYS_MS[attempt]));
    }
  }
}

async function attemptGet(
  url: string,
  sink: BodySink,
  settings: HttpSettings,
): Promise<void> {
  const visited = [url];
  let current = url;
  for (;;) {
    checkTarget(url, current, settings);
    const proxy = proxyFor(current);
    if (proxy?.problem) {
      throw new DownloadError(
        url,
        `${
          redirectedTo(url, current)
        }bad proxy in ${proxy.variable}: ${proxy.problem}`,
      );
    }
    const timer = new IdleTimer(settings.timeoutSeconds);
    try {
      let response: Response;
      const request = requestCredentials(current);
      try {
        response = await fetch(request.url, {
          redirect: "manual",
          signal: timer.signal,
          headers: {
            "Accept-Encoding": "identity",
            "User-Agent": `buildout/${VERSION}`,
            ...request.authorization &&
              { Authorization: request.authorization },
            ...!keepsConnection(current) && { Connection: "close" },
          },
          // Bun decompresses even when asked for identity; Deno ignores this.
          decompress: false,
          // Bun's own reading of the variables misses a scheme-less
          // `user:pw@host:port` and a password holding a stray `%`, and may
          // judge `no_proxy` otherwise than the messages do; Deno ignores it.
          proxy: proxy
            ? {
              url: proxy.url,
              headers: proxy.authorization
                ? { "Proxy-Authorization": proxy.authorization }
                : {},
            }
            : false,
        } as RequestInit);
      } catch (err) {
        throw failure(url, current, err, settings, proxy);
      }
      const location = response.headers.get("location");
      if (REDIRECTS.has(response.status) && location) {
        await discard(response);
        try {
          current = redirectTarget(
            current,
            new URL(utf8Location(location), current).href,
          );
        } catch {
          throw new DownloadError(
            url,
            `bad redirect location '${clipped(location)}'`,
          );
        }
        if (visited.includes(current)) {
          throw new DownloadError(url, `redirect loop at ${clipped(current)}`);
        }
        if (visited.length > MAX_REDIRECTS) {
          throw new DownloadError(
            url,
            `more than ${MAX_REDIRECTS} redirects (last to ${
              clipped(current)
            })`,
          );
        }
        visited.push(current);
        continue;
      }
      if (response.status === 101) {
        // Deno's fetch answers an unasked-for switch; Bun's fails (below).
        await discard(response);
        throw new DownloadError(
          url,
          redirectedTo(url, current) + NOT_HTTP.get("UnrequestedUpgrade"),
        );
      }
      if (!response.ok) {
        await discard(response);
        let reason = `HTTP Error ${response.status}: ${response.statusText}`
          .trim();
        if (response.status === 407) reason = viaProxy(proxy, reason);
        if (response.status >= 500) throw new Transient(reason);
        throw new DownloadError(url, reason, response.status);
      }
      const incomplete = INCOMPLETE.get(response.status);
      if (incomplete) {
        await discard(response);
        throw new DownloadError(url, incomplete, response.status);
      }
      await readBody(url, current, response, sink, timer, settings, proxy);
      return;
    } finally {
      timer.stop();
    }
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * `location` as the server meant it: runtimes read header bytes as
 * Latin-1, so a name sent in raw UTF-8 (`café` as `cafÃ©`) would be
 * requested twice encoded. Browsers, curl and zc.buildout send those bytes
 * on; bytes that are not UTF-8 are left as read.
 */
function utf8Location(location: string): string {
  if (!/[\x80-\xff]/.test(location) || /[\u0100-\uffff]/.test(location)) {
    return location;
  }
  const bytes = new Uint8Array(location.length);
  for (let i = 0; i < location.length; i++) {
    bytes[i] = location.charCodeAt(i);
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    return location;
  }
}

function checkTarget(url: string, target: string, settings: HttpSettings) {
  const parsed = new URL(target);
  const via = redirectedTo(url, target);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new DownloadError(
      url,
      `${via}unsupported URL scheme '${clipped(parsed.protocol.slice(0, -1))}'`,
    );
  }
  if (!hostAllowed(target, settings.allowHosts)) {
    throw new DownloadError(
      url,
      `${via}host '${clipped(parsed.host)}' is not in allow-hosts`,
    );
  }
}

async function readBody(
  url: string,
  current: string,
  response: Response,
  sink: BodySink,
  timer: IdleTimer,
  settings: HttpSettings,
  proxy: Proxy | undefined,
): Promise<void> {
  // The runtime undoes chunked only: a body in another coding (never asked
  // for, as no TE header is sent) would be saved still coded.
  const coding = response.headers.get("transfer-encoding");
  if (
    coding?.split(",").some((c) => !/^\s*(chunked|identity)\s*$/i.test(c))
  ) {
    await discard(response);
    throw new DownloadError(
      url,
      `${redirectedTo(url, current)}unsupported Transfer-Encoding '${coding}'`,
    );
  }
  // Transfer-Encoding overrides a Content-Length sent with it (RFC 9112,
  // 6.3): the body ends with its last chunk.
  const header = coding !== null
    ? null
    : response.headers.get("content-length");
  const length = header !== null && /^\d+$/.test(header)
    ? Number(header)
    : undefined;
  const max = settings.maxBytes;
  if (max !== undefined && length !== undefined && length > max) {
    await discard(response);
    throw new BodyTooLarge(url, max);
  }
  sink.start(length, { url: current, headers: response.headers });
  let received = 0;
  if (response.body) {
    const reader = response.body.getReader();
    timer.startBody();
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          const error = failure(url, current, err, settings, proxy);
          if (!(error instanceof Transient)) throw error;
          throw new Transient(cutOff(received, length));
        }
        if (chunk.done) break;
        received += chunk.value.length;
        const slow = timer.received(chunk.value.length);
        if (slow) {
          throw new DownloadError(url, redirectedTo(url, current) + slow);
        }
        // Checked as it arrives: an endless body would fill the disk.
        if (max !== undefined && received > max) {
          throw new BodyTooLarge(url, max);
        }
        sink.write(chunk.value);
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
  if (length !== undefined && received !== length) {
    throw new Transient(cutOff(received, length));
  }
}

function cutOff(received: number, length: number | undefined): string {
  const of = length === undefined ? "" : ` of ${length}`;
  return `connection lost after ${received}${of} bytes`;
}

/**
 * The longest delay timers keep (about 24.8 days): a longer one fires at
 * once, so a `socket-timeout` of 30 days would time every request out.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The least a body must bring in each pace period: a server trickling a
 * byte now and then is never silent for the timeout, yet would hold the run
 * for ever.
 */
const MIN_BYTES_PER_PERIOD = 1024;

/**
 * A pace period in timeouts: long enough that a slow page whose pauses
 * each stay within the timeout is read whole, as the timeout promises.
 */
const TIMEOUTS_PER_PERIOD = 5;

/**
 * Aborts the request when nothing happened for the timeout, and judges the
 * pace of a body as it arrives.
 */
class IdleTimer {
  private readonly controller = new AbortController();
  private handle?: ReturnType<typeof setTimeout>;
  private periodStart = performance.now();
  private periodBytes = 0;
  readonly signal = this.controller.signal;

  constructor(private readonly seconds: number) {
    this.restart();
  }

  /** The silence starts again. */
  private restart(): void {
    clearTimeout(this.handle);
    this.handle = setTimeout(() => {
      this.controller.abort(
        new DOMException("timed out", "TimeoutError"),
      );
    }, this.delayMs);
  }

  /** The body begins: its first pace period starts now. */
  startBody(): void {
    this.periodStart = performance.now();
    this.periodBytes = 0;
    this.restart();
  }

  /**
   * `bytes` of the body arrived. Returns why the body is too slow when a
   * whole pace period (on the monotonic clock, which no change of the
   * system time moves) brought less than {@link MIN_BYTES_PER_PERIOD}.
   */
  received(bytes: number): string | undefined {
    this.periodBytes += bytes;
    const period = this.seconds * TIMEOUTS_PER_PERIOD;
    if (performance.now() - this.periodStart >= period * 1000) {
      if (this.periodBytes < MIN_BYTES_PER_PERIOD) {
        return `timed out (only ${this.periodBytes} byte${
          this.periodBytes === 1 ? "" : "s"
        } received in ${secondsText(period)})`;
      }
      this.periodStart = performance.now();
      this.periodBytes = 0;
    }
    this.restart();
  }

  stop(): void {
    clearTimeout(this.handle);
  }

  private get delayMs(): number {
    return Math.min(this.seconds * 1000, MAX_TIMER_MS);
  }
}

/** `n seconds`, or `1 second`. */
function secondsText(n: number): string {
  return `${n} second${n === 1 ? "" : "s"}`;
}

/**
 * How a reason about `target` begins when a redirect led there from `url`;
 * a server may send any address, so it is clipped.
 */
function redirectedTo(url: string, target: string): string {
  return target === url ? "" : `redirected to ${clipped(target)}: `;
}

/** `reason` about reaching `proxy`, naming it; `reason` alone without one. */
function viaProxy(proxy: Proxy | undefined, reason: string): string {
  return proxy
    ? `proxy ${clipped(proxy.host)} (${proxy.variable}): ${reason}`
    : reason;
}

/**
 * A failure fetching `target` (`url` or a redirect target) through `proxy`
 * as a one-line reason: a {@link Transient} for resets and cut-off bodies,
 * a {@link DownloadError} for everything else.
 */
function failure(
  url: string,
  target: string,
  err: unknown,
  settings: HttpSettings,
  proxy: Proxy | undefined,
): Error {
  const { reason, transient } = failureReason(target, err, settings, proxy);
  const message = redirectedTo(url, target) + reason;
  return transient ? new Transient(message) : new DownloadError(url, message);
}

/** Bun's codes for answers that are not HTTP, in words. */
const NOT_HTTP = new Map([
  ["Malformed_HTTP_Response", "malformed HTTP response"],
  ["InvalidHTTPResponse", "invalid HTTP response"],
  ["InvalidContentLength", "invalid Content-Length"],
  [
    "UnrequestedUpgrade",
    "the server switched protocols, which was not asked for",
  ],
  ["ResponseHeadersTooLarge", "response headers too large"],
]);

/** Deno's texts (hyper's) for the same answers. */
const NOT_HTTP_TEXTS: Array<[RegExp, string]> = [
  [/invalid HTTP (status-code|version) parsed/, "malformed HTTP response"],
  [/invalid content-length parsed/, "invalid Content-Length"],
  [/message head is too large/, "response headers too large"],
];

/**
 * What went wrong fetching `target`, and whether to try again. Through a
 * proxy, name resolution and connecting concern the proxy, not `target`.
 */
function failureReason(
  target: string,
  err: unknown,
  settings: HttpSettings,
  proxy: Proxy | undefined,
): { reason: string; transient?: boolean } {
  const error = err as { name?: string; code?: string; message?: string };
  if (error?.name === "TimeoutError" || error?.name === "AbortError") {
    return {
      reason: `timed out (nothing received for ${
        secondsText(settings.timeoutSeconds)
      })`,
    };
  }
  const cause = (err as { cause?: { message?: string; code?: string } })
    ?.cause;
  const code = error?.code ?? cause?.code ?? "";
  const text = [error?.message, cause?.message].filter(Boolean).join(": ");
  if (
    /^(ENOTFOUND|EAI_)/.test(code) || /dns error|failed to lookup/i.test(text)
  ) {
    return {
      reason: proxy
        ? `could not resolve proxy host ${
          clipped(proxy.hostname)
        } (${proxy.variable})`
        : `could not resolve host ${clipped(new URL(target).hostname)}`,
    };
  }
  if (
    proxy && (code === "ERR_PROXY_TUNNEL" ||
      /proxy authentication required|unsuccessful tunnel/i.test(text))
  ) {
    const answer = firstLine(text).replace(
      /^Proxy refused to open a tunnel: /,
      "",
    );
    return {
      reason: `proxy ${clipped(proxy.host)} (${proxy.variable}) refused the ` +
        `tunnel: ${clipped(answer)}`,
    };
  }
  const notHttp = NOT_HTTP.get(code) ??
    NOT_HTTP_TEXTS.find(([pattern]) => pattern.test(text))?.[1];
  if (notHttp) return { reason: notHttp };
  // Bun words these as a typo in the URL.
  if (/^E[MN]FILE$/.test(code) || /^E[MN]FILE\b/.test(text)) {
    return { reason: "too many open files (see ulimit -n)" };
  }
  if (code === "ECONNREFUSED" || /connection refused/i.test(text)) {
    return { reason: viaProxy(proxy, "connection refused") };
  }
  if (
    code === "ENETUNREACH" || code === "EHOSTUNREACH" ||
    /unreachable/i.test(text)
  ) {
    return { reason: viaProxy(proxy, "network unreachable") };
  }
  const tls = tlsReason(code, firstLine(text), new URL(target).hostname);
  if (tls) return { reason: tls };
  if (
    code === "ECONNRESET" ||
    /reset|closed|body from connection|connection error/i.test(text)
  ) {
    // Through a proxy, the connection that was closed is the proxy's.
    return {
      reason: viaProxy(
        proxy,
        `connection reset (${clipped(firstLine(text || code))})`,
      ),
      transient: true,
    };
  }
  // A runtime's own words may quote the whole (redirect target's) URL.
  return { reason: clipped(firstLine(text || String(err))) };
}

/**
 * The first line of a runtime's message, without Bun's debugging hint or
 * the layers Deno wraps around it (which repeat the URL).
 */
function firstLine(text: string): string {
  return text.split("\n")[0]
    .replace(/\. For more information, pass .*$/, "")
    .replace(/^fetch failed: /, "")
    .replace(
      /^error sending request (for url \([^)]*\)|from \S+ for \S+ \([^)]*\)): /,
      "",
    )
    .replace(/^client error \(\w+\): /, "")
    .replace(/^invalid peer certificate: /, "")
    .trim();
}
