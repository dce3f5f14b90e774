/**
 * Helpers for end-to-end tests of the compiled `dist/buildout`, modelled on
 * zc.buildout's doctest helpers (`zc.buildout.testing`): a fresh sample
 * buildout per test, `write`/`cat`/`ls`/`mkdir`/`remove`, `system` to run the
 * executable, path normalisation to `/sample-buildout`, and a static file
 * server on 127.0.0.1.
 *
 * Only `node:` modules are used, so the helpers also run under Bun or Node.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { sampleBuildout } from "./harness.ts";
 *
 * Deno.test("a missing config file is an error", async () => {
 *   using sample = await sampleBuildout();
 *   const result = await sample.system("-c nope.cfg");
 *   assert.equal(result.code, 1);
 *   assert.match(
 *     sample.normalize(result.stderr),
 *     /Error: Couldn't open \/sample-buildout\/nope.cfg/,
 *   );
 * });
 * ```
 *
 * The executable is never built here: `deno task test` compiles it first, and
 * {@link ensureBinary} fails with a clear message when it is missing.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { Buffer } from "node:buffer";
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { removeTree } from "../../lib/remove_tree.ts";

/** The repository root (two levels above this file). */
export const ROOT: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
);

/**
 * Absolute path of the executable under test: `dist/buildout`, or the path in
 * the environment variable `BUILDOUT_E2E_BINARY` (to test another build).
 */
export const BUILDOUT: string = resolve(
  process.env.BUILDOUT_E2E_BINARY || join(ROOT, "dist", "buildout"),
);

// The user defaults of the one running the tests must never reach a run: a
// BUILDOUT_HOME set here would win over the HOME each test gives, also in
// runs a test starts itself with this process's environment.
delete process.env.BUILDOUT_HOME;
// Nor theirs of kept configuration loads (see config_cache_test.ts).
delete process.env.BUILDOUT_CONFIG_CACHE;

/**
 * Throws unless {@link BUILDOUT} exists and is executable.
 *
 * @throws {Error} naming the missing file and the command that builds it.
 */
export function ensureBinary(): void {
  try {
    accessSync(BUILDOUT, constants.X_OK);
  } catch {
    throw new Error(
      `${BUILDOUT} does not exist or is not executable. ` +
        "End-to-end tests do not build it: run `deno task compile` " +
        "(or `deno task test`, which compiles first).",
    );
  }
}

/** What a finished process left behind. */
export interface RunResult {
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
  /** `stdout` followed by `stderr` (their interleaving is not kept). */
  output: string;
  /** Exit status, or `null` when a signal ended the process. */
  code: number | null;
  /** The signal that ended the process (`"SIGABRT"`, ...), else `null`. */
  signal: string | null;
}

/**
 * Variables that would make the executable trust, or go through, something
 * a test did not set up (a machine may set SSL_CERT_FILE, a CI a proxy):
 * give it as `env` to unset them all.
 */
export const NO_TLS_OR_PROXY_ENV: Record<string, undefined> = {
  SSL_CERT_FILE: undefined,
  SSL_CERT_DIR: undefined,
  NODE_EXTRA_CA_CERTS: undefined,
  http_proxy: undefined,
  HTTP_PROXY: undefined,
  https_proxy: undefined,
  HTTPS_PROXY: undefined,
  all_proxy: undefined,
  ALL_PROXY: undefined,
  no_proxy: undefined,
  NO_PROXY: undefined,
};

/** How to run a process. */
export interface RunOptions {
  /** Working directory; for `Sample.system` the sample directory. */
  cwd?: string;
  /**
   * Variables added to (or, with `undefined`, removed from) the environment;
   * `HOME` here overrides the sample's home.
   */
  env?: Record<string, string | undefined>;
  /** Text written to the process's stdin, which is then closed. */
  stdin?: string;
  /**
   * For `Sample.system`: a command the executable runs under, which ends by
   * running its arguments (`["python3", "-c", SCRIPT]`).
   */
  through?: string[];
  /** Kill the process (SIGKILL) after this many ms; default 120000. */
  timeoutMs?: number;
  /**
   * Called with each piece of stdout as it arrives (not normalised): to act
   * while the process runs, on what it has said so far.
   */
  onStdout?: (text: string) => void;
}

const DEFAULT_TIMEOUT_MS = 120_000;

