/**
 * HTTP behaviour of the fetcher against a local server: redirects and
 * allow-hosts on every hop, retries of transient failures, timeouts, and
 * a one-line reason for every way a request can fail.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadError } from "../../lib/fetch/errors.ts";
import {
  type BodySink,
  hostAllowed,
  httpGet,
  type HttpSettings,
  httpSettings,
} from "../../lib/fetch/http.ts";
import {
  type RequestHandler,
  ROOT,
  startServer,
  type StaticServer,
  withRawServer,
} from "../e2e/harness.ts";

const TLS_FIXTURES = join(ROOT, "tests", "fixtures", "tls");

/** Collects a body; `starts` counts (re)starts. */
class Collect implements BodySink {
  chunks: Uint8Array[] = [];
  starts = 0;
  length?: number;
  start(length: number | undefined) {
    this.starts++;
    this.length = length;
    this.chunks = [];
  }
  write(chunk: Uint8Array) {
    this.chunks.push(chunk.slice());
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

const settings: HttpSettings = { timeoutSeconds: 5, allowHosts: ["*"] };

async function withServer(
  handlers: Record<string, RequestHandler>,
  fn: (server: StaticServer) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "http-test-"));
  const server = await startServer(dir, { handlers });
  try {
    await fn(server);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const redirect =
  (location: string, status = 302): RequestHandler => (_, res) => {
    res.writeHead(status, { Location: location });
    res.end();
  };
const ok = (body: string): RequestHandler => (_, res) => {
  res.writeHead(200, { "Content-Length": Buffer.byteLength(body) });
  res.end(body);
};

Deno.test("redirects are followed, relative and absolute, every status", async () => {
  await withServer({
    "/a": redirect("/b", 301),
    "/b": redirect("c", 307),
    "/c": redirect("/d", 308),
    "/d": ok("the end"),
  }, async (server) => {
    const sink = new Collect();
    await httpGet(server.url + "a", sink, settings);
    assert.equal(sink.text, "the end");
    assert.equal(sink.length, 7);
    assert.deepEqual(server.requests, ["/a", "/b", "/c", "/d"]);
  });
});

Deno.test("a redirect to a name sent in raw UTF-8 leads to that name, as browsers and zc.buildout take it", async () => {
  const utf8 = (text: string) => Buffer.from(text, "utf8").toString("latin1");
  await withServer({
    // Node writes header strings as Latin-1: these are the UTF-8 bytes.
    "/a": redirect(utf8("/café/pkg.tgz")),
    "/caf%C3%A9/pkg.tgz": ok("utf-8 name"),
    // Bytes that are not UTF-8 stay what the runtime made of them.
    "/b": redirect("/caf\xe9"),
    "/caf%C3%A9": ok("latin-1 name"),
  }, async (server) => {
    const sink = new Collect();
    await httpGet(server.url + "a", sink, settings);
    assert.equal(sink.text, "utf-8 name");
    await httpGet(server.url + "b", sink, settings);
    assert.equal(sink.text, "latin-1 name");
  });
});

Deno.test("allow-hosts is checked for the URL and every redirect target", async () => {
  await withServer({
    "/away": (_, res) => {
      const port = new URL(`http://${res.req.headers.host}`).port;
      res.writeHead(302, { Location: `http://localhost:${port}/ok` });
      res.end();
    },
    "/ok": ok("fine"),
  }, async (server) => {
    const port = new URL(server.url).port;
    const only127 = { ...settings, allowHosts: ["127.0.0.*"] };
    await assert.rejects(
      httpGet(server.url + "away", new Collect(), only127),
      new DownloadError(
        server.url + "away",
        `redirected to http://localhost:${port}/ok: host 'localhost:${port}' is not in allow-hosts`,
      ),
    );
    assert.deepEqual(server.requests.splice(0), ["/away"]);
    await assert.rejects(
      httpGet(server.url + "ok", new Collect(), {
        ...settings,
        allowHosts: ["*.python.org"],
      }),
      new DownloadError(
        server.url + "ok",
        `host '127.0.0.1:${port}' is not in allow-hosts`,
      ),
    );
    assert.deepEqual(server.requests, [], "a refused host is never contacted");
    const sink = new Collect();
    await httpGet(server.url + "away", sink, {
      ...settings,
      allowHosts: ["127.0.0.1", `localhost:${port}`],
    });
    assert.equal(sink.text, "fine");
  });
});

Deno.test("hostAllowed: fnmatch globs on the host name or host:port", () => {
  assert.ok(hostAllowed("http://pypi.python.org/x", ["*.python.org"]));
  assert.ok(!hostAllowed("http://python.org.evil.com/x", ["*.python.org"]));
  assert.ok(hostAllowed("https://PyPI.org/simple", ["pypi.org"]));
  assert.ok(hostAllowed("http://h:8080/", ["h:80[0-9]0"]));
  assert.ok(!hostAllowed("http://h:8080/", ["h:[!8]*"]));
  assert.ok(hostAllowed("http://a.b/", ["?.b"]));
  assert.ok(hostAllowed("http://x/", ["*"]));
  assert.ok(!hostAllowed("http://x/", ["y", "z"]));
  assert.ok(hostAllowed("file:///etc/hosts", ["y"]), "only http(s) is checked");
});

Deno.test("hostAllowed: any allow-hosts pattern is a glob as fnmatch reads it, never a failure", () => {
  // A `[` never closed is itself; a reversed range matches nothing.
  assert.ok(!hostAllowed("http://example.com/", ["example.com["]));
  assert.ok(!hostAllowed("http://h:8080/", ["h:80[!"]));
  assert.ok(!hostAllowed("http://b/", ["[z-a]"]));
  assert.ok(hostAllowed("http://b/", ["[!z-a]"]));
  assert.ok(hostAllowed("http://b.c/", ["[a-c-].c"]));
  assert.ok(!hostAllowed("http://b/", ["[!]b]"]));
  assert.ok(hostAllowed("http://c/", ["[!]b]"]));
  // `^` first is a character, not fnmatch's negation.
  assert.ok(hostAllowed("http://x/", ["[^x]"]));
  assert.ok(!hostAllowed("http://y/", ["[^x]"]));
});

Deno.test("hostAllowed: an IPv6 address is matched as URLs and messages write it, brackets and all", () => {
  const url = "http://[::1]:8080/x";
  for (const glob of ["::1", "[::1]", "[::1]:8080", "[::1]:*", "[::*]"]) {
    assert.ok(hostAllowed(url, [glob]), glob);
  }
  assert.ok(hostAllowed("http://[FE80::1]/", ["[fe80::*]"]));
  assert.ok(!hostAllowed(url, ["[::2]"]));
  assert.ok(!hostAllowed(url, ["[::1]:80"]));
});

Deno.test("httpSettings reads socket-timeout and allow-hosts", () => {
  assert.deepEqual(httpSettings(new Map()), {
    timeoutSeconds: 60,
    allowHosts: ["*"],
  });
  assert.deepEqual(
    httpSettings(
      new Map([["socket-timeout", "3"], ["allow-hosts", "\n  a.org\n  *.b\n"]]),
    ),
    { timeoutSeconds: 3, allowHosts: ["a.org", "*.b"] },
  );
  assert.equal(
    httpSettings(new Map([["socket-timeout", "soon"]])).timeoutSeconds,
    60,
  );
});

Deno.test("a redirect loop is an error naming the URL", async () => {
  await withServer(
    { "/a": redirect("/b"), "/b": redirect("/a") },
    async (server) => {
      await assert.rejects(
        httpGet(server.url + "a", new Collect(), settings),
        new DownloadError(server.url + "a", `redirect loop at ${server.url}a`),
      );
    },
  );
});

Deno.test("5xx is retried, and the body starts over", async () => {
  let calls = 0;
  await withServer({
    "/flaky": (_, res) => {
      if (++calls < 3) {
        res.writeHead(502);
        res.end("bad gateway");
      } else ok("at last")(_, res);
    },
  }, async (server) => {
    const sink = new Collect();
    const retries: string[] = [];
    await httpGet(server.url + "flaky", sink, {
      ...settings,
      onRetry: (reason) => retries.push(reason),
    });
    assert.equal(sink.text, "at last");
    assert.equal(calls, 3);
    assert.deepEqual(retries, Array(2).fill("HTTP Error 502: Bad Gateway"));
  });
});

Deno.test("a 500 that persists fails after the retries; a 404 at once", async () => {
  await withServer({
    "/broken": (_, res) => {
      res.writeHead(500);
      res.end();
    },
  }, async (server) => {
    await assert.rejects(
      httpGet(server.url + "broken", new Collect(), settings),
      new DownloadError(
        server.url + "broken",
        "HTTP Error 500: Internal Server Error (tried 3 times)",
      ),
    );
    assert.equal(server.requests.splice(0).length, 3);
    await assert.rejects(
      httpGet(server.url + "missing", new Collect(), settings),
      new DownloadError(
        server.url + "missing",
        "HTTP Error 404: Not Found",
        404,
      ),
    );
    assert.deepEqual(server.requests, ["/missing"]);
  });
});

Deno.test("a body shorter than its Content-Length is retried, then an error", async () => {
  let calls = 0;
  await withServer({
    "/cut": (_, res) => {
      calls++;
      res.writeHead(200, { "Content-Length": "100" });
      res.write("x".repeat(50));
      setTimeout(() => res.socket?.destroy(), 20);
    },
  }, async (server) => {
    const sink = new Collect();
    await assert.rejects(
      httpGet(server.url + "cut", sink, settings),
      new DownloadError(
        server.url + "cut",
        "connection lost after 50 of 100 bytes (tried 3 times)",
      ),
    );
    assert.equal(calls, 3);
    assert.equal(sink.starts, 3);
  });
});

Deno.test("a chunked body is whole at its last chunk, whatever Content-Length says", async () => {
  const body = "a chunked body longer than its Content-Length";
  const answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n" +
    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
    `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  await withRawServer(() => answer, async (base) => {
    const sink = new Collect();
    await httpGet(`${base}/x`, sink, settings);
    assert.equal(sink.text, body);
    assert.equal(sink.starts, 1);
  });
});

Deno.test("answers that are not HTTP are named in the words Bun's fetch gives", async () => {
  const answers: Record<string, string> = {
    "/status": "HTTP/1.1 abc\r\n\r\n",
    "/length":
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
  };
  await withRawServer((path) => answers[path], async (base) => {
    for (
      const [path, reason] of [
        ["/status", "malformed HTTP response"],
        ["/length", "invalid Content-Length"],
      ]
    ) {
      await assert.rejects(
        httpGet(base + path, new Collect(), settings),
        new DownloadError(base + path, reason),
      );
    }
  });
});

Deno.test("an unasked-for protocol switch is said in words whichever runtime's fetch answered", async () => {
  // Bun's fetch fails with UnrequestedUpgrade; Deno's gives a 101 response.
  const answers: Record<string, string> = {
    "/upgrade":
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: upgrade\r\n\r\nxx",
  };
  await withRawServer((path) => answers[path], async (base) => {
    await assert.rejects(
      httpGet(base + "/upgrade", new Collect(), settings),
      new DownloadError(
        base + "/upgrade",
        "the server switched protocols, which was not asked for",
      ),
    );
  });
});

Deno.test("oversized response headers are said in words whichever runtime's fetch refused them", async () => {
  const answers: Record<string, string> = {
    "/headers": "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(5_000_000) +
      "\r\nContent-Length: 2\r\n\r\nxx",
  };
  await withRawServer((path) => answers[path], async (base) => {
    await assert.rejects(
      httpGet(base + "/headers", new Collect(), settings),
      new DownloadError(base + "/headers", "response headers too large"),
    );
  });
});

Deno.test("a connection closed before the answer names neither the URL again nor the local port", async () => {
  const server = createServer((socket) => {
    socket.once("data", () => socket.destroy());
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}/closed`;
  try {
    await assert.rejects(
      httpGet(url, new Collect(), settings),
      (err: Error) => {
        assert.ok(err instanceof DownloadError, String(err));
        assert.match(err.message, /: connection reset \(/);
        assert.doesNotMatch(err.message.split(`${url}: `)[1], /127\.0\.0\.1/);
        return true;
      },
    );
  } finally {
    await new Promise((done) => server.close(done));
  }
});

Deno.test("socket-timeout bounds the wait for the response and for each chunk", async () => {
  await withServer({
    "/silent": () => {},
    "/stalls": (_, res) => {
      res.writeHead(200, { "Content-Length": "100" });
      res.write("x".repeat(10));
    },
  }, async (server) => {
    const quick = { ...settings, timeoutSeconds: 1 };
    for (const path of ["silent", "stalls"]) {
      const started = Date.now();
      await assert.rejects(
        httpGet(server.url + path, new Collect(), quick),
        new DownloadError(
          server.url + path,
          "timed out (nothing received for 1 second)",
        ),
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 4000, `${path}: gave up after ${elapsed} ms`);
    }
  });
});

Deno.test("refused connections, unknown hosts and TLS failures are one-line errors", async () => {
  const closed = createServer();
  await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((ok) => closed.close(() => ok()));
  const refused = `http://127.0.0.1:${port}/x`;
  await assert.rejects(
    httpGet(refused, new Collect(), settings),
    new DownloadError(refused, "connection refused"),
  );
  const unknown = "http://no-such-host.invalid/x";
  await assert.rejects(
    httpGet(unknown, new Collect(), settings),
    new DownloadError(unknown, "could not resolve host no-such-host.invalid"),
  );
  await withServer({}, async (server) => {
    const tls = server.url.replace("http:", "https:") + "x";
    await assert.rejects(
      httpGet(tls, new Collect(), settings),
      new DownloadError(
        tls,
        "TLS error: handshake failed (does the server speak TLS on this port?)",
      ),
    );
  });
});

Deno.test("refused certificates are named in words, with what Deno's TLS stack needs", async () => {
  // Deno reads DENO_CERT, not SSL_CERT_FILE (the executable's hint).
  const hint = "set DENO_CERT to a file holding the CA's certificate";
  const cases: Array<[string, string, string]> = [
    [
      "server",
      "server",
      `certificate issued by an unknown authority (${hint})`,
    ],
    [
      "self_signed",
      "self_signed",
      "self-signed certificate (a CA's certificate as the server's own, " +
      "which Deno refuses even when trusted)",
    ],
    ["expired", "server", "certificate has expired"],
  ];
  for (const [cert, key, reason] of cases) {
    const fixture = (name: string) =>
      readFileSync(join(TLS_FIXTURES, name), "utf8");
    const dir = mkdtempSync(join(tmpdir(), "http-test-"));
    const server = await startServer(dir, {
      tls: { cert: fixture(`${cert}.pem`), key: fixture(`${key}.key`) },
    });
    try {
      await assert.rejects(
        httpGet(server.url + "x", new Collect(), settings),
        new DownloadError(server.url + "x", `TLS error: ${reason}`),
      );
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

Deno.test("a failure at a redirect target names that target, not the URL's host", async () => {
  const closed = createServer();
  await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((ok) => closed.close(() => ok()));
  const refused = `http://127.0.0.1:${port}/x`;
  const unknown = "http://no-such-host.invalid/x";
  await withServer({
    "/refused": redirect(refused),
    "/unknown": redirect(unknown),
  }, async (server) => {
    await assert.rejects(
      httpGet(server.url + "refused", new Collect(), settings),
      new DownloadError(
        server.url + "refused",
        `redirected to ${refused}: connection refused`,
      ),
    );
    await assert.rejects(
      httpGet(server.url + "unknown", new Collect(), settings),
      new DownloadError(
        server.url + "unknown",
        `redirected to ${unknown}: could not resolve host no-such-host.invalid`,
      ),
    );
  });
});

Deno.test("a redirect to a huge address is quoted cut to 200 characters, whatever went wrong there", async () => {
  const huge = "h".repeat(100_000);
  const locations: Record<string, (n: number) => string> = {
    bad: () => `http://[${huge}`,
    scheme: () => `ftp://x/${huge}`,
    longscheme: () => `${huge}:x`,
    host: () => `http://${huge}.example/`,
    loop: () => `/loop?${huge}`,
    many: (n) => `/many?${n + 1}&${huge}`,
  };
  // Node's default limit would refuse the long request lines.
  const server = createHttpServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    const url = new URL(req.url!, "http://x");
    const n = Number(url.search.slice(1).split("&")[0]) || 0;
    res.writeHead(302, { Location: locations[url.pathname.slice(1)](n) });
    res.end();
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${
    (server.address() as { port: number }).port
  }/`;
  try {
    const only127 = { ...settings, allowHosts: ["127.0.0.1"] };
    for (const path of Object.keys(locations)) {
      const error = await httpGet(base + path, new Collect(), only127)
        .then(() => undefined, (err) => err);
      assert.ok(error instanceof DownloadError, `${path}: ${error}`);
      assert.ok(
        error.message.length < 600 && error.message.includes("characters)"),
        `${path}: ${error.message.slice(0, 1000)}`,
      );
    }
  } finally {
    await new Promise<void>((ok) => server.close(() => ok()));
  }
});

Deno.test("more than ten redirects is an error", async () => {
  const handlers: Record<string, RequestHandler> = {};
  for (let i = 0; i < 12; i++) handlers[`/r${i}`] = redirect(`/r${i + 1}`);
  await withServer(handlers, async (server) => {
    await assert.rejects(
      httpGet(server.url + "r0", new Collect(), settings),
      new DownloadError(
        server.url + "r0",
        `more than 10 redirects (last to ${server.url}r11)`,
      ),
    );
  });
});

Deno.test("running out of file descriptors is said so, not taken for a typo in the URL", async () => {
  const url = "http://127.0.0.1:9/x";
  const real = globalThis.fetch;
  // As Bun reports it: the errno as code, or leading its message.
  for (
    const refusal of [
      Object.assign(new Error("Was there a typo in the url or port?"), {
        code: "EMFILE",
      }),
      new Error("EMFILE: Was there a typo in the url or port?"),
      Object.assign(new Error("failed"), { code: "ENFILE" }),
    ]
  ) {
    globalThis.fetch = () => Promise.reject(refusal);
    try {
      await assert.rejects(
        httpGet(url, new Collect(), settings),
        new DownloadError(url, "too many open files (see ulimit -n)"),
      );
    } finally {
      globalThis.fetch = real;
    }
  }
});

Deno.test("a redirect status without a Location is an HTTP error, never followed", async () => {
  await withServer({
    "/moved": (_, res) => {
      res.writeHead(302);
      res.end();
    },
  }, async (server) => {
    await assert.rejects(
      httpGet(server.url + "moved", new Collect(), settings),
      new DownloadError(server.url + "moved", "HTTP Error 302: Found", 302),
    );
    assert.deepEqual(server.requests, ["/moved"]);
  });
});

Deno.test("a socket-timeout longer than timers hold (30 days) still waits for a slow answer", async () => {
  await withServer({
    "/late": (_, res) => {
      setTimeout(() => {
        res.writeHead(200, { "Content-Length": 4 });
        res.end("late");
      }, 200);
    },
  }, async (server) => {
    const sink = new Collect();
    await httpGet(server.url + "late", sink, {
      ...settings,
      timeoutSeconds: 30 * 24 * 3600,
    });
    assert.equal(sink.text, "late");
  });
});
