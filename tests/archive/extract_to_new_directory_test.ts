/**
 * `extractToNewDirectory` (lib/fetch/archive.ts), how distributions are
 * unpacked: the same result and the same errors as `extract` with
 * `stripTopLevelDir: "auto"`, into a directory it creates, and nothing
 * left when it fails.
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { UserError } from "../../lib/errors.ts";
import {
  ArchiveError,
  extract,
  extractToNewDirectory,
} from "../../lib/fetch/archive.ts";
import {
  archiveFile,
  compress,
  lessUmask,
  listing,
  tar,
  type TarMember,
  tempDir,
  zip,
} from "./_fixtures.ts";

const MTIME = 1_500_000_000;
const PACKAGE: TarMember[] = [
  { name: "package", type: "dir", mode: 0o755, mtime: MTIME },
  { name: "package/package.json", data: "{}", mode: 0o644, mtime: MTIME },
  { name: "package/lib", type: "dir", mode: 0o750, mtime: MTIME },
  { name: "package/lib/r.js", data: "//", mode: 0o600, mtime: MTIME },
  { name: "package/r", type: "symlink", linkname: "lib/r.js" },
  { name: "package/copy", type: "hardlink", linkname: "package/lib/r.js" },
];

/** The listing of `extract(…, {stripTopLevelDir: "auto"})` of `archive`. */
async function general(dir: string, archive: string): Promise<string[]> {
  const out = join(dir, "general");
  await extract(archive, out, { stripTopLevelDir: "auto" });
  return listing(out);
}

Deno.test("the single top-level directory is dropped; modes, links and times kept", async () => {
  using tmp = tempDir();
  for (
    const [name, data] of [
      ["a.tgz", compress(tar(PACKAGE), "gzip")],
      ["a.tar", tar(PACKAGE)],
      ["a.txz", compress(tar(PACKAGE), "xz")],
      [
        "a.zip",
        zip([
          { name: "package/", mode: 0o040755 },
          { name: "package/package.json", data: "{}", mode: 0o100644 },
          { name: "package/lib/", mode: 0o040750 },
          { name: "package/lib/r.js", data: "//", mode: 0o100600 },
          { name: "package/r", data: "lib/r.js", mode: 0o120777 },
          { name: "package/copy", data: "//", mode: 0o100600 },
        ]),
      ],
    ] as const
  ) {
    const out = join(tmp.path, name + ".out");
    await extractToNewDirectory(archiveFile(tmp.path, name, data), out);
    assert.deepEqual(
      listing(out),
      lessUmask([
        '- 600 copy "//"',
        "d 750 lib",
        '- 600 lib/r.js "//"',
        '- 644 package.json "{}"',
        "l r -> lib/r.js",
      ]),
      name,
    );
    assert.equal(
      (statSync(out).mode & 0o777).toString(8),
      (0o777 & ~process.umask()).toString(8),
      name,
    );
    if (!name.endsWith(".zip")) {
      assert.equal(statSync(join(out, "lib")).mtimeMs, MTIME * 1000, name);
      assert.equal(
        statSync(join(out, "copy")).ino,
        statSync(join(out, "lib/r.js")).ino,
        name,
      );
    }
  }
});

Deno.test("archives without a single top-level directory and others come out as extract makes them", async () => {
  const cases: TarMember[][] = [
    [{ name: "top/a", data: "1" }, { name: "b", data: "2" }],
    [{ name: "f", data: "1" }],
    [{ name: "./", type: "dir" }, { name: "./top/a", data: "1" }],
    [{ name: "top/", type: "dir" }, { name: "top/sub/x", data: "x" }],
    [],
  ];
  for (const [i, members] of cases.entries()) {
    using tmp = tempDir();
    const archive = archiveFile(
      tmp.path,
      "a.tgz",
      compress(tar(members), "gzip"),
    );
    const out = join(tmp.path, "out");
    await extractToNewDirectory(archive, out);
    assert.deepEqual(listing(out), await general(tmp.path, archive), `${i}`);
  }
});

Deno.test("refused and damaged archives fail as with extract, leaving nothing", async () => {
  using tmp = tempDir();
  const tgz = compress(tar(PACKAGE), "gzip");
  const cases: Array<[Uint8Array, RegExp]> = [
    [
      tar([{ name: "pkg/f", data: "1" }, {
        name: "pkg/up",
        type: "symlink",
        linkname: "../x",
      }]),
      /member 'pkg\/up' is a symlink pointing outside the destination/,
    ],
    [
      tar([{ name: "pkg/../../evil", data: "x" }]),
      /member 'pkg\/\.\.\/\.\.\/evil' has a '\.\.' component/,
    ],
    [tgz.subarray(0, tgz.length >> 1), /truncated \(unexpected end of data\)$/],
    [new TextEncoder().encode("not an archive"), /not a recognized archive/],
  ];
  for (const [i, [data, message]] of cases.entries()) {
    const archive = archiveFile(tmp.path, `bad${i}`, data);
    await assert.rejects(
      () => extractToNewDirectory(archive, join(tmp.path, "out")),
      (err: unknown) => {
        assert.ok(err instanceof ArchiveError, String(err));
        assert.match(err.message, message);
        return true;
      },
    );
    assert.ok(!readdirSync(tmp.path).includes("out"), `case ${i}`);
  }
});

Deno.test("an existing destination is refused and left alone", async () => {
  using tmp = tempDir();
  const archive = archiveFile(tmp.path, "a.tar", tar(PACKAGE));
  const out = join(tmp.path, "out");
  mkdirSync(out);
  writeFileSync(join(out, "mine"), "mine");
  await assert.rejects(
    () => extractToNewDirectory(archive, out),
    (err: unknown) =>
      err instanceof UserError &&
      /Couldn't extract .*a\.tar into .*out: file exists$/
        .test(err.message),
  );
  assert.deepEqual(listing(out), lessUmask(['- 666 mine "mine"']));
});

Deno.test("in a group-shared eggs directory, directories keep its setgid bit", async () => {
  using tmp = tempDir();
  const archive = archiveFile(tmp.path, "a.tar", tar(PACKAGE));
  const eggs = join(tmp.path, "eggs");
  mkdirSync(eggs);
  chmodSync(eggs, 0o2775);
  const out = join(eggs, "package-1");
  await extractToNewDirectory(archive, out);
  const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);
  assert.equal(mode(out), (0o2777 & ~process.umask()).toString(8));
  assert.equal(mode(join(out, "lib")), (0o2750 & ~process.umask()).toString(8));
});
