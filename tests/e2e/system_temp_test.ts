/**
 * End-to-end tests of what a run killed by SIGKILL leaves in the system
 * temp directory (TMPDIR): a download handed to a recipe, a cmmi build
 * directory. The next run that makes a temporary there removes them; what
 * a live run, another user or another host leased stays, and so does a
 * failed build's directory, kept for inspection.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
} from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";
import { hostTag } from "../../lib/fetch/hidden_temp.ts";
import {
  type Sample,
  sampleBuildout,
  slowBody,
  startServer,
} from "./harness.ts";
import { pack, writePackage } from "./recipe_fixtures.ts";

/** The entries of the sample's TMPDIR, sorted. */
function tmpEntries(sample: Sample): string[] {
  return readdirSync(sample.runTmpdir).sort();
}

/**
 * Starts buildout in `sample` and waits until `ready()`, failing if it ends
 * first; returns the run and its process id, read from its lease's name.
 */
async function runUntil(sample: Sample, ready: () => boolean) {
  const run = sample.system("");
  let over = false;
  run.then(() => over = true);
  while (!ready()) {
    if (over) assert.fail(`buildout ended too soon:\n${(await run).output}`);
    await new Promise((ok) => setTimeout(ok, 10));
  }
  const lease = tmpEntries(sample).map((n) => LEASE.exec(n)).find(Boolean);
  assert.ok(lease, tmpEntries(sample).join(" "));
  return { run, pid: Number(lease[1]) };
}

const LEASE = new RegExp(`^\\.buildout-lease-${hostTag()}-(\\d+)-`);

Deno.test("a download killed by SIGKILL leaves its temporary in TMPDIR until the next run that downloads, which removes it", async () => {
  using sample = await sampleBuildout();
  const data = Buffer.alloc(4 << 20, "x");
  const sent = { bytes: 0 };
  const served = sample.tmpdir("served");
  sample.write(served, "small.txt", "small\n");
  const server = await startServer(served, {
    handlers: { "/big.bin": slowBody(data, 10, sent) },
  });
  try {
    await killedDownload(sample, server.url, sent);
  } finally {
    await server.close();
  }
});

/** Kills a run downloading big.bin; checks the next run's sweep. */
async function killedDownload(
  sample: Sample,
  url: string,
  sent: { bytes: number },
): Promise<void> {
  const part = (file: string) =>
    `[buildout]\nparts = get\n\n[get]\nrecipe = download\n` +
    `url = ${url}${file}\ndownload-only = true\n`;
  sample.write("buildout.cfg", part("big.bin"));

  // Bytes sent may still sit in socket buffers, the file not yet made: a
  // loaded machine showed only the lease.
  const killed = await runUntil(
    sample,
    () => sent.bytes >= 1 << 20 && tmpEntries(sample).length >= 2,
  );
  const during = tmpEntries(sample);
  assert.equal(during.length, 2, during.join(" "));
  assert.match(during[0], new RegExp(`^\\.buildout-lease-${hostTag()}-`));
  assert.match(during[1], /^buildout-[0-9a-f]{8}-big\.bin$/);
  process.kill(killed.pid, "SIGKILL");
  assert.equal((await killed.run).signal, "SIGKILL");
  assert.deepEqual(tmpEntries(sample), during, "a SIGKILL cleans nothing");

  // What stays: a live run's lease and its file, another host's lease, and
  // what a dead run's lease names outside TMPDIR (the lease itself goes).
  const tmp = sample.runTmpdir;
  const dead = spawnSync("true").pid!;
  sample.write(tmp, "buildout-live", "live\n");
  symlinkSync(
    join(tmp, "buildout-live"),
    join(tmp, `.buildout-lease-${hostTag()}-${process.pid}-0badf00d`),
  );
  const elsewhere = `.buildout-lease-00000000-${dead}-0badf00d`;
  symlinkSync(join(tmp, "buildout-elsewhere"), join(tmp, elsewhere));
  sample.write(tmp, "buildout-elsewhere", "other host\n");
  const outside = sample.path("buildout-outside");
  sample.write(outside, "kept\n");
  symlinkSync(outside, join(tmp, `.buildout-lease-${hostTag()}-${dead}-1`));
  symlinkSync(
    outside,
    join(tmp, `.buildout-lease-${hostTag()}-${dead}-0badf00d`),
  );
  // Beside TMPDIR, in a directory whose name is as long as its own: what
  // follows TMPDIR's length in the path looks like a temporary's name.
  const beside = join(dirname(tmp), "tnp", "buildout-beside");
  mkdirSync(dirname(beside));
  sample.write(beside, "kept\n");
  symlinkSync(
    beside,
    join(tmp, `.buildout-lease-${hostTag()}-${dead}-0ddba11a`),
  );

  sample.write("buildout.cfg", part("small.txt"));
  const rerun = await sample.system("");
  assert.equal(rerun.code, 0, rerun.output);
  assert.deepEqual(
    tmpEntries(sample),
    [
      `.buildout-lease-${hostTag()}-${dead}-1`, // not a lease's name
      `.buildout-lease-${hostTag()}-${process.pid}-0badf00d`,
      elsewhere,
      "buildout-elsewhere",
      "buildout-live",
    ].sort(),
  );
  assert.equal(readFileSync(outside, "utf8"), "kept\n");
  assert.equal(readFileSync(beside, "utf8"), "kept\n");
}

