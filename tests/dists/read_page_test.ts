import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { UserError } from "../../lib/errors.ts";
import { readPage } from "../../lib/dists/read_page.ts";

async function serve(): Promise<[Server, string]> {
  const server = createServer((req, res) => {
    if (req.url === "/page") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end("<a href='x-1.tgz'>x</a>");
    } else if (req.url === "/moved") {
      res.writeHead(302, { Location: "/page" });
      res.end();
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
          `Couldn't read ${base}/broken: HTTP Error 500: Internal Server Error`,
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
