/**
 * The download utility, transcribed from zc.buildout 1.5.2's "Using the
 * download utility" session (same files, same calls, same messages, with
 * the server's URL in place of http://localhost/), plus SHA-256, bad input
 * and the temporary-file rules.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { UserError } from "../../lib/errors.ts";
import { Download } from "../../lib/fetch/download.ts";
import {
  ChecksumError,
  DownloadError,
  OfflineError,
} from "../../lib/fetch/errors.ts";
import { hostTag } from "../../lib/fetch/hidden_temp.ts";
import { removeTempFiles } from "../../lib/fetch/temp_files.ts";
import { pyRepr } from "../../lib/pyrepr.ts";
import { startServer, type StaticServer } from "../e2e/harness.ts";

const md5 = (text: string) => createHash("md5").update(text).digest("hex");
const sha256 = (text: string) =>
  createHash("sha256").update(text).digest("hex");
const cat = (path: string) => readFileSync(path, "utf8");
const ls = (path: string) => readdirSync(path).sort();

/** Collects the download utility's log lines. */
const logged: string[] = [];
const logger = {
  debug: (m: string) => logged.push(`DEBUG ${m}`),
  info: (m: string) => logged.push(`INFO ${m}`),
  warn: (m: string) => logged.push(`WARNING ${m}`),
  error: (m: string) => logged.push(`ERROR ${m}`),
};

/**
 * Temporary downloads of files named `name` in the system temp directory.
 * (The environment is shared with test modules running in parallel, so
 * TMPDIR is not redirected here as the reference does; the end-to-end
 * tests check a private TMPDIR stays empty.)
 */
function temporaries(...names: string[]): string[] {
  return readdirSync(tmpdir()).filter((entry) =>
    names.some((name) =>
      new RegExp(`^buildout-[0-9a-f]{8}-${name}$`).test(entry)
    )
  );
}

/** The doctest's fixture: a server with foo.txt. */
class Fixture {
  readonly root = mkdtempSync(join(tmpdir(), "download-test-"));
  readonly serverData = this.dir("sample_files");
  /** Temporaries that existed before the test. */
  readonly before = new Set(temporaries("foo\\.txt", "not-there"));
  server!: StaticServer;

  dir(name: string): string {
    const path = join(this.root, name);
    mkdirSync(path);
    return path;
  }

  write(path: string, text: string): void {
    writeFileSync(join(this.serverData, path), text);
  }

  get url(): string {
    return this.server.url;
  }

  /** No temporary download of this test is left. */
  assertNoTemporaries(): void {
    const left = temporaries("foo\\.txt", "not-there").filter((name) =>
      !this.before.has(name)
    );
    assert.deepEqual(left, []);
  }