function mergedEnv(
  base: Record<string, string | undefined>,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...base, ...extra })) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * The command line that runs `file` with exactly `env`. Deno's
 * `node:child_process` adds the parent's variables to any `env` given, so
 * when a variable must be absent the command goes through `env -i`.
 */
function commandWithEnv(
  file: string,
  args: string[],
  env: Record<string, string>,
): [string, string[]] {
  const dropped = Object.keys(process.env).some((key) => !(key in env));
  if (!dropped) return [file, args];
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return ["/usr/bin/env", ["-i", ...assignments, file, ...args]];
}

/**
 * Runs `file` with `args` and resolves when it has exited. Use this (not
 * {@link execSync}) whenever the process talks to a server started in this
 * test process, which needs the event loop to answer.
 */
export async function exec(
  file: string,
  args: string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  // An executable just copied may be refused for a moment ("Text file
  // busy") while a process started meanwhile still holds the copy's write
  // descriptor; Go's os/exec tests retry the same way.
  for (let attempt = 1;; attempt++) {
    try {
      return await execOnce(file, args, opts);
    } catch (err) {
      if (!/ETXTBSY|Text file busy/.test(String(err)) || attempt === 5) {
        throw err;
      }
      await new Promise((wait) => setTimeout(wait, 50 * attempt));
    }
  }
}

function execOnce(
  file: string,
  args: string[],
  opts: RunOptions,
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const env = mergedEnv(process.env, opts.env);
    const [command, commandArgs] = commandWithEnv(file, args, env);
    const child = spawn(command, commandArgs, {
      cwd: opts.cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      killSignal: "SIGKILL",
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk);
      opts.onStdout?.(chunk.toString("utf8"));
    });
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      resolvePromise({
        stdout,
        stderr,
        output: stdout + stderr,
        code,
        signal: signal ?? null,
      });
    });
    child.stdin.on("error", () => {/* the process may exit without reading */});
    child.stdin.end(opts.stdin ?? "");
  });
}

