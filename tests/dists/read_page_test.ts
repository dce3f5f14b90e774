import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createServer, type Server } from "node:http";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { UserError } from "../../lib/errors.ts";
import { readPage } from "../../lib/dists/read_page.ts";
import { UnreadablePage } from "../../lib/dists/transport.ts";

/**
 * When /trickle last sent something, and its longest pause (ms): a pause
 * as long as a timeout means this whole process stalled, server included.
 */
const trickle = { last: 0, longest: 0 };

async function serve(): Promise<[Server, string]> {
  const server = createServer((req, res) => {
    if (req.url === "/page") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end("<a href='x-1.tgz'>x</a>");
    } else if (req.url === "/moved") {
      res.writeHead(302, { Location: "/page" });
      res.end();
    } else if (req.url === "/away") {
      // The same server under another host name.
      const { port } = server.address() as { port: number };
      res.writeHead(302, { Location: `http://localhost:${port}/page` });
      res.end();
    } else if (req.url === "/loop") {
      res.writeHead(302, { Location: "/loop" });
      res.end();
    } else if (req.url === "/trickle") {
      // Four pauses of 400 ms: more than a second in all.
      res.writeHead(200, { "Content-Type": "text/html" });
      trickle.last = Date.now();
      trickle.longest = 0;
      let left = 4;
      const next = () => {
        const now = Date.now();
        trickle.longest = Math.max(trickle.longest, now - trickle.last);
        trickle.last = now;
        if (left-- === 0) return res.end("<a href='t-1.tgz'>t</a>");
        res.write(" ");
        setTimeout(next, 400);
      };
      next();
    } else if (req.url === "/gzipped") {
      // Sent compressed although the client asked for identity.
      res.writeHead(200, {
        "Content-Type": "text/html",
        "Content-Encoding": "gzip",
      });
      res.end(gzipSync("<a href='z-1.tgz'>z</a>"));
    } else if (req.url === "/mislabelled" || req.url === "/empty") {
      // Labelled gzip, sent plain: a proxy that decoded and kept the label.
      res.writeHead(200, {
        "Content-Type": "text/html",
        "Content-Encoding": "gzip",
      });
      res.end(req.url === "/empty" ? "" : "Links: <a href='m-1.tgz'>m</a>");
    } else if (req.url === "/br-cut" || req.url === "/br-corrupt") {
      // Deno's brotliDecompressSync gives what it could decode, or nothing.
      const page = brotliCompressSync(
        "<a href='b-1.tgz'>b</a>\n".repeat(500) + "<a href='last-1.tgz'>l</a>",
      );
      res.writeHead(200, {
        "Content-Type": "text/html",
        "Content-Encoding": "br",
      });
      res.end(
        req.url === "/br-cut"
          ? page.subarray(0, page.length >> 1)
          : Buffer.from("x".repeat(40)),
      );
    } else if (req.url === "/broken") {
      res.writeHead(500, "Internal Server Error");
      res.end("oops");
    } else {
      res.writeHead(404, "Not Found");
      res.end("no");
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  return [server, `http://127.0.0.1:${port}`];
}

Deno.test("a page comes with its final address and content type", async () => {
  const [server, base] = await serve();
  try {
    assert.deepEqual(await readPage(`${base}/moved`), {
      url: `${base}/page`,
      contentType: "text/html; charset=utf-8",
      text: "<a href='x-1.tgz'>x</a>",
    });
    assert.equal(await readPage(`${base}/missing/`), undefined);
    await assert.rejects(
      readPage(`${base}/broken`),
      (err: Error) =>
        err instanceof UserError &&
        err.message ===
          `Couldn't read ${base}/broken: HTTP Error 500: Internal Server Error (tried 3 times)`,
    );
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
  await assert.rejects(
    readPage(`${base}/page`),
    (err: Error) =>
      err instanceof UserError &&
      err.message.startsWith(`Couldn't read ${base}/page: `),
  );
});

Deno.test("allow-hosts holds for a page's redirects; loops are one line", async () => {
  const [server, base] = await serve();
  const settings = { timeoutSeconds: 5, allowHosts: ["127.0.0.1"] };
  try {
    await assert.rejects(
      readPage(`${base}/away`, settings),
      (err: Error) =>
        err instanceof UserError &&
        err.message ===
          `Couldn't read ${base}/away: redirected to ${
            base.replace("127.0.0.1", "localhost")
          }/page: host '${
            base.replace("http://127.0.0.1", "localhost")
          }' is not in allow-hosts`,
    );
    await assert.rejects(
      readPage(`${base}/loop`, settings),
      (err: Error) =>
        err instanceof UserError &&
        err.message ===
          `Couldn't read ${base}/loop: redirect loop at ${base}/loop`,
    );
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

Deno.test("socket-timeout bounds each pause of a page, not the whole page", async () => {
  const [server, base] = await serve();
  try {
    // On a loaded machine the process may stall past the timeout, which
    // then times the request out rightly: that attempt proves nothing.
    for (let attempt = 1;; attempt++) {
      try {
        const page = await readPage(`${base}/trickle`, {
          timeoutSeconds: 1,
          allowHosts: ["*"],
        });
        assert.equal(page?.text.trim(), "<a href='t-1.tgz'>t</a>");
        return;
      } catch (err) {
        const pause = Math.max(trickle.longest, Date.now() - trickle.last);
        if (!(err instanceof UnreadablePage) || pause < 1000 || attempt === 3) {
          throw err;
        }
      }
    }
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

Deno.test("a page the server gzips anyway is read decompressed", async () => {
  const [server, base] = await serve();
  try {
    const page = await readPage(`${base}/gzipped`);
    assert.equal(page?.text, "<a href='z-1.tgz'>z</a>");
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

Deno.test("a page labelled gzip but not gzip data is read as it is", async () => {
  const [server, base] = await serve();
  try {
    const page = await readPage(`${base}/mislabelled`);
    assert.equal(page?.text, "Links: <a href='m-1.tgz'>m</a>");
    assert.equal((await readPage(`${base}/empty`))?.text, "");
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

Deno.test("a br page cut short or corrupt is unreadable, never read in part", async () => {
  const [server, base] = await serve();
  try {
    for (const path of ["/br-cut", "/br-corrupt"]) {
      await assert.rejects(
        readPage(`${base}${path}`),
        (err: Error) =>
          err instanceof UserError &&
          err.message.startsWith(`Couldn't read ${base}${path}: bad br data (`),
      );
    }
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});
