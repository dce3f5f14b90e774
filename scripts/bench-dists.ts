/**
 * Benchmarks distribution finding and picking through the compiled
 * executable `dist/buildout`.
 *
 * Serves (from this process, on 127.0.0.1) one link page with 2,000
 * archives: 200 projects of 10 versions each, every archive a recipe
 * package with 32 KB of incompressible data. A buildout has 50 parts whose
 * recipes are 50 of those projects; each requires two projects of a second
 * level, which each require one of a third: a depth-3 tree reaching all
 * 200 projects. Times (wall, median):
 *
 * - bare start-up (`--version`), the reference point, and a buildout
 *   with no parts (what any install costs);
 * - cold: empty eggs directory and download cache, so the page is read and
 *   200 archives are downloaded and unpacked;
 * - warm `-N`: everything unpacked, nothing looked up, the last run's
 *   resolution repeated as a user's rerun does (lib/dists/kept_resolution.ts);
 *   also, beside start-up, from idle (see _timing_table.ts), for
 *   comparison, and with nothing kept (`BUILDOUT_CONFIG_CACHE=off`: the
 *   configuration loaded and the distributions resolved anew);
 * - warm newest (the default): everything unpacked, the page read again;
 * - transfer: `curl` (when installed) fetching the same page and archives
 *   over the same server in one process, what the cold run cannot beat;
 * - file-system floor: this process writing the files a cold run leaves
 *   (200 cached archives, 200 directories of 3 files, each written under a
 *   temporary name then renamed) with plain calls, right after emptying
 *   the eggs directory and cache as before each cold run: the other part
 *   of a cold run that no implementation avoids. On a file system that
 *   searches past recently freed inodes when creating files (ext4 without
 *   a journal), it is several times the transfer.
 * - cold over a link: the same cold run, served through an 8 MB/s
 *   (64 Mbit/s) link that all responses share, against the time that link
 *   needs for the bytes the run fetches. Loopback makes the transfer
 *   almost free, so the cold run cannot be mostly transfer there; this
 *   shows what it adds to a real download.
 *
 * Prints the figures and ratios; exits 0 whatever they are (1 only if
 * dist/buildout is missing or the buildout fails).
 *
 *   deno task bench:dists
 *   ./node_modules/.bin/deno run -A scripts/bench-dists.ts
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { packTar } from "modern-tar";
import { printFromIdle } from "./_timing_table.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const exe = join(root, "dist", "buildout");
const PROJECTS = 200, VERSIONS = 10, PARTS = 50, LEVEL2 = 100;
const PAYLOAD = 32 * 1024;
const COLD_RUNS = 5, WARM_RUNS = 15, WARMUPS = 2;
/** The link of the link-limited cold runs: 8 MB/s (64 Mbit/s). */
const LINK_RATE = 8e6, LINK_RUNS = 3;

if (!fs.existsSync(exe)) {
  console.error(`${exe} not found: build it first with \`deno task compile\`.`);
  process.exit(1);
}

const work = fs.mkdtempSync(join(tmpdir(), "bench-dists-"));
const links = join(work, "links"), project = join(work, "project");
const home = join(work, "home"), cache = join(work, "cache");
const empty = join(work, "empty");
for (const dir of [links, project, home, cache, empty]) fs.mkdirSync(dir);
fs.writeFileSync(join(empty, "buildout.cfg"), "[buildout]\nparts =\n");
const env = {
  ...process.env,
  HOME: home,
  BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
};

const name = (n: number) => `p${String(n).padStart(3, "0")}`;

/** What project `n` requires: level 1 two of level 2, level 2 one of level 3. */
function requires(n: number): string[] {
  if (n < PARTS) return [name(PARTS + 2 * n), name(PARTS + 2 * n + 1)];
  if (n < PARTS + LEVEL2) return [`${name(PARTS + LEVEL2 + (n % 50))}>=1.0`];
  return [];
}

/** The files of the newest version of each project, as unpacked. */
const newestFiles = new Map<string, Array<[string, Uint8Array]>>();

/** Writes the 2,000 archives and the link page; returns the total bytes. */
async function generate(): Promise<number> {
  let bytes = 0;
  const names: string[] = [];
  const recipe = "export default class R { install() { return []; } " +
    "update() { return []; } }\n";
  for (let n = 0; n < PROJECTS; n++) {
    for (let v = 0; v < VERSIONS; v++) {
      const version = `1.${v}`;
      const files: Array<[string, Uint8Array]> = [
        [
          "package/package.json",
          new TextEncoder().encode(JSON.stringify({
            name: name(n),
            version,
            buildout: {
              recipes: { default: "./recipe.js" },
              requires: requires(n),
            },
          })),
        ],
        ["package/recipe.js", new TextEncoder().encode(recipe)],
        ["package/data.bin", new Uint8Array(randomBytes(PAYLOAD))],
      ];
      const tar = await packTar(files.map(([path, data]) => ({
        header: { name: path, size: data.length },
        body: data,
      })));
      if (v === VERSIONS - 1) newestFiles.set(`${name(n)}-${version}`, files);
      const file = `${name(n)}-${version}.tgz`;
      const archive = gzipSync(tar);
      fs.writeFileSync(join(links, file), archive);
      bytes += archive.length;
      names.push(file);
    }
  }
  fs.writeFileSync(
    join(links, "index.html"),
    "<html><body>\n" +
      names.map((f) => `<a href="${f}">${f}</a><br>\n`).join("") +
      "</body></html>\n",
  );
  return bytes;
}