/** A zc.recipe.cmmi part building `name`'s package (see below). */
function cmmiPart(sample: Sample): (name: string) => string {
  const sources = sample.tmpdir("sources");
  writePackage(join(sources, "slow"), {
    top: "hello-1.0",
    program: "hello",
    install: [`echo $$$$ > ${sample.path("make.pid")}; exec sleep 20`],
  });
  writePackage(join(sources, "broken"), {
    top: "hello-1.0",
    program: "hello",
    install: ["false"],
  });
  writePackage(join(sources, "quick"), { top: "hello-1.0", program: "hello" });
  return (name) =>
    `[buildout]\nparts = x\n\n[x]\nrecipe = zc.recipe.cmmi\nurl = ${
      pack(join(sources, name), ["hello-1.0"], `${sources}/${name}.tar.gz`)
    }\n`;
}

Deno.test("zc.recipe.cmmi: a build killed by SIGKILL leaves its directory in TMPDIR until the next build, which removes it", async () => {
  using sample = await sampleBuildout();
  const part = cmmiPart(sample);
  sample.write("buildout.cfg", part("slow"));
  const makePid = sample.path("make.pid");
  const killed = await runUntil(
    sample,
    () => existsSync(makePid) && readFileSync(makePid, "utf8").endsWith("\n"),
  );
  process.kill(killed.pid, "SIGKILL");
  // The sleeping `make install` outlives buildout and holds its output,
  // which the run's result waits for; it holds nothing in TMPDIR.
  process.kill(Number(readFileSync(makePid, "utf8")), "SIGKILL");
  assert.equal((await killed.run).signal, "SIGKILL");
  const left = tmpEntries(sample);
  assert.equal(left.length, 2, left.join(" "));
  assert.match(left[1], /^buildout-x-/);
  assert.ok(lstatSync(join(sample.runTmpdir, left[1])).isDirectory());

  sample.write("buildout.cfg", part("quick"));
  const rerun = await sample.system("");
  assert.equal(rerun.code, 0, rerun.output);
  assert.deepEqual(tmpEntries(sample), []);
});

Deno.test("zc.recipe.cmmi: a failed build's directory, kept for inspection, outlives its lease and stays on the next build", async () => {
  using sample = await sampleBuildout();
  const part = cmmiPart(sample);
  sample.write("buildout.cfg", part("broken"));
  const failed = await sample.system("");
  assert.equal(failed.code, 1, failed.output);
  const kept = /cmmi failed: (\S+)/.exec(failed.stdout)?.[1];
  assert.ok(kept, failed.stdout);
  assert.deepEqual(tmpEntries(sample), [kept.slice(kept.lastIndexOf("/") + 1)]);

  sample.write("buildout.cfg", part("quick"));
  const rerun = await sample.system("");
  assert.equal(rerun.code, 0, rerun.output);
  assert.ok(existsSync(join(kept, "hello-1.0", "Makefile")), `${kept} kept`);
  assert.deepEqual(tmpEntries(sample), [kept.slice(kept.lastIndexOf("/") + 1)]);
});