/** The synchronous form of {@link exec}. */
export function execSync(
  file: string,
  args: string[],
  opts: RunOptions = {},
): RunResult {
  const env = mergedEnv(process.env, opts.env);
  const [command, commandArgs] = commandWithEnv(file, args, env);
  const result = spawnSync(command, commandArgs, {
    cwd: opts.cwd,
    env,
    input: opts.stdin ?? "",
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    killSignal: "SIGKILL",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  const stdout = result.stdout.toString("utf8");
  const stderr = result.stderr.toString("utf8");
  return {
    stdout,
    stderr,
    output: stdout + stderr,
    code: result.status,
    signal: result.signal ?? null,
  };
}

/**
 * Resolves once `ready()` holds, checked every 10 ms while `run` goes on;
 * throws once `run` has settled without it (with the run's output when it
 * resolves to a {@link RunResult}): a run that fails early then fails the
 * test instead of leaving it waiting for ever.
 *
 * ```ts
 * const first = sample.run("");
 * await untilWhileRunning(first, () => existsSync(started), "make install");
 * ```
 * @throws {Error} naming `what` when `run` ended first.
 */
export async function untilWhileRunning(
  run: Promise<unknown>,
  ready: () => boolean,
  what: string,
): Promise<void> {
  let ended: { value: unknown } | undefined;
  run.then((value) => ended = { value }, (value) => ended = { value });
  while (!ready()) {
    if (ended) {
      const output = (ended.value as Partial<RunResult> | undefined)?.output;
      throw new Error(
        `the run ended before ${what}` +
          (typeof output === "string" ? `:\n${output}` : ""),
      );
    }
    await new Promise((wait) => setTimeout(wait, 10));
  }
}

/** `"-c x.cfg annotate"` → `["-c", "x.cfg", "annotate"]`; arrays pass as is. */
export function splitArgs(args: string[] | string): string[] {
  return typeof args === "string" ? args.split(" ").filter(Boolean) : args;
}

/** Contents of the file at `join(...path)`. */
export function cat(...path: string[]): string {
  return readFileSync(join(...path), "utf8");
}

/** Writes the last argument to the file at `join(...path)` (no parent dirs). */
export function write(...pathAndContent: [...string[], string]): void {
  const content = pathAndContent[pathAndContent.length - 1];
  writeFileSync(join(...pathAndContent.slice(0, -1)), content);
}

/** Creates the directory `join(...path)`, with missing parents. */
export function mkdir(...path: string[]): void {
  mkdirSync(join(...path), { recursive: true });
}

/** Removes the file, link or directory tree at `join(...path)`. */
export function remove(...path: string[]): void {
  rmSync(join(...path), { recursive: true });
}

function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The entries of directory `join(...path)` as zc.buildout's `ls` prints them:
 * sorted by name, each `d  name` (a directory, or a link to one),
 * `l  name` (another link) or `-  name`, with two spaces after the mark.
 *
 * ```ts
 * ls(sample.dir) // ["d  bin", "-  buildout.cfg", "d  develop-eggs", ...]
 * ```
 */
export function ls(...path: string[]): string[] {
  const dir = join(...path);
  return readdirSync(dir).sort(byCodePoint).map((name) => {
    const full = join(dir, name);
    let mark = "-";
    if (existsSync(full) && statSync(full).isDirectory()) mark = "d";
    else if (lstatSync(full).isSymbolicLink()) mark = "l";
    return `${mark}  ${name}`;
  });
}

/** Contents of the sample's `buildout.cfg`. */
export const SAMPLE_CONFIG = "[buildout]\nparts =\n";

/**
 * A throw-away buildout like zc.buildout's `sample_buildout`, in
 * `<tmp>/buildout-e2e-XXXXXX/_TEST_/sample-buildout`, with an empty home
 * directory next to it (`_TEST_/home`) used as `HOME` for every run.
 * Relative paths given to its methods are relative to {@link Sample.dir};
 * absolute ones are used as they are.
 */
export class Sample {
  /** The sample buildout directory (real path, no symlinks). */
  readonly dir: string;
  /** The empty directory used as `HOME` when running the executable. */
  readonly home: string;
  /**
   * The `TMPDIR` of runs, removed with the sample: what a run leaves in the
   * system's temporary directory on purpose (a failed build's sources, as
   * zc.recipe.cmmi keeps them) or by mistake stays out of the machine's.
   */
  readonly runTmpdir: string;
  /** The `_TEST_` directory holding the sample, the home and `tmpdir`s. */
  readonly testDir: string;
  readonly #base: string;
  readonly #aliases: string[];

  /** Use {@link sampleBuildout}; `base` is an empty directory to fill. */
  constructor(base: string) {
    this.#base = base;
    const real = realpathSync(base);
    this.testDir = join(real, "_TEST_");
    this.#aliases = [...new Set([this.testDir, join(base, "_TEST_")])]
      .sort((a, b) => b.length - a.length);
    this.dir = join(this.testDir, "sample-buildout");
    this.home = join(this.testDir, "home");
    this.runTmpdir = join(real, "tmp");
    for (const d of [this.dir, this.home, this.runTmpdir]) {
      mkdirSync(d, { recursive: true });
    }
    for (const d of ["bin", "develop-eggs", "eggs", "parts"]) {
      mkdirSync(join(this.dir, d));
    }
    writeFileSync(join(this.dir, "buildout.cfg"), SAMPLE_CONFIG);
  }

  /** Absolute path of `parts` resolved from the sample directory. */
  path(...parts: string[]): string {
    return resolve(this.dir, ...parts);
  }

  /**
   * Creates the directory `_TEST_/name` (shown as `/name` by
   * {@link normalize}) and returns its path.
   */
  tmpdir(name: string): string {
    const path = join(this.testDir, name);
    mkdirSync(path);
    return path;
  }

  /** See {@link write}; the path is relative to the sample. */
  write(...pathAndContent: [...string[], string]): void {
    const content = pathAndContent[pathAndContent.length - 1];
    write(this.path(...pathAndContent.slice(0, -1)), content);
  }

  /** See {@link cat}. */
  cat(...path: string[]): string {
    return cat(this.path(...path));
  }

  /** See {@link ls}; with no argument, the sample directory itself. */
  ls(...path: string[]): string[] {
    return ls(this.path(...path));
  }

  /** See {@link mkdir}. */
  mkdir(...path: string[]): void {
    mkdir(this.path(...path));
  }

  /** See {@link remove}. */
  remove(...path: string[]): void {
    remove(this.path(...path));
  }

  #runOptions(opts: RunOptions): RunOptions {
    ensureBinary();
    return {
      ...opts,
      cwd: opts.cwd ?? this.dir,
      env: {
        HOME: this.home,
        TMPDIR: this.runTmpdir,
        BUILDOUT_HOME: undefined,
        // Kept configuration loads go to HOME, as for a user without it.
        XDG_CACHE_HOME: undefined,
        BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
        COLUMNS: "80",
        ...opts.env,
      },
    };
  }

  /**
   * Runs the executable with `args` (a string is split on spaces) in the
   * sample directory, with `HOME` set to {@link Sample.home}.
   *
   * ```ts
   * const { code, stderr } = await sample.system("-c nope.cfg");
   * ```
   * @throws {Error} from {@link ensureBinary} when the executable is missing.
   */
  system(args: string[] | string, opts: RunOptions = {}): Promise<RunResult> {
    const [file, ...before] = [...opts.through ?? [], BUILDOUT];
    return exec(file, [...before, ...splitArgs(args)], this.#runOptions(opts));
  }

  /**
   * The synchronous form of {@link Sample.system}. It blocks the event loop,
   * so a server from {@link startServer} cannot answer the executable.
   */
  systemSync(args: string[] | string, opts: RunOptions = {}): RunResult {
    return execSync(BUILDOUT, splitArgs(args), this.#runOptions(opts));
  }

  /** See {@link normalize}. */
  normalize(text: string): string {
    return normalize(text, this);
  }

  /**
   * {@link Sample.system} with stdout and stderr normalised (see
   * {@link normalize}), `output` their concatenation.
   */
  async run(
    args: string[] | string = "",
    opts: RunOptions = {},
  ): Promise<RunResult> {
    const result = await this.system(args, opts);
    const stdout = this.normalize(result.stdout);
    const stderr = this.normalize(result.stderr);
    return { ...result, stdout, stderr, output: stdout + stderr };
  }

  /** Spellings of {@link Sample.testDir} (real and as created), longest first. */
  get testDirAliases(): readonly string[] {
    return this.#aliases;
  }

  /**
   * Deletes everything the sample created, read-only directories too (a
   * shared part's, which refuse a plain remove to anyone but root). Safe
   * to call twice.
   */
  cleanup(): void {
    removeTree(this.#base);
  }

  /** `using sample = await sampleBuildout()` cleans up at scope exit. */
  [Symbol.dispose](): void {
    this.cleanup();
  }
}

/** Creates a fresh {@link Sample}; call `cleanup()` (or `using`) when done. */
export function sampleBuildout(): Promise<Sample> {
  const base = mkdtempSync(join(tmpdir(), "buildout-e2e-"));
  return Promise.resolve(new Sample(base));
}

function replaceAll(text: string, from: string, to: string): string {
  return text.split(from).join(to);
}

/**
 * The reference's output conventions: `\r\n` becomes `\n`, and every path
 * under the sample's `_TEST_` directory loses that prefix, so the sample
 * reads `/sample-buildout`, its home `/home` and `sample.tmpdir("x")` `/x`.
 *
 * ```ts
 * normalize(`Couldn't open ${sample.dir}/nope.cfg`, sample)
 * // "Couldn't open /sample-buildout/nope.cfg"
 * ```
 */
export function normalize(text: string, sample: Sample): string {
  let result = replaceAll(text, "\r\n", "\n");
  for (const prefix of sample.testDirAliases) {
    result = replaceAll(result, prefix + sep, "/");
  }
  return result;
}

/** A running {@link startServer} server. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT/` (`https:` with TLS), with the trailing slash. */
  url: string;
  /** The request targets (path and query) received, in order, 404s too. */
  requests: string[];
  /** Log lines (`GET 200 /path`) written while logging was on. */
  log: string[];
  /**
   * While on, each request is also logged to stderr as the reference's
   * server prints it: `METHOD STATUS PATH`, e.g. `GET 404 /missing`.
   */
  setLogging(on: boolean): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

function contentType(path: string): string {
  if (path.endsWith(".egg")) return "application/zip";
  if (path.endsWith(".gz") || path.endsWith(".zip")) {
    return "application/x-gzip";
  }
  return "text/html";
}

function directoryListing(path: string): string {
  const names = readdirSync(path).sort(byCodePoint).map((name) =>
    statSync(join(path, name)).isDirectory() ? name + "/" : name
  );
  return "<html><body>\n" +
    names.map((name) => `<a href="${name}">${name}</a><br>\n`).join("") +
    "</body></html>\n";
}

/** Answers one request in place of the file server (see {@link startServer}). */
export type RequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
) => void;

/**
 * A handler sending `data` in 64 KiB chunks, one every `delayMs`; `sent`,
 * when given, counts the bytes sent so far.
 */
export function slowBody(
  data: Buffer,
  delayMs: number,
  sent?: { bytes: number },
): RequestHandler {
  return (_, res) => {
    res.writeHead(200, { "Content-Length": data.length });
    let offset = 0;
    const timer = setInterval(() => {
      const chunk = data.subarray(offset, offset + 65536);
      offset += chunk.length;
      if (sent) sent.bytes += chunk.length;
      res.write(chunk);
      if (offset >= data.length) {
        clearInterval(timer);
        res.end();
      }
    }, delayMs);
    res.on("close", () => clearInterval(timer));
  };
}

/** Extra behaviours of a {@link startServer} server. */
export interface ServerOptions {
  /**
   * Handlers by path (`/slow.bin`, without the query): they answer instead
   * of the file tree, for redirects, errors, slow or cut-off bodies. Their
   * requests are recorded and logged like the others.
   */
  handlers?: Record<string, RequestHandler>;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  tls?: { cert: string; key: string };
}

/**
 * Runs `fn` with a TCP server on 127.0.0.1 that answers the first request
 * of each connection with `answer(path)`, sent as is, and closes it: for
 * answers no HTTP server would give. `fn` gets the base URL.
 */
export async function withRawServer(
  answer: (path: string) => string,
  fn: (base: string) => Promise<void>,
): Promise<void> {
  const raw = createTcpServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", (request) => {
      socket.end(answer(request.toString("latin1").split(" ")[1]));
    });
  });
  await new Promise<void>((ok) => raw.listen(0, "127.0.0.1", ok));
  try {
    await fn(`http://127.0.0.1:${(raw.address() as { port: number }).port}`);
  } finally {
    await new Promise<void>((ok) => raw.close(() => ok()));
  }
}

