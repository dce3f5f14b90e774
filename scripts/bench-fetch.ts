/**
 * Benchmarks the fetcher through the compiled executable `dist/buildout`.
 *
 * Serves a generated file (1 GiB by default) from 127.0.0.1 and compares,
 * in the same run and against the same server:
 *  - a buildout whose part downloads it with an MD5 check into an empty
 *    download cache, against `curl -o` of the same URL followed by `md5sum`;
 *  - a cache hit copied to `path`, against `cp` (and, with the MD5 check,
 *    against `cp` followed by `md5sum`);
 * each the best of RUNS runs, plus the peak memory (max RSS) of buildout.
 * The file stays under .bench/fetch/ (gitignored) for later runs.
 *
 *   deno task bench:fetch            # 1 GiB
 *   deno task bench:fetch --mib 64   # a quicker look
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const exe = join(root, "dist", "buildout");
const mibArg = process.argv.indexOf("--mib");
const MIB = mibArg > 0 ? Number(process.argv[mibArg + 1]) : 1024;
const RUNS = 2;
const work = join(root, ".bench", "fetch");
const served = join(work, "served");
const file = join(served, `data-${MIB}MiB.bin`);
const project = join(work, "buildout");
const cache = join(work, "cache");
const out = join(work, "out");

if (!fs.existsSync(exe)) {
  console.error(`${exe} not found: build it first with \`deno task compile\`.`);
  process.exit(1);
}
for (const tool of ["curl", "md5sum", "cp", "/usr/bin/time"]) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
    console.error(`${tool} is needed for the comparison`);
    process.exit(1);
  }
}

/** Writes the data file once: random 1 MiB blocks, then reuses it. */
function generate(): string {
  const size = MIB * 1024 * 1024;
  fs.mkdirSync(served, { recursive: true });
  const hash = createHash("md5");
  if (fs.existsSync(file) && fs.statSync(file).size === size) {
    const fd = fs.openSync(file, "r");
    const buffer = Buffer.alloc(1 << 20);
    let n;
    while ((n = fs.readSync(fd, buffer)) > 0) {
      hash.update(buffer.subarray(0, n));
    }
    fs.closeSync(fd);
    return hash.digest("hex");
  }
  const fd = fs.openSync(file + ".tmp", "w");
  for (let i = 0; i < MIB; i++) {
    const block = randomBytes(1 << 20);
    hash.update(block);
    fs.writeSync(fd, block);
  }
  fs.closeSync(fd);
  fs.renameSync(file + ".tmp", file);
  return hash.digest("hex");
}

const RECIPE = `
export default class Fetch {
  constructor(buildout, name, options) {
    this.buildout = buildout;
    this.options = options;
  }
  async install() {
    const settings = {};
    for (const key of ["md5", "path"]) {
      if (this.options.has(key)) settings[key] = this.options.get(key);
    }
    await this.buildout.download(this.options.require("url"), settings);
  }
  update() {
    return this.install();
  }
}
`;

function writeBuildout(url: string, part: string): void {
  fs.mkdirSync(join(project, "recipes"), { recursive: true });
  fs.writeFileSync(join(project, "recipes", "fetch.ts"), RECIPE);
  fs.writeFileSync(
    join(project, "recipes", "package.json"),
    JSON.stringify({
      name: "recipes",
      buildout: { recipes: { fetch: "./fetch.ts" } },
    }),
  );
  fs.writeFileSync(
    join(project, "buildout.cfg"),
    `[buildout]\ndevelop = recipes\nparts = fetch\ndownload-cache = ${cache}\n\n` +
      `[fetch]\nrecipe = recipes:fetch\nurl = ${url}\n${part}\n`,
  );
}

const env = {
  ...process.env,
  HOME: work,
  BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
};

interface Measure {
  seconds: number;
  peakMB?: number;
}

/** Runs `command` (through /usr/bin/time for the peak RSS) once. */
function runOnce(command: string[], cwd = work): Measure {
  const rss = join(work, "rss");
  const started = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", rss, ...command], {
    cwd,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) {
    console.error(`${command.join(" ")}: exit ${r.status}\n${r.stderr}`);
    process.exit(1);
  }
  const lines = fs.readFileSync(rss, "utf8").trim().split("\n");
  return { seconds, peakMB: parseInt(lines[lines.length - 1]) / 1024 };
}