  async start(): Promise<this> {
    this.write("foo.txt", "This is a foo text.");
    this.server = await startServer(this.serverData);
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    removeTempFiles();
    await this.server.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}

Deno.test("downloading without a cache: temporary files, local files, MD5, target path, offline", async () => {
  await using fx = await new Fixture().start();
  let download = new Download(new Map(), { logger });
  assert.equal(download.cacheDir, undefined);

  let { path, isTemp } = await download.download(fx.url + "foo.txt");
  assert.ok(path.startsWith(join(tmpdir(), "buildout-")), path);
  assert.equal(cat(path), "This is a foo text.");
  assert.equal(isTemp, true);
  rmSync(path);

  await assert.rejects(
    download.download(fx.url + "not-there"),
    new DownloadError(
      fx.url + "not-there",
      "HTTP Error 404: Not Found",
      404,
    ),
  );

  const local = join(fx.serverData, "foo.txt");
  assert.deepEqual(await download.download(local), {
    path: local,
    isTemp: false,
  });

  ({ path, isTemp } = await download.download(fx.url + "foo.txt", {
    md5: md5("This is a foo text."),
  }));
  assert.equal(isTemp, true);
  rmSync(path);
  await assert.rejects(
    download.download(fx.url + "foo.txt", { md5: md5("The wrong text.") }),
    new ChecksumError(
      `MD5 checksum mismatch downloading '${fx.url}foo.txt'`,
    ),
  );

  assert.deepEqual(
    await download.download(local, { md5: md5("This is a foo text.") }),
    { path: local, isTemp: false },
  );
  await assert.rejects(
    download.download(local, { md5: md5("The wrong text.") }),
    new ChecksumError(
      `MD5 checksum mismatch for local resource at '${local}'.`,
    ),
  );

  const targetDir = fx.dir("download-target");
  const target = join(targetDir, "downloaded.txt");
  ({ path, isTemp } = await download.download(fx.url + "foo.txt", {
    path: target,
  }));
  assert.equal(path, target);
  assert.equal(cat(path), "This is a foo text.");
  assert.equal(isTemp, false);

  download = new Download(new Map(), { logger, cache: "", offline: true });
  const requests = fx.server.requests.length;
  await assert.rejects(
    download.download(fx.url + "foo.txt"),
    new OfflineError(
      `${fx.url}foo.txt`,
      `Couldn't download '${fx.url}foo.txt' in offline mode.`,
    ),
  );
  assert.equal(fx.server.requests.length, requests, "no request offline");
  assert.equal(
    cat((await download.download(local)).path),
    "This is a foo text.",
  );
  assert.equal(
    cat((await download.download("file:" + local)).path),
    "This is a foo text.",
  );
  assert.equal(
    cat((await download.download("file://" + local)).path),
    "This is a foo text.",
  );
  rmSync(path);
  // Every temporary file is gone, including failed downloads'.
  fx.assertNoTemporaries();
  assert.deepEqual(ls(targetDir), []);
});

Deno.test("the download cache: base names, cached copies first, copies at path, offline hits", async () => {
  await using fx = await new Fixture().start();
  const cache = fx.dir("download-cache");
  let download = new Download(new Map(), { logger, cache });
  assert.equal(download.cacheDir, cache);

  assert.deepEqual(ls(cache), []);
  let { path, isTemp } = await download.download(fx.url + "foo.txt");
  assert.equal(path, join(cache, "foo.txt"));
  assert.equal(cat(path), "This is a foo text.");
  assert.equal(isTemp, false);

  // The cached copy is used without contacting the server.
  fx.write("foo.txt", "The wrong text.");
  const requests = fx.server.requests.length;
  ({ path } = await download.download(fx.url + "foo.txt"));
  assert.equal(path, join(cache, "foo.txt"));
  assert.equal(cat(path), "This is a foo text.");
  assert.equal(fx.server.requests.length, requests);

  await assert.rejects(
    download.download(fx.url + "foo.txt", { md5: md5("The wrong text.") }),
    new ChecksumError(
      `MD5 checksum mismatch for cached download from '${fx.url}foo.txt' at '${cache}/foo.txt'`,
    ),
  );

  // Same base name at another URL: the cached copy.
  mkdirSync(join(fx.serverData, "other"));
  fx.write("other/foo.txt", "The wrong text.");
  ({ path } = await download.download(fx.url + "other/foo.txt"));
  assert.equal(path, join(cache, "foo.txt"));
  assert.equal(cat(path), "This is a foo text.");

  // A target path gets a copy, from the server and from the cache.
  rmSync(join(cache, "foo.txt"));
  const targetDir = fx.dir("download-target");
  const target = join(targetDir, "downloaded.txt");
  fx.write("foo.txt", "This is a foo text.");
  ({ path, isTemp } = await download.download(fx.url + "foo.txt", {
    path: target,
  }));
  assert.equal(path, target);
  assert.equal(cat(path), "This is a foo text.");
  assert.equal(isTemp, false);
  assert.deepEqual(ls(cache), ["foo.txt"]);
  rmSync(path);
  fx.write("foo.txt", "The wrong text.");
  ({ path, isTemp } = await download.download(fx.url + "foo.txt", {
    path: target,
  }));
  assert.equal(path, target);
  assert.equal(cat(path), "This is a foo text.");
  assert.equal(isTemp, false);

  // Offline, any URL with a cached copy works.
  download = new Download(new Map(), { logger, cache, offline: true });
  assert.equal(
    cat((await download.download(fx.url + "foo.txt")).path),
    "This is a foo text.",
  );

  // Local resources are cached too.
  rmSync(join(cache, "foo.txt"));
  fx.write("foo.txt", "This is a foo text.");
  download = new Download(new Map(), { logger, cache });
  const local = join(fx.serverData, "foo.txt");
  assert.equal(
    cat((await download.download("file:" + local, { path })).path),
    "This is a foo text.",
  );
  assert.deepEqual(ls(cache), ["foo.txt"]);
  rmSync(join(cache, "foo.txt"));
  assert.equal(
    cat((await download.download(local, { path })).path),
    "This is a foo text.",
  );
  assert.deepEqual(ls(cache), ["foo.txt"]);
  rmSync(join(cache, "foo.txt"));

  // A mismatching download never enters the cache.
  await assert.rejects(
    download.download(fx.url + "foo.txt", { md5: md5("The wrong text.") }),
    new ChecksumError(
      `MD5 checksum mismatch downloading '${fx.url}foo.txt'`,
    ),
  );
  assert.deepEqual(ls(cache), []);
  rmSync(path);

  await assert.rejects(
    new Download(new Map(), { logger, cache: join(cache, "non-existent") })
      .download(
        fx.url + "foo.txt",
      ),
    new UserError(
      `The directory:\n'${cache}/non-existent'\nto be used as a download cache doesn't exist.`,
    ),
  );
  assert.deepEqual(ls(targetDir), []);
  fx.assertNoTemporaries();
});

Deno.test("namespace sub-directories of the download cache", async () => {
  await using fx = await new Fixture().start();
  const cache = fx.dir("download-cache");
  const download = new Download(new Map(), {
    logger,
    cache,
    namespace: "test",
  });
  assert.equal(download.cacheDir, join(cache, "test"));
  assert.deepEqual(ls(cache), []);

  const { path, isTemp } = await download.download(fx.url + "foo.txt");
  assert.equal(path, join(cache, "test", "foo.txt"));
  assert.deepEqual(ls(cache), ["test"]);
  assert.deepEqual(ls(join(cache, "test")), ["foo.txt"]);
  assert.equal(cat(path), "This is a foo text.");
  assert.equal(isTemp, false);

  fx.write("foo.txt", "The wrong text.");
  writeFileSync(join(cache, "foo.txt"), "The wrong text.");
  const again = await download.download(fx.url + "foo.txt");
  assert.equal(again.path, join(cache, "test", "foo.txt"));
  assert.equal(cat(again.path), "This is a foo text.");
});

Deno.test("the MD5 of the URL as the cached file name", async () => {
  await using fx = await new Fixture().start();
  const cache = fx.dir("download-cache");
  const download = new Download(new Map(), { logger, cache, hashName: true });
  const { path } = await download.download(fx.url + "foo.txt");
  assert.equal(path, join(cache, md5(fx.url + "foo.txt")));
  assert.equal(cat(path), "This is a foo text.");
  // The reference's names, for its URL.
  assert.equal(
    download.filename("http://localhost/foo.txt"),
    "09f5793fcdc1716727f72d49519c688d",
  );
  assert.equal(
    download.filename("http://localhost/other/foo.txt"),
    "537b6d73267f8f4447586989af8c470e",
  );

  fx.write("foo.txt", "The wrong text.");
  // Found in the cache: said so, for errors about the copy.
  assert.deepEqual(await download.download(fx.url + "foo.txt"), {
    path,
    isTemp: false,
    cached: path,
  });
  assert.equal(cat(path), "This is a foo text.");

  mkdirSync(join(fx.serverData, "other"));
  fx.write("other/foo.txt", "The wrong text.");
  const other = await download.download(fx.url + "other/foo.txt");
  assert.equal(other.path, join(cache, md5(fx.url + "other/foo.txt")));
  assert.equal(cat(path), "This is a foo text.");
  assert.equal(cat(other.path), "The wrong text.");
  assert.deepEqual(
    ls(cache),
    [path, other.path].map((p) => p.slice(cache.length + 1)).sort(),
  );
});

Deno.test("the cache as a fall-back: network first, cache when the server fails or offline", async () => {
  await using fx = await new Fixture().start();
  const cache = fx.dir("download-cache");
  const download = new Download(new Map(), { logger, cache, fallback: true });
  assert.equal(download.cacheDir, cache);

  let { path, isTemp } = await download.download(fx.url + "foo.txt");
  assert.deepEqual(ls(cache), ["foo.txt"]);
  assert.equal(cat(join(cache, "foo.txt")), "This is a foo text.");
  assert.equal(isTemp, false);

  rmSync(join(fx.serverData, "foo.txt"));
  await assert.rejects(
    new Download(new Map(), { logger }).download(fx.url + "foo.txt"),
    DownloadError,
  );
  ({ path, isTemp } = await download.download(fx.url + "foo.txt"));
  assert.equal(cat(path), "This is a foo text.");
  assert.equal(isTemp, false);

  fx.write("foo.txt", "The wrong text.");
  const offline = new Download(new Map(), {
    logger,
    cache,
    offline: true,
    fallback: true,
  });
  const requests = fx.server.requests.length;
  ({ path, isTemp } = await offline.download(fx.url + "foo.txt"));
  assert.equal(path, join(cache, "foo.txt"));
  assert.equal(cat(path), "This is a foo text.");
  assert.equal(isTemp, false);
  assert.equal(fx.server.requests.length, requests);

  // Online, a fresh copy replaces the cached one...
  assert.equal(
    cat((await download.download(fx.url + "foo.txt")).path),
    "The wrong text.",
  );
  assert.equal(cat(join(cache, "foo.txt")), "The wrong text.");

  // ... unless its checksum does not match.
  fx.write("foo.txt", "This is a foo text.");
  await assert.rejects(
    download.download(fx.url + "foo.txt", { md5: md5("The wrong text.") }),
    new ChecksumError(`MD5 checksum mismatch downloading '${fx.url}foo.txt'`),
  );
  assert.equal(cat(join(cache, "foo.txt")), "The wrong text.");
  assert.deepEqual(ls(cache), ["foo.txt"]);
});

Deno.test("settings from buildout options; keyword settings win", () => {
  const cwd = process.cwd();
  let download = new Download(new Map([["download-cache", "/c"]]), {
    namespace: "cmmi",
  });
  assert.equal(download.cacheDir, "/c/cmmi");
  download = new Download(new Map([["download-cache", "relative-cache"]]));
  assert.equal(download.cacheDir, join(cwd, "relative-cache"));
  download = new Download(
    new Map([["directory", "/sample-buildout/root"], [
      "download-cache",
      "relative-cache",
    ]]),
  );
  assert.equal(download.cacheDir, "/sample-buildout/root/relative-cache");
  download = new Download(new Map([["download-cache", "/c"]]), { cache: "" });
  assert.equal(download.cacheDir, undefined);

  const offline = (options: Record<string, string>, keyword?: boolean) =>
    new Download(new Map(Object.entries(options)), { offline: keyword })
      .offline;
  assert.equal(offline({ offline: "true" }), true);
  assert.equal(offline({ offline: "false" }), false);
  assert.equal(offline({ "install-from-cache": "true" }), true);
  assert.equal(offline({ "install-from-cache": "false" }), false);
  assert.equal(
    offline({ offline: "true", "install-from-cache": "false" }),
    true,
  );
  assert.equal(
    offline({ offline: "false", "install-from-cache": "true" }),
    true,
  );
  assert.equal(offline({ offline: "true" }, false), false);
  assert.equal(offline({ "install-from-cache": "false" }, true), true);

  download = new Download(
    new Map([["socket-timeout", "7"], [
      "allow-hosts",
      "*.python.org\npypi.org",
    ]]),
  );
  assert.deepEqual(download.http, {
    timeoutSeconds: 7,
    allowHosts: ["*.python.org", "pypi.org"],
  });
});

Deno.test("checksums are of the bytes: CRLF text is not converted", async () => {
  await using fx = await new Fixture().start();
  const text = "First line of text.\r\nSecond line.\r\n";
  fx.write("foo.txt", text);
  const { path } = await new Download(new Map(), { logger }).download(
    fx.url + "foo.txt",
    {
      md5: md5(text),
    },
  );
  rmSync(path);
});

Deno.test("SHA-256 checksums, alone or with MD5, in all three places", async () => {
  await using fx = await new Fixture().start();
  const good = sha256("This is a foo text.");
  const bad = sha256("The wrong text.");
  const download = new Download(new Map(), { logger });
  const { path } = await download.download(fx.url + "foo.txt", {
    sha256: good.toUpperCase(),
  });
  assert.equal(cat(path), "This is a foo text.");
  await assert.rejects(
    download.download(fx.url + "foo.txt", { sha256: bad }),
    new ChecksumError(
      `SHA-256 checksum mismatch downloading '${fx.url}foo.txt'`,
    ),
  );
  await assert.rejects(
    download.download(fx.url + "foo.txt", {
      md5: md5("This is a foo text."),
      sha256: bad,
    }),
    new ChecksumError(
      `SHA-256 checksum mismatch downloading '${fx.url}foo.txt'`,
    ),
  );
  const local = join(fx.serverData, "foo.txt");
  await assert.rejects(
    download.download(local, { sha256: bad }),
    new ChecksumError(
      `SHA-256 checksum mismatch for local resource at '${local}'.`,
    ),
  );
  const cache = fx.dir("cache");
  const cached = new Download(new Map(), { logger, cache });
  await cached.download(fx.url + "foo.txt", { sha256: good });
  await assert.rejects(
    cached.download(fx.url + "foo.txt", { sha256: bad }),
    new ChecksumError(
      `SHA-256 checksum mismatch for cached download from '${fx.url}foo.txt' at '${cache}/foo.txt'`,
    ),
  );
});

Deno.test("temporary downloads are removed when the run ends", async () => {
  await using fx = await new Fixture().start();
  const { path, isTemp } = await new Download(new Map(), { logger }).download(
    fx.url + "foo.txt",
  );
  assert.equal(isTemp, true);
  assert.ok(existsSync(path));
  removeTempFiles();
  assert.ok(!existsSync(path));
});

Deno.test("bad cache directories and targets are user errors; nothing is left behind", async () => {
  await using fx = await new Fixture().start();
  const file = join(fx.root, "a-file");
  writeFileSync(file, "");
  await assert.rejects(
    new Download(new Map(), { logger, cache: file }).download(
      fx.url + "foo.txt",
    ),
    new UserError(
      `The directory:\n${
        pyRepr(file)
      }\nto be used as a download cache is not a directory.`,
    ),
  );
  const target = join(fx.root, "missing", "foo.txt");
  await assert.rejects(
    new Download(new Map(), { logger }).download(fx.url + "foo.txt", {
      path: target,
    }),
    new UserError(`Couldn't write '${target}': no such file or directory`),
  );
  await assert.rejects(
    new Download(new Map(), { logger }).download("ftp://example.com/foo.txt"),
    new DownloadError(
      "ftp://example.com/foo.txt",
      "unsupported URL scheme 'ftp'",
    ),
  );
  await assert.rejects(
    new Download(new Map(), { logger }).download(join(fx.root, "nope.txt")),
    new DownloadError(join(fx.root, "nope.txt"), "no such file or directory"),
  );
  fx.assertNoTemporaries();
});

Deno.test("a file: URL naming no local path is a user error, not an internal one", async () => {
  const download = new Download(new Map(), { logger });
  for (
    const [url, reason] of [
      ["file://otherhost/tmp/foo.txt", "its host is not localhost"],
      ["file:///tmp/a%2Fb.txt", "its path holds an encoded /"],
      ["file://a b/foo.txt", "not a valid URL"],
    ]
  ) {
    await assert.rejects(
      download.download(url),
      new UserError(`The file: URL '${url}' names no local file: ${reason}`),
    );
  }
});

Deno.test("a long base name, in UTF-8 or percent-encoded, fits the temporaries' names", async () => {
  await using fx = await new Fixture().start();
  // 244 bytes on disk: a valid name, percent-encoded three times as long.
  const name = "語".repeat(80) + ".txt";
  fx.write(name, "long");
  const url = fx.url + encodeURIComponent(name);
  const { path, isTemp } = await new Download(new Map(), { logger })
    .download(url);
  assert.equal(isTemp, true);
  assert.equal(cat(path), "long");
  const cache = fx.dir("cache");
  const cached = await new Download(new Map(), { logger, cache }).download(
    fx.root + "/sample_files/" + name,
  );
  assert.equal(cached.path, join(cache, name));
  const target = join(fx.root, name);
  await new Download(new Map(), { logger }).download(url, { path: target });
  assert.equal(cat(target), "long");
});

Deno.test("two downloads into one cache at once both succeed; the cache holds one whole file", async () => {
  await using fx = await new Fixture().start();
  const body = "x".repeat(3 << 20);
  fx.write("big.bin", body);
  const cache = fx.dir("cache");
  const results = await Promise.all([
    new Download(new Map(), { logger, cache }).download(fx.url + "big.bin", {
      md5: md5(body),
    }),
    new Download(new Map(), { logger, cache }).download(fx.url + "big.bin", {
      md5: md5(body),
    }),
  ]);
  for (const { path } of results) assert.equal(path, join(cache, "big.bin"));
  assert.deepEqual(ls(cache), ["big.bin"]);
  assert.equal(cat(join(cache, "big.bin")), body);
});

Deno.test("temporaries of killed runs on this host are swept, live ones are kept", async () => {
  await using fx = await new Fixture().start();
  const cache = fx.dir("cache");
  const host = hostTag();
  const dead = `.buildout-${host}-999999999-0badf00d-foo.txt`;
  const live = `.buildout-${host}-1-0badf00d-foo.txt`;
  const elsewhere = `.buildout-00000000-999999999-0badf00d-foo.txt`;
  for (const name of [dead, live, elsewhere]) {
    writeFileSync(join(cache, name), "partial");
  }
  await new Download(new Map(), { logger, cache }).download(fx.url + "foo.txt");
  assert.deepEqual(ls(cache), [elsewhere, live, "foo.txt"].sort());
});

Deno.test("log lines: Downloading at INFO, cache decisions at DEBUG", async () => {
  await using fx = await new Fixture().start();
  const cache = fx.dir("cache");
  const download = new Download(new Map(), { logger, cache });
  logged.length = 0;
  await download.download(fx.url + "foo.txt");
  await download.download(fx.url + "foo.txt");
  assert.deepEqual(logged, [
    `DEBUG Searching cache at ${cache}/`,
    `DEBUG Cache miss; will cache ${fx.url}foo.txt as ${cache}/foo.txt`,
    `INFO Downloading ${fx.url}foo.txt`,
    `DEBUG Searching cache at ${cache}/`,
    `DEBUG Using cache file ${cache}/foo.txt`,
  ]);
});