/**
 * Serves the files under `dir` on 127.0.0.1 with an ephemeral port, like
 * zc.buildout's `start_server`: a file's bytes, an HTML index of links for a
 * directory, `404 Not Found` for anything missing or outside `dir`.
 *
 * ```ts
 * const server = await startServer(sample.tmpdir("index"));
 * try { ... server.url ... } finally { await server.close(); }
 * ```
 */
export async function startServer(
  dir: string,
  options: ServerOptions = {},
): Promise<StaticServer> {
  const tree = resolve(dir);
  const requests: string[] = [];
  const log: string[] = [];
  let logging = false;

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? "/";
    requests.push(target);
    const handler = options.handlers?.[target.split("?")[0]];
    if (handler) {
      if (logging) {
        res.once("close", () => {
          const line = `${req.method} ${res.statusCode} ${target}`;
          log.push(line);
          process.stderr.write(line + "\n");
        });
      }
      handler(req, res);
      return;
    }
    let status = 200;
    let body: Buffer | string;
    let type = "text/html";
    let pathname = target.split("?")[0];
    try {
      pathname = decodeURIComponent(pathname);
    } catch { /* served as written */ }
    const path = resolve(tree, ...pathname.split("/").filter(Boolean));
    const inside = path === tree || path.startsWith(tree + sep);
    if (!inside || !existsSync(path)) {
      status = 404;
      body = "<html><body>Not Found</body></html>";
    } else if (statSync(path).isDirectory()) {
      body = directoryListing(path);
    } else {
      body = readFileSync(path);
      type = contentType(path);
    }
    if (logging) {
      const line = `${req.method} ${status} ${target}`;
      log.push(line);
      process.stderr.write(line + "\n");
    }
    res.writeHead(status, {
      "Content-Type": type,
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  const server: HttpServer = options.tls
    ? createHttpsServer(options.tls, listener)
    : createServer(listener);

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    server.close();
    throw new Error(`unexpected server address ${address}`);
  }

  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${address.port}/`,
    requests,
    log,
    setLogging(on: boolean) {
      logging = on;
    },
    close() {
      return new Promise<void>((ok, fail) => {
        server.close((err) => err ? fail(err) : ok());
        server.closeAllConnections();
      });
    },
  };
}
