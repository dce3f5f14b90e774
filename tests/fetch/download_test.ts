/**
 * The download utility, transcribed from zc.buildout 1.5.2's "Using the
 * download utility" session (same files, same calls, same messages, with
 * the server's URL in place of http://localhost/), plus SHA-256, bad input
 * and the temporary-file rules.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
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
  logged.length = 0;
  await assert.rejects(
    new Download(new Map(), { logger }).download("ftp://example.com/foo.txt"),
    new DownloadError(
      "ftp://example.com/foo.txt",
      "unsupported URL scheme 'ftp'",
    ),
  );
  // Refused before anything is said to be downloading.
  assert.deepEqual(logged, []);
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
  // Older than a day: abandoned, whoever wrote it.
  const ancient = `.buildout-00000000-999999999-0ddba11a-foo.txt`;
  for (const name of [dead, live, elsewhere, ancient]) {
    writeFileSync(join(cache, name), "partial");
  }
  const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
  utimesSync(join(cache, ancient), twoDaysAgo, twoDaysAgo);
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

Deno.test("cached copies' names: . and .. are never names, an earlier release's ;params name is still read", async () => {
  await using fx = await new Fixture().start();
  const cache = fx.dir("download-cache");
  const download = new Download(new Map(), { logger, cache });
  // Named after the directory, the copy would be the cache or its parent.
  for (const url of [fx.url + ".", fx.url + "other/.."]) {
    const { path } = await download.download(url);
    assert.equal(path, join(cache, md5(url)));
  }
  // A ;params before the last segment is part of the path, not the name.
  mkdirSync(join(fx.serverData, "v;s=1"));
  fx.write("v;s=1/bar.txt", "bar");
  const bar = await download.download(fx.url + "v;s=1/bar.txt");
  assert.equal(bar.path, join(cache, "bar.txt"));
  // A copy an earlier release cached under a name holding the ;params is
  // used as a copy cached now would be, offline too, without a request.
  writeFileSync(join(cache, "foo.txt;s=1"), "The earlier copy.");
  const requests = fx.server.requests.length;
  for (const offline of [false, true]) {
    const { path } = await new Download(new Map(), { logger, cache, offline })
      .download(fx.url + "foo.txt;s=1");
    assert.equal(path, join(cache, "foo.txt;s=1"));
    assert.equal(cat(path), "The earlier copy.");
  }
  assert.equal(fx.server.requests.length, requests);
});

Deno.test("a local directory through the cache: copied once, then its cached copy is used", async () => {
  await using fx = await new Fixture().start();
  const cache = fx.dir("download-cache");
  const source = fx.dir("tree");
  writeFileSync(join(source, "a.txt"), "first");
  const download = new Download(new Map(), { logger, cache });
  const first = await download.download(source);
  assert.equal(first.path, join(cache, "tree"));
  assert.equal(cat(join(first.path, "a.txt")), "first");
  // The cached directory could not be replaced by rename: it is the copy.
  writeFileSync(join(source, "a.txt"), "second");
  const again = await download.download(source);
  assert.deepEqual(again, {
    path: first.path,
    isTemp: false,
    cached: first.path,
  });
  assert.equal(cat(join(again.path, "a.txt")), "first");
});

/**
 * The copies the download utility makes of the local directory `source`
 * (`fx`'s "src"): to the path asked for without a cache, to one through a
 * cache, and the cached copy.
 */
async function localDirectoryCopies(
  fx: Fixture,
  source: string,
): Promise<string[]> {
  return [
    (await new Download(new Map(), { logger }).download(source, {
      path: join(fx.dir("out"), "src"),
    })).path,
    (await new Download(new Map(), { logger, cache: fx.dir("cache") })
      .download(source, { path: join(fx.dir("out2"), "src") })).path,
    join(fx.root, "cache", "src"),
  ];
}

Deno.test("a local directory's copies keep its files' times, as shutil.copytree keeps them", async () => {
  await using fx = await new Fixture().start();
  // A source tree's make rules compare these: copied with the time of the
  // copy, in directory order, `configure` could look older than
  // `configure.ac` and make would run autoconf again.
  const source = fx.dir("src");
  const times: Array<[string, number]> = [
    ["configure.ac", 1_500_000_000],
    ["configure", 1_500_000_100],
    ["m4/libtool.m4", 1_400_000_000],
  ];
  mkdirSync(join(source, "m4"));
  for (const [name, time] of times) {
    writeFileSync(join(source, name), name);
    utimesSync(join(source, name), time, time);
  }
  for (const copy of await localDirectoryCopies(fx, source)) {
    for (const [name, time] of times) {
      assert.equal(lstatSync(join(copy, name)).mtimeMs, time * 1000, copy);
    }
  }
});

