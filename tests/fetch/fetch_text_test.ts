/** Reading configuration from URLs through the extends cache. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UrlNotFound } from "../../lib/config/load.ts";
import { UserError } from "../../lib/errors.ts";
import { fetchText } from "../../lib/fetch/fetch_text.ts";
import { removeTempFiles } from "../../lib/fetch/temp_files.ts";
import { startServer } from "../e2e/harness.ts";

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

Deno.test("extends-cache: fresh copies online, the cached copy offline or when the server fails", async () => {
  const root = mkdtempSync(join(tmpdir(), "fetch-text-"));
  const served = join(root, "served");
  mkdirSync(served);
  mkdirSync(join(root, "cache"));
  writeFileSync(join(served, "base.cfg"), "[buildout]\nx = 1\n");
  const server = await startServer(served);
  const url = server.url + "base.cfg";
  // A relative extends-cache is relative to the buildout directory.
  const options = new Map([["directory", root], ["extends-cache", "cache"]]);
  try {
    assert.equal(await fetchText(url, options), "[buildout]\nx = 1\n");
    assert.deepEqual(readdirSync(join(root, "cache")), [md5(url)]);

    writeFileSync(join(served, "base.cfg"), "[buildout]\nx = 2\n");
    const offline = new Map([...options, ["offline", "true"]]);
    assert.equal(await fetchText(url, offline), "[buildout]\nx = 1\n");
    assert.equal(await fetchText(url, options), "[buildout]\nx = 2\n");
    assert.equal(
      readFileSync(join(root, "cache", md5(url)), "utf8"),
      "[buildout]\nx = 2\n",
    );

    rmSync(join(served, "base.cfg"));
    assert.equal(await fetchText(url, options), "[buildout]\nx = 2\n");

    await assert.rejects(
      fetchText(url, new Map()),
      new UrlNotFound(
        url,
        `Error downloading extends for URL ${url}: HTTP Error 404: Not Found`,
      ),
    );
    await assert.rejects(
      fetchText(url, new Map([["install-from-cache", "true"]])),
      // Missing, as far as an offline run can tell: optional-extends skips it.
      new UrlNotFound(url, `Couldn't download '${url}' in offline mode.`),
    );
    assert.deepEqual(readdirSync(join(root, "cache")), [md5(url)]);
  } finally {
    // What the run's end removes: each download's lease in TMPDIR.
    removeTempFiles();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("a file: URL naming a directory is an error in words", async () => {
  const root = mkdtempSync(join(tmpdir(), "fetch-text-"));
  try {
    await assert.rejects(
      fetchText(`file://${root}`),
      new UserError(
        `Error downloading extends for URL file://${root}: is a directory`,
      ),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("a body too large for a configuration file is neither saved nor replaces the cached copy", async () => {
  const root = mkdtempSync(join(tmpdir(), "fetch-text-"));
  mkdirSync(join(root, "cache"));
  let huge = false;
  const chunk = "#".repeat(1 << 20);
  const server = await startServer(root, {
    handlers: {
      // Sent in chunks without a length, as an endless stream would be.
      "/base.cfg": (_req, res) => {
        if (!huge) return res.end("[buildout]\nx = 1\n");
        res.write("[buildout]\n");
        const more = (sent: number) => {
          if (sent > 70 || res.destroyed) return res.end();
          res.write(chunk, () => more(sent + 1));
        };
        more(0);
      },
    },
  });
  const url = server.url + "base.cfg";
  const cached = join(root, "cache", md5(url));
  const options = new Map([["directory", root], ["extends-cache", "cache"]]);
  try {
    assert.equal(await fetchText(url, options), "[buildout]\nx = 1\n");
    huge = true;
    await assert.rejects(
      fetchText(url),
      new UserError(
        `Couldn't read ${url}: more than 64 MiB, ` +
          "too large for a configuration file",
      ),
    );
    // The server failed to give a configuration: the cached copy stands.
    assert.equal(await fetchText(url, options), "[buildout]\nx = 1\n");
    assert.equal(readFileSync(cached, "utf8"), "[buildout]\nx = 1\n");
    assert.deepEqual(readdirSync(join(root, "cache")), [md5(url)]);
  } finally {
    // What the run's end removes: each download's lease in TMPDIR.
    removeTempFiles();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
});
