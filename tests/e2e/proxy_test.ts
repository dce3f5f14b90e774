/**
 * Proxies as a corporate network sets them: `http_proxy` and `https_proxy`
 * (lower or upper case) with credentials, `no_proxy` exceptions, and a
 * proxy that is down, unknown, misconfigured or wants credentials. A small
 * logging proxy forwards http:// requests and tunnels https:// ones
 * (CONNECT); the proxy's password never appears in the output.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import {
  NO_TLS_OR_PROXY_ENV,
  ROOT,
  type RunResult,
  type Sample,
  sampleBuildout,
  startServer,
  type StaticServer,
  withRawServer,
} from "./harness.ts";

const FIXTURES = join(ROOT, "tests", "fixtures", "tls");
const PASSWORD = "s3cret-proxy-pw";
const CREDENTIALS = "Basic " +
  Buffer.from(`user:${PASSWORD}`).toString("base64");

/** A forward proxy on 127.0.0.1 logging what it was asked. */
class LoggingProxy {
  /** `GET http://host/path` or `CONNECT host:port`, then the credentials. */
  readonly log: string[] = [];
  private server!: Server;
  port = 0;

  /** `needsCredentials`: answer 407 unless {@link CREDENTIALS} are given. */
  constructor(private readonly needsCredentials: boolean) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const auth = req.headers["proxy-authorization"] ?? "";
      this.log.push(`${req.method} ${req.url} ${auth}`);
      if (this.needsCredentials && auth !== CREDENTIALS) {
        res.writeHead(407, { "Proxy-Authenticate": 'Basic realm="proxy"' });
        res.end();
        return;
      }
      const target = new URL(req.url!);
      const forward = request(target, { headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      forward.on("error", () => res.destroy());
      req.pipe(forward);
    });
    this.server.on("connect", (req, socket, head) => {
      const auth = req.headers["proxy-authorization"] ?? "";
      this.log.push(`CONNECT ${req.url} ${auth}`);
      socket.on("error", () => {});
      if (this.needsCredentials && auth !== CREDENTIALS) {
        socket.end(
          "HTTP/1.1 407 Proxy Authentication Required\r\n" +
            "Content-Length: 0\r\n\r\n",
        );
        return;
      }
      const [host, port] = req.url!.split(":");
      const upstream = connect(Number(port), host, () => {
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** The proxy's URL, with the user and {@link PASSWORD}. */
  get url(): string {
    return `http://user:${PASSWORD}@127.0.0.1:${this.port}`;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return new Promise((ok) => {
      this.server.close(() => ok());
      this.server.closeAllConnections();
    });
  }
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

/** The origin servers: `base.cfg` and `foo.txt` over HTTP and HTTPS. */
class Origins {
  http!: StaticServer;
  https!: StaticServer;

  async start(sample: Sample): Promise<this> {
    const dir = sample.tmpdir("site");
    sample.write(join(dir, "base.cfg"), "[buildout]\nparts =\n");
    sample.write(join(dir, "foo.txt"), "This is a foo text.");
    this.http = await startServer(dir);
    this.https = await startServer(dir, {
      tls: {
        cert: readFileSync(join(FIXTURES, "server.pem"), "utf8"),
        key: readFileSync(join(FIXTURES, "server.key"), "utf8"),
      },
    });
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.http.close();
    await this.https.close();
  }
}

/** `extends` over HTTP, then a download over HTTPS into a cache. */
function config(origins: Origins): string {
  return `[buildout]
extends = ${origins.http.url}base.cfg
parts = foo
download-cache = cache

[foo]
recipe = download
url = ${origins.https.url}foo.txt
download-only = true
`;
}

/** Forgets the installed part and empties the cache: the next run downloads. */
function fresh(sample: Sample): void {
  for (const path of ["cache", ".installed.cfg", join("parts", "foo")]) {
    rmSync(sample.path(path), { recursive: true, force: true });
  }
  sample.mkdir("cache");
}

/** Runs `-vv` with the private CA trusted, `env` on a clean TLS and proxy setup. */
async function run(
  sample: Sample,
  env: Record<string, string>,
): Promise<RunResult> {
  const result = await sample.run("-vv", {
    env: {
      ...NO_TLS_OR_PROXY_ENV,
      SSL_CERT_FILE: join(FIXTURES, "ca.pem"),
      ...env,
    },
  });
  assert.ok(!result.output.includes(PASSWORD), result.output);
  return result;
}

/** Asserts a failure whose last line is `Error: <error>`. */
function assertError(result: RunResult, error: string): void {
  assert.equal(result.code, 1, result.output);
  assert.equal(result.stderr.trimEnd().split("\n").pop(), `Error: ${error}`);
}

Deno.test("http_proxy and https_proxy carry every request, with the proxy's credentials", async () => {
  using sample = await sampleBuildout();
  await using origins = await new Origins().start(sample);
  sample.mkdir("cache");
  sample.write("buildout.cfg", config(origins));
  for (
    const names of [["http_proxy", "https_proxy"], [
      "HTTP_PROXY",
      "HTTPS_PROXY",
    ]]
  ) {
    await using proxy = await new LoggingProxy(true).start();
    fresh(sample);
    const result = await run(sample, {
      [names[0]]: proxy.url,
      [names[1]]: proxy.url,
    });
    assert.equal(result.code, 0, result.output);
    assert.equal(sample.cat("parts", "foo", "foo.txt"), "This is a foo text.");
    const https = new URL(origins.https.url).host;
    assert.deepEqual(proxy.log, [
      `GET ${origins.http.url}base.cfg ${CREDENTIALS}`,
      `CONNECT ${https} ${CREDENTIALS}`,
    ]);
  }
});

Deno.test("a proxy's credentials are sent as written, with or without a scheme", async () => {
  using sample = await sampleBuildout();
  await using origins = await new Origins().start(sample);
  await using proxy = await new LoggingProxy(false).start();
  sample.mkdir("cache");
  sample.write("buildout.cfg", config(origins));
  // As Python's urllib and curl send them: escapes decoded, a `%` that
  // starts none kept; `user:password@host:port` alone is an http:// proxy.
  const result = await run(sample, {
    http_proxy: `user:50%off@127.0.0.1:${proxy.port}`,
    https_proxy: `http://us%40er:${PASSWORD}%@127.0.0.1:${proxy.port}`,
  });
  assert.equal(result.code, 0, result.output);
  const basic = (userinfo: string) =>
    "Basic " + Buffer.from(userinfo).toString("base64");
  assert.deepEqual(proxy.log, [
    `GET ${origins.http.url}base.cfg ${basic("user:50%off")}`,
    `CONNECT ${new URL(origins.https.url).host} ${basic(`us@er:${PASSWORD}%`)}`,
  ]);
});

Deno.test("no_proxy sends matching hosts direct", async () => {
  using sample = await sampleBuildout();
  await using origins = await new Origins().start(sample);
  sample.mkdir("cache");
  sample.write("buildout.cfg", config(origins));
  const dead = `http://127.0.0.1:${await deadPort()}`;
  const port = new URL(origins.http.url).port;
  for (
    const noProxy of [
      "127.0.0.1",
      "*",
      "example.com, 127.0.0.1",
      "127.0.0.0/8",
    ]
  ) {
    fresh(sample);
    const result = await run(sample, {
      http_proxy: dead,
      https_proxy: dead,
      no_proxy: noProxy,
    });
    assert.equal(result.code, 0, `${noProxy}\n${result.output}`);
  }
  // A port in the entry: only that port goes direct.
  fresh(sample);
  const result = await run(sample, {
    http_proxy: dead,
    https_proxy: dead,
    NO_PROXY: `127.0.0.1:${port}`,
  });
  assertError(
    result,
    `Error downloading ${origins.https.url}foo.txt: proxy ${
      new URL(dead).host
    } (https_proxy): connection refused`,
  );
});

Deno.test("a proxy that is down, unknown, misconfigured or refusing is named, never its password", async () => {
  using sample = await sampleBuildout();
  await using origins = await new Origins().start(sample);
  await using proxy = await new LoggingProxy(true).start();
  sample.mkdir("cache");
  sample.write("buildout.cfg", config(origins));
  const base = `${origins.http.url}base.cfg`;
  const extendsError = `Error downloading extends for URL ${base}: `;
  const down = `127.0.0.1:${await deadPort()}`;
  const anonymous = `http://127.0.0.1:${proxy.port}`;
  const cases: Array<[Record<string, string>, string]> = [
    [
      { http_proxy: `http://user:${PASSWORD}@${down}` },
      `${extendsError}proxy ${down} (http_proxy): connection refused`,
    ],
    [
      { HTTP_PROXY: `http://user:${PASSWORD}@proxy.invalid:3128` },
      `${extendsError}could not resolve proxy host proxy.invalid (HTTP_PROXY)`,
    ],
    [
      { http_proxy: anonymous },
      `${extendsError}proxy 127.0.0.1:${proxy.port} (http_proxy): ` +
      "HTTP Error 407: Proxy Authentication Required",
    ],
    [
      { http_proxy: `socks5://user:${PASSWORD}@127.0.0.1:1080` },
      `${extendsError}bad proxy in http_proxy: unsupported scheme 'socks5' ` +
      "(http:// and https:// proxies are supported)",
    ],
    [
      { http_proxy: `http://user:${PASSWORD}@proxy host:3128` },
      `${extendsError}bad proxy in http_proxy: not a valid URL`,
    ],
  ];
  for (const [env, error] of cases) {
    assertError(await run(sample, env), error);
  }
  // The download part, through a tunnel the proxy refuses.
  sample.write(
    "buildout.cfg",
    config(origins).replace(/^extends = .*\n/m, ""),
  );
  assertError(
    await run(sample, { https_proxy: anonymous }),
    `Error downloading ${origins.https.url}foo.txt: proxy 127.0.0.1:${proxy.port} ` +
      "(https_proxy) refused the tunnel: 407 Proxy Authentication Required",
  );
  assert.deepEqual(readdirSync(sample.path("cache")), []);
});

Deno.test("a proxy that closes the connection is named", async () => {
  using sample = await sampleBuildout();
  await using origins = await new Origins().start(sample);
  sample.mkdir("cache");
  sample.write("buildout.cfg", config(origins));
  /** The last line, the runtime's own words in the parentheses left out. */
  const lastLine = (result: RunResult) => {
    assert.equal(result.code, 1, result.output);
    return result.stderr.trimEnd().split("\n").pop()!
      .replace(/connection reset \(.+\)$/, "connection reset (...)");
  };
  // Answers nothing, to a plain request as to a CONNECT.
  await withRawServer(() => "", async (base) => {
    const proxy = `proxy ${new URL(base).host}`;
    assert.equal(
      lastLine(await run(sample, { http_proxy: base })),
      `Error: Error downloading extends for URL ${origins.http.url}base.cfg: ` +
        `${proxy} (http_proxy): connection reset (...)`,
    );
    sample.write(
      "buildout.cfg",
      config(origins).replace(/^extends = .*\n/m, ""),
    );
    assert.equal(
      lastLine(await run(sample, { https_proxy: base })),
      `Error: Error downloading ${origins.https.url}foo.txt: ` +
        `${proxy} (https_proxy): connection reset (...)`,
    );
    assert.deepEqual(readdirSync(sample.path("cache")), []);
  });
});
