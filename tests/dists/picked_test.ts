import assert from "node:assert/strict";
import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  formatPickedVersions,
  reportPickedVersions,
} from "../../lib/dists/picked.ts";

const PICKED = [
  { name: "demo", version: "0.3", requiredBy: [] },
  {
    name: "demoneeded",
    version: "1.1",
    requiredBy: ["bigdemo==0.1", "demo==0.3"],
  },
  { name: "other", version: "1.0", requiredBy: [] },
];

Deno.test("a [versions] block, dependencies last with their requirers", () => {
  assert.deepEqual(formatPickedVersions(PICKED), [
    "[versions]",
    "demo = 0.3",
    "other = 1.0",
    "",
    "# Required by:",
    "# bigdemo==0.1",
    "# demo==0.3",
    "demoneeded = 1.1",
  ]);
});

Deno.test("update-versions-file creates, then appends with a date", () => {
  const dir = mkdtempSync(join(tmpdir(), "picked-test-"));
  try {
    const file = join(dir, "versions.cfg");
    const now = new Date(2024, 4, 1, 12, 30, 5, 123);
    reportPickedVersions([PICKED[0]], { show: false, versionsFile: file, now });
    assert.equal(readFileSync(file, "utf8"), "[versions]\ndemo = 0.3\n");
    reportPickedVersions([PICKED[2]], { show: false, versionsFile: file, now });
    assert.equal(
      readFileSync(file, "utf8"),
      "[versions]\ndemo = 0.3\n\n# Added by buildout at 2024-05-01 12:30:05.123000\nother = 1.0\n",
    );
    reportPickedVersions([], { show: false, versionsFile: file, now });
    assert.equal(readFileSync(file, "utf8").split("\n").length, 6);
    assert.deepEqual(readdirSync(dir), ["versions.cfg"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("the date line pads every field as Python prints datetime.now(): microseconds to six digits", () => {
  const dir = mkdtempSync(join(tmpdir(), "picked-test-"));
  try {
    const file = join(dir, "versions.cfg");
    writeFileSync(file, "[versions]\n");
    const now = new Date(2024, 0, 2, 3, 4, 5, 6);
    reportPickedVersions([PICKED[0]], { show: false, versionsFile: file, now });
    assert.equal(
      readFileSync(file, "utf8"),
      "[versions]\n\n# Added by buildout at 2024-01-02 03:04:05.006000\ndemo = 0.3\n",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("an empty versions file gets the [versions] header, or the block would read as text before any section", () => {
  const dir = mkdtempSync(join(tmpdir(), "picked-test-"));
  try {
    // Made ahead (`touch versions.cfg`) so that buildout.cfg can extend it.
    const file = join(dir, "versions.cfg");
    writeFileSync(file, "");
    const now = new Date(2024, 4, 1, 12, 30, 5, 123);
    reportPickedVersions([PICKED[0]], { show: false, versionsFile: file, now });
    assert.equal(readFileSync(file, "utf8"), "[versions]\ndemo = 0.3\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("a versions file holding only comments or blank lines keeps the [versions] header, after the date line", () => {
  const dir = mkdtempSync(join(tmpdir(), "picked-test-"));
  try {
    const file = join(dir, "versions.cfg");
    const now = new Date(2024, 4, 1, 12, 30, 5, 123);
    for (const made of ["# Pins for production\n", "\n", "; pins"]) {
      writeFileSync(file, made);
      reportPickedVersions([PICKED[0]], {
        show: false,
        versionsFile: file,
        now,
      });
      assert.equal(
        readFileSync(file, "utf8"),
        `${made}\n# Added by buildout at 2024-05-01 12:30:05.123000\n` +
          "[versions]\ndemo = 0.3\n",
      );
    }
    // A section anywhere, as zc.buildout appends: the date line, no header.
    writeFileSync(file, "# Pins\n[versions]\nother = 1.0");
    reportPickedVersions([PICKED[0]], { show: false, versionsFile: file, now });
    assert.equal(
      readFileSync(file, "utf8"),
      "# Pins\n[versions]\nother = 1.0\n# Added by buildout at 2024-05-01 12:30:05.123000\ndemo = 0.3\n",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("an unwritable versions file is a user error", () => {
  const dir = mkdtempSync(join(tmpdir(), "picked-test-"));
  try {
    writeFileSync(join(dir, "file"), "");
    assert.throws(
      () =>
        reportPickedVersions(PICKED, {
          show: false,
          versionsFile: join(dir, "file", "versions.cfg"),
        }),
      /Couldn't write the picked versions to .*file\/versions.cfg/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("a versions file reached through a link is appended to through it and keeps its mode", () => {
  const dir = mkdtempSync(join(tmpdir(), "picked-test-"));
  try {
    mkdirSync(join(dir, "shared"));
    const shared = join(dir, "shared", "versions.cfg");
    writeFileSync(shared, "[versions]\n");
    chmodSync(shared, 0o664);
    const link = join(dir, "versions.cfg");
    symlinkSync(shared, link);
    const now = new Date(2024, 4, 1, 12, 30, 5, 123);
    reportPickedVersions([PICKED[0]], { show: false, versionsFile: link, now });
    assert.ok(lstatSync(link).isSymbolicLink(), "the link was replaced");
    assert.equal(
      readFileSync(shared, "utf8"),
      "[versions]\n\n# Added by buildout at 2024-05-01 12:30:05.123000\ndemo = 0.3\n",
    );
    assert.equal(statSync(shared).mode & 0o777, 0o664);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("runs appending to one versions file at the same time each keep their block", async () => {
  const dir = mkdtempSync(join(tmpdir(), "picked-test-"));
  try {
    const file = join(dir, "versions.cfg");
    const script = join(dir, "append.ts");
    const module = new URL("../../lib/dists/picked.ts", import.meta.url).href;
    writeFileSync(
      script,
      `import { reportPickedVersions } from ${JSON.stringify(module)};\n` +
        `for (let i = 0; i < 50; i++) {\n` +
        `  const name = "p" + Deno.args[0] + "-" + i;\n` +
        `  reportPickedVersions([{ name, version: "1", requiredBy: [] }],` +
        ` { show: false, versionsFile: ${JSON.stringify(file)} });\n` +
        `}\n`,
    );
    const runs = [0, 1, 2, 3].map((n) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", script, String(n)],
        stdout: "null",
      }).output()
    );
    for (const run of await Promise.all(runs)) {
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    }
    const names = readFileSync(file, "utf8").match(/^p\d-\d+(?= = 1$)/gm);
    assert.equal(new Set(names).size, 200);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test({
  name:
    "a link to the versions file another user planted is not written through",
  // Only root can give a link to another user.
  ignore: process.getuid?.() !== 0,
  fn() {
    const dir = mkdtempSync(join(tmpdir(), "picked-test-"));
    try {
      const victim = join(dir, "victim");
      writeFileSync(victim, "untouched\n");
      const link = join(dir, "versions.cfg");
      symlinkSync(victim, link);
      lchownSync(link, 12345, 12345);
      assert.throws(
        () =>
          reportPickedVersions(PICKED, {
            show: false,
            versionsFile: link,
            directory: dir,
          }),
        /versions\.cfg is a symbolic link owned by user 12345/,
      );
      assert.equal(readFileSync(victim, "utf8"), "untouched\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