Deno.test("a local directory's copies keep its directories' times, and its modes less setuid bits and the umask; a FIFO is left out", async () => {
  await using fx = await new Fixture().start();
  const source = fx.dir("src");
  mkdirSync(join(source, "m4"));
  mkdirSync(join(source, "doc"));
  writeFileSync(join(source, "m4", "libtool.m4"), "m4");
  writeFileSync(join(source, "tool"), "#!/bin/sh\n");
  chmodSync(join(source, "tool"), 0o4777);
  // A developer's pipe in the tree, which no copy can read to its end.
  execFileSync("mkfifo", [join(source, "m4", "fifo")]);
  chmodSync(join(source, "doc"), 0o1777);
  // Deepest first: a directory's time is its contents' last change.
  const times: Array<[string, number]> = [
    ["m4", 1_400_000_000],
    ["doc", 1_450_000_000],
    ["", 1_500_000_000],
  ];
  for (const [name, time] of times) {
    utimesSync(join(source, name), time, time);
  }
  const umask = process.umask(0o027);
  try {
    for (const copy of await localDirectoryCopies(fx, source)) {
      for (const [name, time] of times) {
        assert.equal(lstatSync(join(copy, name)).mtimeMs, time * 1000, copy);
      }
      assert.deepEqual(ls(join(copy, "m4")), ["libtool.m4"]);
      const mode = (name: string) => lstatSync(join(copy, name)).mode & 0o7777;
      assert.equal(mode("tool"), 0o750, copy);
      assert.equal(mode("doc"), 0o750, copy);
      assert.equal(mode(""), 0o750, copy);
    }
  } finally {
    process.umask(umask);
  }
});

Deno.test("the alternate URL stands in for a failing URL, never for a checksum mismatch", async () => {
  await using fx = await new Fixture().start();
  fx.write("right.txt", "The right text.");
  const download = new Download(new Map(), { logger });
  const served = await download.download(fx.url + "missing.txt", {
    alternateUrl: fx.url + "right.txt",
  });
  assert.equal(cat(served.path), "The right text.");
  assert.equal(served.fetchedFrom, fx.url + "right.txt");
  // The URL answered with other bytes: the alternate is not asked.
  const requests = fx.server.requests.length;
  await assert.rejects(
    download.download(fx.url + "foo.txt", {
      md5: md5("The right text."),
      alternateUrl: fx.url + "right.txt",
    }),
    new ChecksumError(`MD5 checksum mismatch downloading '${fx.url}foo.txt'`),
  );
  assert.deepEqual(fx.server.requests.slice(requests), ["/foo.txt"]);
});

Deno.test("a download cut off and retried holds, and is checked as, the whole second body only", async () => {
  await using fx = await new Fixture().start();
  await fx.server.close();
  const body = "This is a foo text.";
  let calls = 0;
  fx.server = await startServer(fx.serverData, {
    handlers: {
      "/flaky.txt": (_, res) => {
        calls++;
        if (calls > 1) {
          res.writeHead(200, { "Content-Length": body.length });
          res.end(body);
          return;
        }
        // Longer than the whole body: what it wrote must not stay.
        res.writeHead(200, { "Content-Length": "100" });
        res.write("x".repeat(50));
        setTimeout(() => res.socket?.destroy(), 20);
      },
    },
  });
  const cache = fx.dir("cache");
  const { path } = await new Download(new Map(), { logger, cache }).download(
    fx.url + "flaky.txt",
    { md5: md5(body) },
  );
  assert.equal(calls, 2);
  assert.equal(cat(path), body);
  assert.deepEqual(ls(cache), ["flaky.txt"]);
});

Deno.test("local resources offline go into the cache; a device is read only for a checksum", async () => {
  await using fx = await new Fixture().start();
  const cache = fx.dir("cache");
  const local = join(fx.serverData, "foo.txt");
  const offline = new Download(new Map(), { logger, cache, offline: true });
  const { path } = await offline.download(local);
  assert.equal(path, join(cache, "foo.txt"));
  assert.equal(cat(path), "This is a foo text.");
  // A scheme's case does not matter: FILE: names a local file too.
  rmSync(path);
  assert.equal((await offline.download("FILE://" + local)).path, path);
  assert.equal(cat(path), "This is a foo text.");
  // Without a checksum nothing reads it here: it is used where it is.
  const download = new Download(new Map(), { logger });
  assert.deepEqual(await download.download("/dev/null"), {
    path: "/dev/null",
    isTemp: false,
  });
  await assert.rejects(
    download.download("/dev/null", { md5: md5("") }),
    new UserError(
      "Couldn't read /dev/null: it is a character device, not a file",
    ),
  );
  // Nor is it copied to a target: /dev/zero would never end.
  await assert.rejects(
    download.download("/dev/null", { path: join(fx.root, "null") }),
    new UserError(
      "Couldn't read /dev/null: it is a character device, not a file",
    ),
  );
  assert.ok(!existsSync(join(fx.root, "null")));
});

Deno.test("a local file's own path as the target is left alone; a name with a tab is a local file's", async () => {
  await using fx = await new Fixture().start();
  const local = join(fx.serverData, "foo.txt");
  const link = join(fx.root, "link.txt");
  symlinkSync(local, link);
  const download = new Download(new Map(), { logger });
  // As zc.buildout's locate_at: the same file by another path is no copy.
  assert.deepEqual(await download.download(local, { path: link }), {
    path: local,
    isTemp: false,
  });
  assert.ok(lstatSync(link).isSymbolicLink());
  // Only URLs are refused for control characters: file names may hold them.
  fx.write("a\tb.txt", "tab");
  const tabbed = join(fx.serverData, "a\tb.txt");
  assert.equal((await download.download(tabbed)).path, tabbed);
});

Deno.test("a checksum is compared whatever its case and surrounding white space (as read from a .md5 file)", async () => {
  await using fx = await new Fixture().start();
  const text = "This is a foo text.";
  const { path } = await new Download(new Map(), { logger }).download(
    fx.url + "foo.txt",
    {
      md5: ` ${md5(text).toUpperCase()}\n`,
      sha256: ` ${sha256(text).toUpperCase()}\n`,
    },
  );
  assert.equal(cat(path), text);
});
