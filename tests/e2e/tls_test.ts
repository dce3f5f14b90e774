/**
 * HTTPS against servers whose certificates come from a private CA, as on
 * internal package servers: how the executable is made to trust that CA,
 * and the one-line error, with nothing cached, for each certificate a
 * client must refuse (unknown authority, self-signed, expired, another
 * host's), wherever a URL appears: `extends`, a download part, a
 * find-links page and a distribution. The certificates are fixtures made
 * by `tests/fixtures/tls/make.sh`.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  NO_TLS_OR_PROXY_ENV,
  ROOT,
  type RunResult,
  type Sample,
  sampleBuildout,
  startServer,
  type StaticServer,
} from "./harness.ts";
import { recipeDist, writeDist } from "./dist_archives.ts";

const FIXTURES = join(ROOT, "tests", "fixtures", "tls");
const CA = join(FIXTURES, "ca.pem");

/** An HTTPS server of `dir` presenting `cert` (a fixture name). */
function startHttps(dir: string, cert: string): Promise<StaticServer> {
  const key = cert === "self_signed" ? "self_signed" : "server";
  return startServer(dir, {
    tls: {
      cert: readFileSync(join(FIXTURES, `${cert}.pem`), "utf8"),
      key: readFileSync(join(FIXTURES, `${key}.key`), "utf8"),
    },
  });
}

/** Runs the executable with `env` on top of a clean TLS and proxy setup. */
function run(
  sample: Sample,
  env: Record<string, string> = {},
): Promise<RunResult> {
  return sample.run("", { env: { ...NO_TLS_OR_PROXY_ENV, ...env } });
}

/** Asserts a failure whose stderr is `While:` lines and one `Error:` line. */
function assertOneLineError(result: RunResult, error: string): void {
  assert.equal(result.code, 1, result.output);
  assert.match(result.stderr, /^(While:\n( {2}.*\n)+)?Error: [^\n]+\n$/);
  assert.equal(result.stderr.trimEnd().split("\n").pop(), `Error: ${error}`);
}

/** A site with `base.cfg`, `foo.txt` and a find-links page holding spam 1. */
async function site(sample: Sample): Promise<string> {
  const dir = sample.tmpdir("site");
  sample.write(join(dir, "base.cfg"), "[buildout]\nparts =\n");
  sample.write(join(dir, "foo.txt"), "This is a foo text.");
  sample.mkdir(join(dir, "links"));
  await writeDist(
    join(dir, "links", "spam-1.tgz"),
    recipeDist("spam", "1", "spam 1"),
  );
  return dir;
}

/** `extends`, then a download part, both from `url`. */
function extendsAndDownload(url: string): string {
  return `[buildout]
extends = ${url}base.cfg
parts = foo
download-cache = cache

[foo]
recipe = download
url = ${url}foo.txt
download-only = true
`;
}

Deno.test("a private CA is trusted through SSL_CERT_FILE, SSL_CERT_DIR or NODE_EXTRA_CA_CERTS", async () => {
  using sample = await sampleBuildout();
  const server = await startHttps(await site(sample), "server");
  try {
    sample.mkdir("cache");
    sample.write("buildout.cfg", extendsAndDownload(server.url));
    const untrusted = await run(sample);
    assert.equal(untrusted.code, 1, untrusted.output);
    const trusts: Array<Record<string, string>> = [
      { SSL_CERT_FILE: CA },
      { SSL_CERT_DIR: join(FIXTURES, "ca_dir") },
      { NODE_EXTRA_CA_CERTS: CA },
    ];
    for (const env of trusts) {
      sample.remove("cache");
      sample.mkdir("cache");
      const result = await run(sample, env);
      assert.equal(result.code, 0, `${JSON.stringify(env)}\n${result.output}`);
      assert.equal(
        sample.cat("parts", "foo", "foo.txt"),
        "This is a foo text.",
      );
    }
  } finally {
    await server.close();
  }
});

