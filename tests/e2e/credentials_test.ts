/**
 * Passwords in URLs, as private package servers use them: sent as Basic
 * authentication, never to the server a redirect leads to; a refusal is
 * one line, the password shown as `****`.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  NO_TLS_OR_PROXY_ENV,
  type RequestHandler,
  sampleBuildout,
  startServer,
} from "./harness.ts";

const PASSWORD = "s3cret-site-pw";

Deno.test("user:password in a URL is Basic authentication, kept from redirect targets and messages", async () => {
  using sample = await sampleBuildout();
  const site = sample.tmpdir("site");
  const seen: string[] = [];
  const record = (then: RequestHandler): RequestHandler => (req, res) => {
    seen.push(`${req.url} ${req.headers.authorization ?? "-"}`);
    then(req, res);
  };
  const elsewhere = await startServer(site, {
    handlers: {
      "/other.cfg": record((_req, res) => res.end("[buildout]\nparts =\n")),
    },
  });
  const server = await startServer(site, {
    handlers: {
      "/base.cfg": record((req, res) => {
        const expected = "Basic " +
          Buffer.from(`me:${PASSWORD}`).toString("base64");
        if (req.headers.authorization !== expected) {
          res.writeHead(401, { "WWW-Authenticate": 'Basic realm="x"' });
          res.end();
          return;
        }
        res.end("[buildout]\nparts =\n");
      }),
      "/moved.cfg": record((_req, res) => {
        res.writeHead(302, { Location: `${elsewhere.url}other.cfg` });
        res.end();
      }),
    },
  });
  try {
    const withPassword = server.url.replace("//", `//me:${PASSWORD}@`);
    const run = (path: string) =>
      sample.run([
        "-c",
        `${withPassword}${path}`,
        `buildout:directory=${sample.dir}`,
      ], {
        env: NO_TLS_OR_PROXY_ENV,
      });
    let result = await run("base.cfg");
    assert.equal(result.code, 0, result.output);

    result = await run("moved.cfg");
    assert.equal(result.code, 0, result.output);
    const basic = "Basic " + Buffer.from(`me:${PASSWORD}`).toString("base64");
    assert.deepEqual(seen, [
      `/base.cfg ${basic}`,
      `/moved.cfg ${basic}`,
      "/other.cfg -",
    ]);

    const wrong = server.url.replace("//", "//me:wrong-pw@");
    result = await sample.run([
      "-c",
      `${wrong}base.cfg`,
      `buildout:directory=${sample.dir}`,
    ], {
      env: NO_TLS_OR_PROXY_ENV,
    });
    assert.equal(result.code, 1, result.output);
    assert.equal(
      result.stderr.trimEnd().split("\n").pop(),
      `Error: Error downloading extends for URL ${
        server.url.replace("//", "//me:****@")
      }base.cfg: HTTP Error 401: Unauthorized`,
    );
    assert.equal(seen.length, 4);
  } finally {
    await server.close();
    await elsewhere.close();
  }
});

Deno.test("user:password in a URL is sent as written whatever characters the password holds", async () => {
  using sample = await sampleBuildout();
  const site = sample.tmpdir("site");
  const received: string[] = [];
  const server = await startServer(site, {
    handlers: {
      "/base.cfg": (req, res) => {
        const header = req.headers.authorization ?? "";
        received.push(
          Buffer.from(header.replace(/^Basic /, ""), "base64").toString(),
        );
        res.end("[buildout]\nparts =\n");
      },
    },
  });
  try {
    // As written in the URL, and as Python's unquote (zc.buildout) and
    // curl send it: escapes decoded, a `%` that starts none kept.
    const cases: Array<[string, string]> = [
      ["me:50%off", "me:50%off"],
      ["me:100%", "me:100%"],
      ["me:a%2Fb%zz", "me:a/b%zz"],
      ["us%40er:p%3As", "us@er:p:s"],
      ["me:p%C3%A4ss", "me:päss"],
      ["token%", "token%:"],
    ];
    for (const [userinfo] of cases) {
      const result = await sample.run([
        "-c",
        `${server.url.replace("//", `//${userinfo}@`)}base.cfg`,
        `buildout:directory=${sample.dir}`,
      ], { env: NO_TLS_OR_PROXY_ENV });
      assert.equal(result.code, 0, result.output);
    }
    assert.deepEqual(received, cases.map(([, sent]) => sent));
  } finally {
    await server.close();
  }
});

Deno.test("a password written with spaces is sent, and hidden in log lines and errors", async () => {
  using sample = await sampleBuildout();
  const received: string[] = [];
  const server = await startServer(sample.tmpdir("site"), {
    handlers: {
      "/x.tgz": (req, res) => {
        const header = req.headers.authorization ?? "";
        received.push(
          Buffer.from(header.replace(/^Basic /, ""), "base64").toString(),
        );
        res.writeHead(404);
        res.end();
      },
    },
  });
  try {
    const url = server.url.replace("//", "//me:my pass word@");
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = p\n[p]\nrecipe = download\nurl = ${url}x.tgz\n`,
    );
    const result = await sample.run("", { env: NO_TLS_OR_PROXY_ENV });
    assert.equal(result.code, 1, result.output);
    const shown = server.url.replace("//", "//me:****@") + "x.tgz";
    assert.equal(result.stdout, `Installing p.\nDownloading ${shown}\n`);
    assert.equal(
      result.stderr,
      `While:\n  Installing p.\nError: Error downloading ${shown}: HTTP Error 404: Not Found\n`,
    );
    assert.deepEqual(received, ["me:my pass word"]);
  } finally {
    await server.close();
  }
});

Deno.test("a password written with a raw / or # is hidden, and the error says how to write it", async () => {
  using sample = await sampleBuildout();
  // No URL parser takes `ab/cd` or `ab#cd` as a password: the URL is
  // invalid, and no request is made.
  for (const [password, escaped] of [["ab/cd", "%2F"], ["ab#cd", "%23"]]) {
    const url = `http://me:${password}@127.0.0.1:1`;
    const shown = "http://me:****@127.0.0.1:1";
    const invalid = `invalid URL (a '${password[2]}' in a password is ` +
      `written ${escaped})`;
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = p\n[p]\nrecipe = download\nurl = ${url}/x.tgz\n`,
    );
    let result = await sample.run("-vv", { env: NO_TLS_OR_PROXY_ENV });
    assert.equal(result.code, 1, result.output);
    assert.ok(!result.output.includes(password), result.output);
    assert.ok(
      result.stdout.split("\n").includes(`url = ${shown}/x.tgz`),
      result.stdout,
    );
    assert.equal(
      result.stderr.trimEnd().split("\n").pop(),
      `Error: Error downloading ${shown}/x.tgz: ${invalid}`,
    );
    // A link or index page at such a URL is one that cannot be read.
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = p\nfind-links = ${url}/links\n` +
        `index = ${url}/simple\n[p]\nrecipe = foo.recipe\n`,
    );
    result = await sample.run("", { env: NO_TLS_OR_PROXY_ENV });
    assert.equal(result.code, 1, result.output);
    assert.ok(!result.output.includes(password), result.output);
    assert.ok(!result.output.includes("internal error"), result.output);
    assert.ok(
      result.output.includes(
        `Download error on ${shown}/links: ${invalid} -- Some packages may not be found!`,
      ),
      result.output,
    );
  }
});

Deno.test("a redirect to the same server keeps the password, whether its address is relative or absolute", async () => {
  using sample = await sampleBuildout();
  const seen: string[] = [];
  const basic = "Basic " + Buffer.from(`me:${PASSWORD}`).toString("base64");
  const server = await startServer(sample.tmpdir("site"), {
    handlers: {
      // As nginx adds a trailing slash: an absolute address, no password.
      "/simple/foo": (_req, res) => {
        res.writeHead(301, { Location: `${server.url}simple/foo/` });
        res.end();
      },
      "/relative": (_req, res) => {
        res.writeHead(302, { Location: "/simple/foo/" });
        res.end();
      },
      // The same port on another host name, then another port.
      "/elsewhere": (_req, res) => {
        res.writeHead(302, {
          Location: server.url.replace("127.0.0.1", "localhost") +
            "simple/foo/",
        });
        res.end();
      },
      "/other-port": (_req, res) => {
        res.writeHead(302, { Location: `${other.url}simple/foo/` });
        res.end();
      },
      "/simple/foo/": (req, res) => {
        seen.push(`${req.headers.host} ${req.headers.authorization ?? "-"}`);
        res.end("[buildout]\nparts =\n");
      },
    },
  });
  const other = await startServer(sample.tmpdir("other"), {
    handlers: {
      "/simple/foo/": (req, res) => {
        seen.push(`${req.headers.host} ${req.headers.authorization ?? "-"}`);
        res.end("[buildout]\nparts =\n");
      },
    },
  });
  try {
    const withPassword = server.url.replace("//", `//me:${PASSWORD}@`);
    for (const path of ["simple/foo", "relative", "elsewhere", "other-port"]) {
      const result = await sample.run([
        "-c",
        `${withPassword}${path}`,
        `buildout:directory=${sample.dir}`,
      ], { env: NO_TLS_OR_PROXY_ENV });
      assert.equal(result.code, 0, result.output);
    }
    const host = new URL(server.url).host;
    assert.deepEqual(seen, [
      `${host} ${basic}`,
      `${host} ${basic}`,
      `${host.replace("127.0.0.1", "localhost")} -`,
      `${new URL(other.url).host} -`,
    ]);
  } finally {
    await server.close();
    await other.close();
  }
});

Deno.test("annotate names a file read from a URL with its password as ****, values as written", async () => {
  using sample = await sampleBuildout();
  const site = sample.tmpdir("site");
  sample.write(`${site}/base.cfg`, "[buildout]\nparts =\n[x]\ntoken = t0k\n");
  const server = await startServer(site);
  try {
    const withPassword = server.url.replace("//", `//me:${PASSWORD}@`);
    sample.write(
      "buildout.cfg",
      `[buildout]\nextends = ${withPassword}base.cfg\n` +
        `[y]\nurl = ${withPassword}y.tgz\n`,
    );
    const shown = server.url.replace("//", "//me:****@") + "base.cfg";
    const text = await sample.run("annotate x y", { env: NO_TLS_OR_PROXY_ENV });
    assert.equal(text.code, 0, text.output);
    assert.ok(text.stdout.includes(`token= t0k\n    ${shown}\n`), text.stdout);
    assert.ok(
      text.stdout.includes(`url= ${withPassword}y.tgz\n`),
      text.stdout,
    );
    const json = await sample.run("annotate --json x", {
      env: NO_TLS_OR_PROXY_ENV,
    });
    assert.equal(json.code, 0, json.output);
    assert.deepEqual(JSON.parse(json.stdout).sections.x.token.origins, [
      { operation: "=", source: shown },
    ]);
  } finally {
    await server.close();
  }
});
