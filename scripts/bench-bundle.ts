/**
 * Benchmarks `buildout bundle` and the offline build of its archive through
 * the compiled executable `dist/buildout`.
 *
 * A buildout with 20 parts, each downloading a 25 MiB file (500 MiB in all,
 * random bytes, so gzip cannot shrink them) from 127.0.0.1 with an MD5
 * check, is bundled; then the archive is unpacked with `tar xzf` (the
 * yardstick) and, in a second copy, built with `bin/buildout -c offline.cfg`
 * after the server is stopped. Prints the bundle time, the archive size,
 * both times and their ratio (target: the offline build costs at most 2x
 * unpacking the archive). Files stay under .bench/bundle/ (gitignored).
 *
 *   deno task bench:bundle
 *   deno task bench:bundle --mib 4   # 20 x 4 MiB, a quicker look
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const exe = join(root, "dist", "buildout");
const mibArg = process.argv.indexOf("--mib");
const MIB = mibArg > 0 ? Number(process.argv[mibArg + 1]) : 25;
const FILES = 20;
const work = join(root, ".bench", "bundle");
const served = join(work, "served");
const project = join(work, "project");
const archive = join(work, "project.tar.gz");

if (!fs.existsSync(exe)) {
  console.error(`${exe} not found: build it first with \`deno task compile\`.`);
  process.exit(1);
}

/** Writes FILES random files of MIB MiB (kept for later runs); their MD5s. */
function generate(): string[] {
  fs.mkdirSync(served, { recursive: true });
  const sums: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const file = join(served, `file${i}-${MIB}MiB.bin`);
    const hash = createHash("md5");
    if (fs.existsSync(file) && fs.statSync(file).size === MIB << 20) {
      hash.update(fs.readFileSync(file));
    } else {
      const fd = fs.openSync(file + ".tmp", "w");
      for (let m = 0; m < MIB; m++) {
        const block = randomBytes(1 << 20);
        hash.update(block);
        fs.writeSync(fd, block);
      }
      fs.closeSync(fd);
      fs.renameSync(file + ".tmp", file);
    }
    sums.push(hash.digest("hex"));
  }
  return sums;
}

const RECIPE = `
import { join } from "node:path";
export default class Fetch {
  constructor(buildout, name, options) {
    this.buildout = buildout;
    this.options = options;
    options.set("location", join(buildout.section("buildout").require("parts-directory"), name + ".bin"));
  }
  async install() {
    const path = this.options.require("location");
    await this.buildout.download(this.options.require("url"), {
      md5: this.options.require("md5sum"),
      path,
    });
    return path;
  }
}
`;

function writeBuildout(url: string, sums: string[]): void {
  fs.rmSync(project, { recursive: true, force: true });
  fs.mkdirSync(join(project, "recipes"), { recursive: true });
  fs.writeFileSync(join(project, "recipes", "fetch.js"), RECIPE);
  fs.writeFileSync(
    join(project, "recipes", "package.json"),
    JSON.stringify({
      name: "fetch",
      buildout: { recipes: { default: "./fetch.js" } },
    }),
  );
  const parts = sums.map((_, i) => `file${i}`);
  const sections = sums.map((sum, i) =>
    `[file${i}]\nrecipe = fetch\nurl = ${url}file${i}-${MIB}MiB.bin\nmd5sum = ${sum}\n`
  );
  fs.writeFileSync(
    join(project, "buildout.cfg"),
    `[buildout]\ndevelop = recipes\nparts = ${parts.join(" ")}\n\n` +
      sections.join("\n"),
  );
}

const env = {
  ...process.env,
  HOME: work,
  BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
};

/** Runs a command to completion; its wall time in seconds. */
function timed(command: string, args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0) {
        fail(new Error(`${command} ${args.join(" ")}: exit ${code}`));
      } else done((performance.now() - started) / 1000);
    });
  });
}

/** A static server for `served` on 127.0.0.1. */
async function serve(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = join(served, decodeURIComponent((req.url ?? "/").slice(1)));
    if (!path.startsWith(served + "/") || !fs.existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-length": fs.statSync(path).size });
    fs.createReadStream(path, { highWaterMark: 1 << 20 }).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

const sums = generate();
const server = await serve();
writeBuildout(server.url, sums);
fs.rmSync(archive, { force: true });
const bundleSeconds = await timed(exe, ["bundle", "-o", archive], project);
await server.close();
const archiveMB = fs.statSync(archive).size / 1024 / 1024;

const unpackDir = join(work, "unpack");
const buildDir = join(work, "offline");
for (const dir of [unpackDir, buildDir]) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
}
const unpackSeconds = await timed("tar", ["xzf", archive], unpackDir);
await timed("tar", ["xzf", archive], buildDir);
const offlineSeconds = await timed(
  join(buildDir, "project", "bin", "buildout"),
  ["-c", "offline.cfg"],
  join(buildDir, "project"),
);
const ratio = offlineSeconds / unpackSeconds;

console.log(
  `bundle benchmark: ${FILES} downloads of ${MIB} MiB (${FILES * MIB} MiB)`,
);
console.log(`bundle (online build + pack)   ${bundleSeconds.toFixed(2)} s`);
console.log(`archive size                   ${archiveMB.toFixed(1)} MB`);
console.log(`tar xzf of the archive         ${unpackSeconds.toFixed(2)} s`);
console.log(`offline build from the bundle  ${offlineSeconds.toFixed(2)} s`);
console.log(
  `${ratio <= 2 ? "✓" : "✗"} offline build <= 2x tar xzf: ${ratio.toFixed(2)}x`,
);