Deno.test("a variable naming certificates that are not there is named where an unknown authority is refused", async () => {
  using sample = await sampleBuildout();
  const server = await startHttps(await site(sample), "server");
  try {
    sample.write(
      "buildout.cfg",
      extendsAndDownload(server.url).replace(/^extends = .*\n/m, ""),
    );
    sample.mkdir("cache");
    const unusable: Array<[Record<string, string>, string]> = [
      [
        { SSL_CERT_FILE: sample.path("gone.pem") },
        "SSL_CERT_FILE names /sample-buildout/gone.pem: " +
        "no such file or directory",
      ],
      [
        { SSL_CERT_DIR: CA },
        `SSL_CERT_DIR names ${CA}: not a directory`,
      ],
    ];
    for (const [env, hint] of unusable) {
      assertOneLineError(
        await run(sample, env),
        `Error downloading ${server.url}foo.txt: TLS error: certificate ` +
          `issued by an unknown authority (${hint})`,
      );
    }
  } finally {
    await server.close();
  }
});

const TRUST_HINT = "set SSL_CERT_FILE to a file holding the CA's certificate";

/** Each certificate to refuse, whether the CA is trusted, and the reason. */
const REFUSED: Array<[string, Record<string, string>, string]> = [
  [
    "server",
    {},
    `TLS error: certificate issued by an unknown authority (${TRUST_HINT})`,
  ],
  ["self_signed", {}, `TLS error: self-signed certificate (${TRUST_HINT})`],
  ["expired", { SSL_CERT_FILE: CA }, "TLS error: certificate has expired"],
  [
    "wrong_host",
    { SSL_CERT_FILE: CA },
    "TLS error: certificate is not valid for 127.0.0.1",
  ],
];

for (const [cert, env, reason] of REFUSED) {
  Deno.test(`a refused certificate (${cert}) is a one-line error naming the URL, nothing cached`, async () => {
    using sample = await sampleBuildout();
    const server = await startHttps(await site(sample), cert);
    const url = server.url;
    try {
      sample.mkdir("cache");
      sample.write("buildout.cfg", extendsAndDownload(url));
      assertOneLineError(
        await run(sample, env),
        `Error downloading extends for URL ${url}base.cfg: ${reason}`,
      );

      sample.write(
        "buildout.cfg",
        extendsAndDownload(url).replace(/^extends = .*\n/m, ""),
      );
      assertOneLineError(
        await run(sample, env),
        `Error downloading ${url}foo.txt: ${reason}`,
      );
      assert.deepEqual(readdirSync(sample.path("cache")), []);

      // A find-links page is a warning, as in setuptools; the distribution
      // then missing is the error.
      const page = `${url}links/`;
      sample.write(
        "buildout.cfg",
        `[buildout]\nparts = foo\nfind-links = ${page}\n\n[foo]\nrecipe = spam\n`,
      );
      const result = await run(sample, env);
      assertOneLineError(
        result,
        `Couldn't find a distribution for 'spam' (looked in ${page} (${reason})).`,
      );
      assert.ok(
        result.output.includes(
          `Download error on ${page}: ${reason} -- Some packages may not be found!\n`,
        ),
        result.output,
      );

      sample.write(
        "buildout.cfg",
        `[buildout]\nparts = foo\ndownload-cache = cache\n` +
          `find-links = ${url}links/spam-1.tgz\n\n[foo]\nrecipe = spam\n`,
      );
      assertOneLineError(
        await run(sample, env),
        `Error downloading ${url}links/spam-1.tgz: ${reason}`,
      );
      assert.deepEqual(readdirSync(sample.path("cache")), ["dist"]);
      assert.deepEqual(readdirSync(sample.path("cache", "dist")), []);
      assert.deepEqual(readdirSync(sample.path("eggs")), []);
    } finally {
      await server.close();
    }
  });
}