const requests: string[] = [];

/**
 * A network link of `rate` bytes per second that every response shares:
 * each 16 KB piece is sent when the pieces before it, on any connection,
 * would have gone through.
 */
class Link {
  private free = 0;
  constructor(readonly rate: number) {}

  send(res: ServerResponse, body: Uint8Array, at = 0): void {
    if (at >= body.length) {
      res.end();
      return;
    }
    const piece = body.subarray(at, at + 16384);
    const now = performance.now();
    this.free = Math.max(now, this.free) + 1000 * piece.length / this.rate;
    setTimeout(() => {
      res.write(piece);
      this.send(res, body, at + piece.length);
    }, this.free - now);
  }
}

/** The file a request path names: the link page for `/`. */
const servedFile = (path: string) =>
  join(links, path === "/" ? "index.html" : path.slice(1));

/** Serves the link page and archives, over `link` when given. */
function serve(link?: Link): Server {
  return createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    requests.push(path);
    const file = servedFile(path);
    if (!file.startsWith(links) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, {
      "Content-Type": file.endsWith(".html") ? "text/html" : "application/gzip",
      "Content-Length": body.length,
    });
    if (link) link.send(res, body);
    else res.end(body);
  });
}

/** Listens on 127.0.0.1; returns the server's URL. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

const server = serve();
const url = await listen(server);
const linkServer = serve(new Link(LINK_RATE));
const linkUrl = await listen(linkServer);

/**
 * Runs `cmd args` (with `more` in its environment) without blocking the
 * server; exits on failure.
 */
function runOnce(
  cmd: string,
  args: string[],
  more: Record<string, string> = {},
): Promise<number> {
  const start = performance.now();
  return new Promise((done) => {
    const child = spawn(cmd, args, {
      cwd: project,
      env: { ...env, ...more },
      stdio: "pipe",
    });
    let err = "";
    child.stderr.on("data", (chunk) => err += chunk);
    child.stdout.on("data", () => {});
    child.on("close", (code) => {
      if (code === 0) return done(performance.now() - start);
      console.error(`${cmd} ${args.join(" ")}: exit ${code}\n${err}`);
      cleanup();
      process.exit(1);
    });
  });
}

