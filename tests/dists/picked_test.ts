import assert from "node:assert/strict";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
