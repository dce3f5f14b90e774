/**
 * End-to-end tests of runs under the tight process limits of production
 * servers and minimal containers (`ulimit -n`, `-u`, `-v`): a run either
 * succeeds or stops with one `Error:` line saying which limit it met.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sampleBuildout, startServer } from "./harness.ts";
import { giveToNobody, LONE_USER, nobodySkipReason } from "./as_nobody.ts";
import { recipeDist, writeDist } from "./dist_archives.ts";

/** `through` for a run under `ulimit` with `flags` (`-n 32`). */
function ulimit(flags: string): string[] {
  return ["sh", "-c", `ulimit ${flags} && exec "$@"`, "sh"];
}

Deno.test("a recipe requiring 60 distributions from an index installs with 32 file descriptors", async () => {
  using sample = await sampleBuildout();
  const index = sample.tmpdir("index");
  const names = Array.from({ length: 60 }, (_, i) => `dep${i}`);
  for (const name of names) {
    await writeDist(
      join(index, name, `${name}-1.0.tgz`),
      recipeDist(name, "1.0", name),
    );
  }
  await writeDist(
    join(index, "top", "top-1.0.tgz"),
    recipeDist("top", "1.0", "top installed", names),
  );
  const server = await startServer(index);
  try {
    sample.write(
      "buildout.cfg",
      `[buildout]\nindex = ${server.url}\nparts = t\n[t]\nrecipe = top\n`,
    );
    // Each lookup read its index page at once: a connection per requirement.
    const result = await sample.run("-q", { through: ulimit("-n 32") });
    assert.equal(result.stderr, "");
    assert.equal(result.stdout, "top installed\n");
    assert.equal(result.code, 0);
  } finally {
    await server.close();
  }
});

Deno.test("running out of memory under ulimit -v is an error naming the limit, not a bug", async () => {
  using sample = await sampleBuildout();
  // 200,000 references to a 2,000-character value: 400 MB of output.
  sample.write("t.in", "${v}\n".repeat(200_000));
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts = p\n[p]\nrecipe = template\ninput = t.in\n" +
      `output = \${buildout:directory}/t.out\nv = ${"x".repeat(2000)}\n`,
  );
  const result = await sample.run("-q", { through: ulimit("-v 600000") });
  assert.equal(
    result.stderr,
    "While:\n  Installing.\n  Getting section p.\n  Initializing part p.\n" +
      "Error: Out of memory (ulimit -v is 600000 KiB)\n",
  );
  assert.equal(result.code, 1);
  assert.ok(!existsSync(sample.path("t.out")));
  assert.ok(!existsSync(sample.path(".installed.cfg")));
});

Deno.test({
  name: "a command the process limit refuses names the limit" +
    (nobodySkipReason ? ` (skipped: ${nobodySkipReason})` : ""),
  ignore: nobodySkipReason !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = c\n[c]\nrecipe = command\ncommand = echo made\n",
    );
    giveToNobody(sample, LONE_USER);
    /** The last stderr line of a run allowed `limit` processes. */
    const lastLine = async (limit: number) => {
      rmSync(sample.path(".installed.cfg"), { force: true });
      const result = await sample.run("-q", {
        through: [
          "setpriv",
          `--reuid=${LONE_USER}`,
          `--regid=${LONE_USER}`,
          "--clear-groups",
          "prlimit",
          `--nproc=${limit}`,
        ],
      });
      return result.code === 0
        ? ""
        : result.stderr.trimEnd().split("\n").pop()!;
    };
    const refusals: string[] = [];
    // Up from a limit too low to start: the runtime's own threads count,
    // and their number varies by one, so a limit may let the runtime start
    // one time and not the next, and the one above it may be enough.
    for (let sweep = 0; sweep < 10 && !refusals.length; sweep++) {
      let succeeded = false;
      for (let limit = 1; limit <= 32 && !succeeded; limit++) {
        const last = await lastLine(limit);
        succeeded = last === "";
        if (/^Error: Couldn't start \/bin\/sh/.test(last)) refusals.push(last);
      }
      assert.ok(succeeded, "no limit up to 32 was enough");
    }
    assert.ok(refusals.length > 0, "no run was refused a process");
    for (const refusal of refusals) {
      assert.equal(
        refusal,
        "Error: Couldn't start /bin/sh to run 'echo made': too many " +
          "processes (see ulimit -u, or the container's pids limit)",
      );
    }
  },
});

Deno.test("a template output past the file-size limit is an error naming it, and nothing is left", async () => {
  using sample = await sampleBuildout();
  // 1,000 references to a 2,000-character value: 2 MB of output.
  sample.write("t.in", "${v}\n".repeat(1000));
  for (const recipe of ["template", "collective.recipe.template"]) {
    sample.write(
      "buildout.cfg",
      `[buildout]\nparts = p\n[p]\nrecipe = ${recipe}\ninput = t.in\n` +
        `output = \${buildout:directory}/t.out\nv = ${"x".repeat(2000)}\n`,
    );
    const result = await sample.run("-q", { through: ulimit("-f 1000") });
    assert.equal(
      result.stderr,
      "While:\n  Installing p.\n" +
        "Error: Couldn't write /sample-buildout/t.out: file too large\n",
      recipe,
    );
    assert.equal(result.code, 1);
    assert.deepEqual(readdirSync(sample.dir).sort(), [
      "bin",
      "buildout.cfg",
      "develop-eggs",
      "eggs",
      "parts",
      "t.in",
    ]);
  }
});

Deno.test("downloads from 40 servers install with 32 file descriptors", async () => {
  using sample = await sampleBuildout();
  const files = sample.tmpdir("files");
  writeFileSync(join(files, "data.txt"), "data\n");
  const servers = [];
  try {
    for (let i = 0; i < 40; i++) servers.push(await startServer(files));
    let config = "[buildout]\nparts =";
    for (let i = 0; i < servers.length; i++) config += ` d${i}`;
    config += "\n";
    servers.forEach((server, i) => {
      config += `[d${i}]\nrecipe = download\nurl = ${server.url}data.txt\n` +
        "download-only = true\n";
    });
    sample.write("buildout.cfg", config);
    // Each server's connection was kept open, idle, to the end of the run.
    const result = await sample.run("-q", { through: ulimit("-n 32") });
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
    assert.equal(sample.cat("parts", "d39", "data.txt"), "data\n");
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
});

Deno.test(".installed.cfg of 1,000 parts is written under a file-size limit it fits in", async () => {
  using sample = await sampleBuildout();
  const names = Array.from({ length: 1000 }, (_, i) => `p${i}`);
  sample.write(
    "buildout.cfg",
    `[buildout]\nparts = ${names.join(" ")}\n` +
      names.map((name) => `[${name}]\nrecipe = mkdir\npaths =\n`).join(""),
  );
  // Each new part's record was appended with the whole parts list, which
  // made the file about 2.5 MB before the run's end rewrote it as 155 kB.
  // (sh counts 512-byte blocks: 300 kB.)
  const result = await sample.run("-q", { through: ulimit("-f 600") });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const installed = sample.cat(".installed.cfg");
  assert.ok(installed.startsWith(`[buildout]\nparts = ${names.join(" ")}\n`));
  assert.equal(installed.match(/^\[p\d+\]$/gm)?.length, 1000);
});