/** Median wall time of `runs` runs after `warmups`, `before` each run. */
async function time(
  args: string[],
  runs: number,
  warmups: number,
  before = () => {},
  cmd = exe,
  more: Record<string, string> = {},
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < warmups + runs; i++) {
    before();
    const t = await runOnce(cmd, args, more);
    if (i >= warmups) times.push(t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

function cleanup(): void {
  server.close();
  linkServer.close();
  fs.rmSync(work, { recursive: true, force: true });
}

function emptyEggsAndCache(): void {
  for (const dir of [join(project, "eggs"), cache]) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
  }
  fs.rmSync(join(project, ".installed.cfg"), { force: true });
}

/**
 * Milliseconds to write what a cold run leaves in the cache and the eggs
 * directory, with plain synchronous calls, after emptying them.
 */
function fileSystemFloor(): number {
  emptyEggsAndCache();
  const eggs = join(project, "eggs"), dists = join(cache, "dist");
  const start = performance.now();
  fs.mkdirSync(dists);
  for (const [stem, files] of newestFiles) {
    const archive = join(dists, `.${stem}.tgz`);
    fs.writeFileSync(archive, fs.readFileSync(join(links, `${stem}.tgz`)));
    fs.renameSync(archive, join(dists, `${stem}.tgz`));
    const dir = join(eggs, `.${stem}`);
    fs.mkdirSync(dir);
    for (const [path, data] of files) {
      fs.writeFileSync(join(dir, path.slice("package/".length)), data);
    }
    fs.renameSync(dir, join(eggs, stem));
  }
  return performance.now() - start;
}

const bytes = await generate();
const parts = Array.from({ length: PARTS }, (_, n) => `part${n}`);
/** The buildout, finding distributions at `links`. */
const config = (links: string) =>
  `[buildout]\nparts = ${parts.join(" ")}\nfind-links = ${links}\n` +
  `download-cache = ${cache}\n\n` +
  parts.map((p, n) => `[${p}]\nrecipe = ${name(n)}\n`).join("\n");
fs.writeFileSync(join(project, "buildout.cfg"), config(url));
// The same buildout in the same directory, over the link.
fs.writeFileSync(join(project, "link.cfg"), config(linkUrl));

console.log(`distributions benchmark of ${exe}`);
console.log(
  `link page: ${PROJECTS * VERSIONS} archives of ${PROJECTS} projects ` +
    `(${(bytes / 1e6).toFixed(1)} MB); ${PARTS} recipe requirements, ` +
    `depth-3 tree of ${PROJECTS} distributions\n`,
);

const startup = await time(["--version"], WARM_RUNS, WARMUPS);
const noParts = await time(
  ["-N", "-c", join(empty, "buildout.cfg")],
  WARM_RUNS,
  WARMUPS,
);
requests.length = 0;
const cold = await time([], COLD_RUNS, 0, emptyEggsAndCache);
const perRun = requests.length / COLD_RUNS;
const fetched = [...new Set(requests)];
const unpacked = fs.readdirSync(join(project, "eggs")).length;
const floors = Array.from({ length: COLD_RUNS }, fileSystemFloor)
  .sort((a, b) => a - b);
const floor = floors[Math.floor(COLD_RUNS / 2)];
const linkCold = await time(
  ["-c", join(project, "link.cfg")],
  LINK_RUNS,
  0,
  emptyEggsAndCache,
);
// What the link needs for the bytes a cold run fetches, at best.
const linkBytes = fetched.reduce(
  (sum, path) => sum + fs.statSync(servedFile(path)).size,
  0,
);
const linkTransfer = 1000 * linkBytes / LINK_RATE;
await time([], 1, 0, emptyEggsAndCache);
const warm = await time(["-N"], WARM_RUNS, WARMUPS);
const warmAnew = await time(["-N"], WARM_RUNS, WARMUPS, () => {}, exe, {
  BUILDOUT_CONFIG_CACHE: "off",
});
const newest = await time([], WARM_RUNS, WARMUPS);

let transfer: number | undefined;
const curl = spawnSync("curl", ["--version"]).status === 0;
if (curl) {
  const args = ["-s", "-f"];
  for (const path of fetched) args.push("-o", "/dev/null", url + path.slice(1));
  transfer = await time(args, COLD_RUNS, 1, () => {}, "curl");
}

const col = (s: string | number, w = 12) =>
  (typeof s === "number" ? s.toFixed(1) : s).padStart(w);
console.log(
  "run".padEnd(34) + col("median ms") + col("x start-up"),
);
const row = (label: string, ms: number | undefined) =>
  console.log(
    label.padEnd(34) + col(ms ?? "-") +
      col(ms === undefined ? "-" : (ms / startup).toFixed(2)),
  );
row("--version (bare start-up)", startup);
row("-N, no parts (install machinery)", noParts);
row(`cold (${perRun} requests, ${unpacked} unpacked)`, cold);
row("warm -N", warm);
row("warm -N, nothing kept", warmAnew);
row("warm newest (page read again)", newest);
row(`transfer only (curl, ${fetched.length} GETs)`, transfer);
row("file-system floor (plain writes)", floor);
const rate = `${LINK_RATE / 1e6} MB/s link`;
row(`cold, ${rate}`, linkCold);
row(`the link's time for those bytes`, linkTransfer);

const mark = (ok: boolean) => ok ? "✓" : "✗";
console.log("\ntargets:");
console.log(
  `  ${mark(warm / startup <= 3)} warm -N <= 3x bare start-up: ` +
    `${(warm / startup).toFixed(2)}x`,
);
await printFromIdle(
  "warm -N",
  () => runOnce(exe, ["--version"]),
  () => runOnce(exe, ["-N"]),
  WARM_RUNS,
);
console.log(
  transfer === undefined
    ? "  - cold dominated by transfer: curl not installed"
    : `  ${mark(transfer / cold >= 0.5)} cold dominated by transfer: ` +
      `transfer is ${(100 * transfer / cold).toFixed(0)}% of the cold run ` +
      `(${cold.toFixed(0)} ms cold, ${transfer.toFixed(0)} ms transfer)`,
);
console.log(
  `    the file-system floor is ${(100 * floor / cold).toFixed(0)}% of it ` +
    `(${floor.toFixed(0)} ms); the rest, ` +
    `${(cold - floor - (transfer ?? 0)).toFixed(0)} ms, is start-up, ` +
    "reading the page, downloading, unpacking, resolution and imports",
);
console.log(
  `  ${mark(linkTransfer / linkCold >= 0.5)} cold, ${rate} ` +
    `(${(linkBytes / 1e6).toFixed(1)} MB): transfer is ` +
    `${(100 * linkTransfer / linkCold).toFixed(0)}% of the cold run ` +
    `(${linkCold.toFixed(0)} ms cold, ${linkTransfer.toFixed(0)} ms at the ` +
    "link's rate)",
);
cleanup();
