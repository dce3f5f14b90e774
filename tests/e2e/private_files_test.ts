/**
 * End-to-end tests of files made private (mode 600, as for files holding
 * passwords): what is written on their way never gives others more than
 * they have. Each run is killed (by strace, at its first chmod) right after
 * such a file's content is written, and what it leaves is checked; ignored
 * where strace cannot run, saying why.
 */
import assert from "node:assert/strict";
import { chmodSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Sample, sampleBuildout } from "./harness.ts";
import { KILLED_AT_FIRST_CHMOD, straceNote, straceSkip } from "./strace.ts";

/** Runs the executable in the sample, killed at its first chmod. */
function killedAtFirstChmod(sample: Sample) {
  return sample.system("", { through: KILLED_AT_FIRST_CHMOD });
}

/**
 * The files under the sample holding `text`, outside `except`, that users
 * other than the owner could read: readable by others, in directories
 * others may enter.
 */
function readableByOthers(
  sample: Sample,
  text: string,
  except?: string,
) {
  const found: string[] = [];
  const walk = (dir: string, open: boolean) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (path === except) continue;
      const mode = statSync(path).mode;
      if (entry.isDirectory()) walk(path, open && (mode & 0o001) !== 0);
      else if (entry.isFile() && readFileSync(path, "utf8").includes(text)) {
        found.push(
          `${open && (mode & 0o004) !== 0 ? "open" : "closed"} ${
            path.slice(sample.dir.length + 1)
          }`,
        );
      }
    }
  };
  walk(sample.dir, true);
  return found.sort();
}

/**
 * Kills a run in `sample` at its first chmod, when a file holding `text`
 * has been written: at least `copies` such files (outside `except`) are
 * left, none of them readable by others.
 */
async function assertKilledCopiesClosed(
  sample: Sample,
  text: string,
  copies: number,
  except?: string,
): Promise<void> {
  const killed = await killedAtFirstChmod(sample);
  assert.notEqual(killed.code, 0, killed.output);
  const left = readableByOthers(sample, text, except);
  assert.ok(left.length >= copies, `no copy was being written: ${left}`);
  assert.deepEqual(left.filter((entry) => entry.startsWith("open ")), []);
}

Deno.test({
  name: "a run killed while saving a private .installed.cfg leaves no copy " +
    `others can read${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = a b\n[a]\nrecipe = debug\nsecret = hunter2\n" +
        "[b]\nrecipe = debug\n",
    );
    const first = await sample.system("");
    assert.equal(first.code, 0, first.output);
    chmodSync(sample.path(".installed.cfg"), 0o600);

    // Uninstalling b rewrites the database, a's password included.
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = a\n[a]\nrecipe = debug\nsecret = hunter2\n",
    );
    chmodSync(sample.path("buildout.cfg"), 0o600);
    await assertKilledCopiesClosed(sample, "hunter2", 2);
  },
});

Deno.test({
  name: "a run killed while writing a template with mode 600 leaves no copy " +
    `others can read${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = pgpass\n[pgpass]\nrecipe = template\n" +
        "input = inline:\n  db:5432:*:app:hunter2\n" +
        "output = ${buildout:directory}/pgpass\nmode = 600\n",
    );
    chmodSync(sample.path("buildout.cfg"), 0o600);
    await assertKilledCopiesClosed(sample, "hunter2", 2);

    const result = await sample.system("");
    assert.equal(result.code, 0, result.output);
    assert.equal(statSync(sample.path("pgpass")).mode & 0o777, 0o600);
  },
});

Deno.test({
  name: "a run killed while copying a private file with download-only and " +
    `mode 600 leaves no copy others can read${straceNote}`,
  ignore: straceSkip !== null,
  fn: async () => {
    using sample = await sampleBuildout();
    sample.mkdir("private");
    sample.write("private/secret.txt", "db:5432:*:app:hunter2\n");
    chmodSync(sample.path("private"), 0o700);
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = secret\n[secret]\n" +
        "recipe = hexagonit.recipe.download\n" +
        "url = ${buildout:directory}/private/secret.txt\n" +
        "download-only = true\nmode = 600\n",
    );
    await assertKilledCopiesClosed(
      sample,
      "hunter2",
      1,
      sample.path("private"),
    );

    const result = await sample.system("");
    assert.equal(result.code, 0, result.output);
    assert.equal(
      statSync(sample.path("parts", "secret", "secret.txt")).mode & 0o777,
      0o600,
    );
  },
});