/** The best of RUNS runs of `steps` run one after the other. */
function best(steps: string[][], before: () => void = () => {}): Measure {
  let result: Measure | undefined;
  for (let i = 0; i < RUNS; i++) {
    before();
    let seconds = 0;
    let peakMB = 0;
    for (const step of steps) {
      const m = runOnce(step, step[0] === exe ? project : work);
      seconds += m.seconds;
      peakMB = Math.max(peakMB, m.peakMB ?? 0);
    }
    if (!result || seconds < result.seconds) result = { seconds, peakMB };
  }
  return result!;
}

/**
 * Server mode: serves `served` on 127.0.0.1 and prints the port. Deno's own
 * server streams a file at several GB/s, where node:http's pipe manages
 * tens of MB/s under Deno and would measure itself.
 */
if (process.argv.includes("--serve")) {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(port),
  }, async (request) => {
    const path = join(served, new URL(request.url).pathname.slice(1));
    if (!path.startsWith(served + "/") || !fs.existsSync(path)) {
      return new Response("not found", { status: 404 });
    }
    const file = await Deno.open(path);
    const { size } = await file.stat();
    return new Response(file.readable, {
      headers: { "Content-Length": String(size) },
    });
  });
  await server.finished;
} else {
  await main();
}

async function main() {
  const md5 = generate();
  // The server runs in its own process: the measured commands run
  // synchronously here.
  const server = spawn(process.execPath, [
    "run",
    "-A",
    fileURLToPath(import.meta.url),
    "--serve",
  ], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise<number>((ok) =>
    server.stdout.once("data", (d) => ok(Number(String(d).trim())))
  );
  const url = `http://127.0.0.1:${port}/${file.slice(served.length + 1)}`;
  const cached = join(cache, file.slice(served.length + 1));
  const emptyCache = () => {
    fs.rmSync(cache, { recursive: true, force: true });
    fs.mkdirSync(cache, { recursive: true });
  };
  const removeOut = () => fs.rmSync(out, { force: true });

  console.log(
    `fetcher benchmark of ${exe}: ${MIB} MiB from ${
      url.replace(/\/[^/]*$/, "/")
    }` +
      `, best of ${RUNS} runs\n`,
  );

  writeBuildout(url, `md5 = ${md5}`);
  const curl = best(
    [["curl", "-s", "-o", out, url], ["md5sum", out]],
    removeOut,
  );
  const download = best([[exe]], emptyCache);

  writeBuildout(url, `path = ${out}`);
  const copy = best([["cp", cached, out]], removeOut);
  const hit = best([[exe]], removeOut);
  writeBuildout(url, `path = ${out}\nmd5 = ${md5}`);
  const copyMd5 = best([["cp", cached, out], ["md5sum", out]], removeOut);
  const hitMd5 = best([[exe]], removeOut);
  server.kill();

  const rate = (m: Measure) => `${(MIB / m.seconds).toFixed(0)} MiB/s`;
  const rows: Array<[string, Measure, Measure, number]> = [
    ["download + MD5 into empty cache", download, curl, 1.3],
    ["cache hit copied to path", hit, copy, 1.5],
    ["cache hit + MD5 copied to path", hitMd5, copyMd5, 1.5],
  ];
  const col = (s: string, w = 12) => s.padStart(w);
  console.log(
    "case".padEnd(34) + col("buildout s") + col("reference s") + col("ratio") +
      col("target") + col("buildout") + col("peak MB"),
  );
  for (const [name, ours, theirs, target] of rows) {
    const ratio = ours.seconds / theirs.seconds;
    console.log(
      name.padEnd(34) + col(ours.seconds.toFixed(2)) +
        col(theirs.seconds.toFixed(2)) + col(ratio.toFixed(2)) +
        col(`${ratio <= target ? "✓" : "✗"} ${target}x`) + col(rate(ours)) +
        col((ours.peakMB ?? 0).toFixed(1)),
    );
  }
  console.log(
    "\nreferences: curl -o + md5sum; cp; cp + md5sum. Peak memory target: " +
      `< 100 MB (${
        Math.max(...rows.map((r) => r[1].peakMB ?? 0)) < 100 ? "✓" : "✗"
      }).`,
  );
  fs.rmSync(out, { force: true });
  fs.rmSync(cache, { recursive: true, force: true });
}
