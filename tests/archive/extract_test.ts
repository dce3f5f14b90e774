/**
 * `extract` (lib/fetch/archive.ts): every format, recognised by content;
 * modes, directories, symlinks, hard links, times; stripping; excludes;
 * merging into an existing destination; hostile members; truncated and
 * corrupt archives, after which nothing is left behind.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lchownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { crc32 } from "node:zlib";
import {
  ArchiveError,
  DamagedArchive,
  extract,
} from "../../lib/fetch/archive.ts";
import { UserError } from "../../lib/errors.ts";
import type { ExtractOptions } from "../../lib/recipe/api.ts";
import {
  archiveFile,
  compress,
  lessUmask,
  listing,
  sparseMembers,
  tar,
  type TarMember,
  tempDir,
  xzBlocks,
  zip,
  type ZipMember,
} from "./_fixtures.ts";

const MTIME = 1_500_000_000;

/** The same small tree as tar members and as zip members. */
const TREE_TAR: TarMember[] = [
  { name: "pkg-1.0", type: "dir", mode: 0o755, mtime: MTIME },
  { name: "pkg-1.0/README", data: "read me\n", mode: 0o644, mtime: MTIME },
  { name: "pkg-1.0/bin", type: "dir", mode: 0o750, mtime: MTIME },
  { name: "pkg-1.0/bin/run", data: "#!/bin/sh\n", mode: 0o755, mtime: MTIME },
  { name: "pkg-1.0/secret", data: "s3cr3t", mode: 0o600, mtime: MTIME },
  { name: "pkg-1.0/empty", type: "dir", mode: 0o700, mtime: MTIME },
  { name: "pkg-1.0/run", type: "symlink", linkname: "bin/run", mtime: MTIME },
  { name: "pkg-1.0/README.copy", type: "hardlink", linkname: "pkg-1.0/README" },
];
const TREE_ZIP: ZipMember[] = [
  { name: "pkg-1.0/", mode: 0o040755 },
  { name: "pkg-1.0/README", data: "read me\n", mode: 0o100644 },
  { name: "pkg-1.0/bin/", mode: 0o040750 },
  { name: "pkg-1.0/bin/run", data: "#!/bin/sh\n", mode: 0o100755 },
  { name: "pkg-1.0/secret", data: "s3cr3t", mode: 0o100600, method: 0 },
  { name: "pkg-1.0/empty/", mode: 0o040700 },
  { name: "pkg-1.0/run", data: "bin/run", mode: 0o120777 },
  { name: "pkg-1.0/README.copy", data: "read me\n", mode: 0o100644 },
];
const EXPECTED = [
  '- 644 README "read me\\n"',
  '- 644 README.copy "read me\\n"',
  "d 750 bin",
  '- 755 bin/run "#!/bin/sh\\n"',
  "d 700 empty",
  "l run -> bin/run",
  '- 600 secret "s3cr3t"',
];

/** Asserts `fn` rejects with an ArchiveError whose message matches. */
async function rejects(fn: () => Promise<unknown>, message: RegExp) {
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof ArchiveError, String(err));
    assert.match(err.message, message);
    return true;
  });
}

/** Nothing but `expected` in `dir`: no destination, no temporary directory. */
function onlyEntries(dir: string, expected: string[]) {
  assert.deepEqual(readdirSync(dir).sort(), expected.sort());
}

for (
  const [label, build] of [
    ["tar", () => tar(TREE_TAR)],
    ["tar.gz", () => compress(tar(TREE_TAR), "gzip")],
    ["tar.bz2", () => compress(tar(TREE_TAR), "bzip2")],
    ["tar.xz", () => compress(tar(TREE_TAR), "xz")],
    ["tar.lz", () => compress(tar(TREE_TAR), "lzip")],
    ["zip", () => zip(TREE_ZIP)],
  ] as const
) {
  Deno.test(`${label}: modes, directories, symlinks and links survive`, async () => {
    using tmp = tempDir();
    // a name that says nothing: the format comes from the content
    const file = archiveFile(tmp.path, "download", build());
    const dest = join(tmp.path, "parts", "pkg");
    const added = await extract(file, dest, { stripTopLevelDir: true });
    assert.deepEqual(
      added,
      [
        "README",
        "README.copy",
        "bin",
        "empty",
        "run",
        "secret",
      ].map((n) => join(dest, n)),
    );
    assert.deepEqual(listing(dest), lessUmask(EXPECTED));
    onlyEntries(join(tmp.path, "parts"), ["pkg"]);
  });
}

Deno.test("tar keeps modification times and hard links", async () => {
  using tmp = tempDir();
  const file = archiveFile(tmp.path, "a.tgz", compress(tar(TREE_TAR), "gzip"));
  const dest = join(tmp.path, "out");
  await extract(file, dest);
  for (const name of ["pkg-1.0/README", "pkg-1.0/bin", "pkg-1.0/empty"]) {
    assert.equal(statSync(join(dest, name)).mtimeMs, MTIME * 1000, name);
  }
  const original = statSync(join(dest, "pkg-1.0/README"));
  const link = statSync(join(dest, "pkg-1.0/README.copy"));
  assert.equal(link.ino, original.ino);
});

Deno.test("pax times a date cannot hold are ignored: the members get the current time", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([
      { name: "d", type: "dir", pax: { mtime: "1e40" } },
      { name: "d/far", data: "x", pax: { mtime: "999999999999999999999" } },
      { name: "d/past", data: "x", pax: { mtime: "-99999999999999" } },
    ]),
  );
  const before = Date.now() - 60_000;
  await extract(file, join(tmp.path, "out"));
  for (const name of ["d", "d/far", "d/past"]) {
    assert.ok(statSync(join(tmp.path, "out", name)).mtimeMs > before, name);
  }
});

Deno.test("zip times come from the DOS fields; Windows names use backslashes, Unix names keep them; a final '/' makes a directory", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.zip",
    zip([
      { name: "dir\\file.txt", data: "x", host: 0 },
      { name: "back\\slash", data: "b" },
      // no mode, as DOS tools write a directory
      { name: "empty/", host: 0 },
    ]),
  );
  const dest = join(tmp.path, "out");
  await extract(file, dest);
  assert.deepEqual(
    listing(dest),
    lessUmask([
      '- 644 back\\slash "b"',
      "d 777 dir",
      '- 644 dir/file.txt "x"',
      "d 777 empty",
    ]),
  );
  const mtime = statSync(join(dest, "dir/file.txt")).mtime;
  assert.deepEqual(
    [mtime.getFullYear(), mtime.getMonth(), mtime.getDate()],
    [2020, 0, 1],
  );
});

Deno.test("large members stream through (tar.gz, zip deflated and stored)", async () => {
  using tmp = tempDir();
  // above the 4 MiB up to which a tar.gz is read whole
  const big = randomBytes(5 << 20);
  const text = Buffer.from("0123456789abcdef".repeat(1 << 18));
  const digest = (data: Uint8Array) =>
    createHash("sha256").update(data).digest("hex");
  const archives = {
    "a.tgz": compress(
      tar([{ name: "big", data: big }, { name: "text", data: text }]),
      "gzip",
    ),
    "a.zip": zip([
      { name: "big", data: big, method: 0 },
      { name: "text", data: text },
    ]),
  };
  for (const [name, data] of Object.entries(archives)) {
    const dest = join(tmp.path, name + ".out");
    await extract(archiveFile(tmp.path, name, data), dest);
    assert.equal(digest(readFileSync(join(dest, "big"))), digest(big), name);
    assert.equal(digest(readFileSync(join(dest, "text"))), digest(text), name);
  }
});

Deno.test("a small tar.gz holding a large tar streams too", async () => {
  using tmp = tempDir();
  const zeros = new Uint8Array(40 << 20);
  const file = archiveFile(
    tmp.path,
    "zeros.tgz",
    compress(tar([{ name: "zeros", data: zeros }]), "gzip"),
  );
  assert.ok(statSync(file).size < 1 << 20);
  await extract(file, join(tmp.path, "out"));
  assert.equal(statSync(join(tmp.path, "out", "zeros")).size, 40 << 20);
});

Deno.test("a tar.gz of two gzip members unpacks whole, though its trailer states only the last one's size", async () => {
  using tmp = tempDir();
  const data = randomBytes(200 << 10);
  const whole = tar([{ name: "data", data }]);
  const file = archiveFile(
    tmp.path,
    "two.tgz",
    Buffer.concat([
      compress(whole.subarray(0, whole.length - 1024), "gzip"),
      compress(whole.subarray(whole.length - 1024), "gzip"),
    ]),
  );
  await extract(file, join(tmp.path, "out"));
  assert.deepEqual(readFileSync(join(tmp.path, "out", "data")), data);
});

Deno.test("bytes after the last gzip member are ignored, as tarfile ignores them, in a tar.gz read whole and in one streamed", async () => {
  using tmp = tempDir();
  const small = randomBytes(100 << 10);
  // above the 4 MiB up to which a tar.gz is read whole
  const big = randomBytes(5 << 20);
  const whole = tar([{ name: "data", data: small }]);
  // A member naming its file (gzip's FNAME field), as `gzip x.tar` writes.
  const plain = Buffer.from(compress(whole, "gzip"));
  plain[3] |= 8;
  const named = Buffer.concat([
    plain.subarray(0, 10),
    Buffer.from("x.tar\0"),
    plain.subarray(10),
  ]);
  const cases: Array<[string, Uint8Array[], Uint8Array]> = [
    ["one.tgz", [compress(whole, "gzip")], small],
    ["named.tgz", [named], small],
    [
      "two.tgz",
      [
        compress(whole.subarray(0, whole.length - 1024), "gzip"),
        compress(whole.subarray(whole.length - 1024), "gzip"),
      ],
      small,
    ],
    ["big.tgz", [compress(tar([{ name: "data", data: big }]), "gzip")], big],
  ];
  for (const [name, members, data] of cases) {
    const file = archiveFile(
      tmp.path,
      name,
      Buffer.concat([...members, Buffer.from("GARBAGE after the data\n")]),
    );
    const dest = join(tmp.path, `${name}.out`);
    await extract(file, dest);
    assert.ok(readFileSync(join(dest, "data")).equals(data), name);
  }
});

Deno.test("bytes after the last xz stream that start no other stream are ignored, as tarfile ignores them, zero padding xz refuses too; a damaged stream after padding is not", async () => {
  using tmp = tempDir();
  const data = randomBytes(300 << 10);
  const whole = tar([{ name: "data", data }]);
  const one = compress(whole, "xz");
  const cut = 100 * 1024;
  const two = [
    compress(whole.subarray(0, cut), "xz"),
    new Uint8Array(8),
    compress(whole.subarray(cut), "xz"),
  ];
  const junk = Buffer.from("GARBAGE after the data\n");
  const cases: Array<[string, Uint8Array[]]> = [
    ["junk", [one, junk]],
    // shorter than a stream header, which xz-embedded waits for
    ["short junk", [one, Buffer.from("junk\n")]],
    // stream padding is a multiple of 4 bytes
    ["odd padding", [one, new Uint8Array(3)]],
    // past the chunks the file is read in
    ["junk after padding", [one, new Uint8Array(3 << 20), junk]],
    ["two streams", [...two, junk]],
    ["blocks", [xzBlocks(whole, 64 << 10), junk]],
  ];
  for (const [name, parts] of cases) {
    const file = archiveFile(tmp.path, name, Buffer.concat(parts));
    const dest = join(tmp.path, `${name}.out`);
    await extract(file, dest);
    assert.ok(readFileSync(join(dest, "data")).equals(data), name);
  }
  // A damaged stream after padding is damage, not bytes after the data.
  const damaged = Buffer.from(two[2]);
  damaged[damaged.length >> 1] ^= 0x5a;
  const file = archiveFile(
    tmp.path,
    "damaged",
    Buffer.concat([two[0], two[1], damaged]),
  );
  await rejects(
    () => extract(file, join(tmp.path, "damaged.out")),
    /damaged: corrupt xz data \(compressed data is corrupt\)$/,
  );
});

Deno.test("what follows the end of the tar is not decompressed for long", async () => {
  using tmp = tempDir();
  // 2 GiB of zeros in 330 kB of xz streams after the archive, which tar
  // would not read: decompressing them took 15 to 30 s
  const zeros = compress(new Uint8Array(16 << 20), "xz");
  const file = archiveFile(
    tmp.path,
    "bomb.tar.xz",
    Buffer.concat([compress(tar(TREE_TAR), "xz"), ...Array(128).fill(zeros)]),
  );
  const started = Date.now();
  await extract(file, join(tmp.path, "out"), { stripTopLevelDir: true });
  assert.ok(Date.now() - started < 5_000, `${Date.now() - started} ms`);
  assert.deepEqual(listing(join(tmp.path, "out")), lessUmask(EXPECTED));
});

Deno.test("pax long names, ./ prefixes and a zip with a prefix", async () => {
  using tmp = tempDir();
  const long = "d/" + "x".repeat(150);
  const tarFile = archiveFile(
    tmp.path,
    "long.tar",
    tar([{ name: "./" + long, data: "long" }, { name: "./", type: "dir" }]),
  );
  await extract(tarFile, join(tmp.path, "t"));
  assert.equal(readFileSync(join(tmp.path, "t", long), "utf8"), "long");
  const sfx = archiveFile(
    tmp.path,
    "sfx",
    zip(
      [{ name: "inside.txt", data: "in" }],
      Buffer.from("#!/bin/sh\nexit 0\n"),
    ),
  );
  await extract(sfx, join(tmp.path, "z"));
  assert.deepEqual(
    listing(join(tmp.path, "z")),
    lessUmask(['- 644 inside.txt "in"']),
  );
});

Deno.test("a zip of more than 65,535 members without zip64, its count stated modulo 65,536, unpacks whole, as zipfile and unzip read it", async () => {
  using tmp = tempDir();
  // all but the last two are excluded: writing 65,536 files takes long
  const members: ZipMember[] = [];
  for (let i = 0; i < 0x10000; i++) {
    members.push({ name: `skip/f${i}`, method: 0 });
  }
  members.push({ name: "keep/a", data: "a" }, { name: "keep/b", data: "b" });
  const wrapped = Buffer.from(zip(members));
  const end = wrapped.length - 22;
  assert.equal(wrapped.readUInt16LE(end + 10), 2);
  const file = archiveFile(tmp.path, "many.zip", wrapped);
  const out = join(tmp.path, "out");
  await extract(file, out, { excludes: ["skip/*"] });
  assert.deepEqual(
    listing(out),
    lessUmask(["d 777 keep", '- 666 keep/a "a"', '- 666 keep/b "b"']),
  );
  // a count that is not the records' is still a corrupt directory
  wrapped.writeUInt16LE(3, end + 8);
  wrapped.writeUInt16LE(3, end + 10);
  writeFileSync(file, wrapped);
  await rejects(
    () => extract(file, join(tmp.path, "bad"), { excludes: ["skip/*"] }),
    /: corrupt zip \(bad central directory\)$/,
  );
});

Deno.test("sparse files unpack whole with their holes, in each GNU sparse format, as GNU tar and tarfile unpack them", async () => {
  using tmp = tempDir();
  const { members, content } = sparseMembers();
  const names = ["sparse-0.0", "sparse-0.1", "sparse-1.0", "sparse-gnu"];
  for (const format of ["tar", "bzip2"] as const) {
    const data = format === "tar"
      ? tar(members)
      : compress(tar(members), format);
    const out = join(tmp.path, `out-${format}`);
    await extract(archiveFile(tmp.path, format, data), out);
    assert.deepEqual(readdirSync(out).sort(), names);
    for (const name of names) {
      const path = join(out, name);
      assert.ok(readFileSync(path).equals(content), `${format}: ${name}`);
      // 8 MiB of which 26 KiB hold data
      assert.ok(statSync(path).blocks * 512 < content.length / 4, path);
    }
  }
});

Deno.test("a sparse map the stored data does not fill, or overfills, is corruption", async () => {
  using tmp = tempDir();
  const runs: Array<[number, number]> = [[0, 512], [4096, 100]];
  const cases: Array<[string, TarMember]> = [
    ["short.tar", {
      name: "s",
      type: "sparse",
      data: "x".repeat(512),
      sparse: { runs, size: 8192 },
    }],
    ["long.tar", {
      name: "s",
      type: "sparse",
      data: "x".repeat(700),
      sparse: { runs, size: 8192 },
    }],
    ["beyond.tar", {
      name: "s",
      type: "sparse",
      data: "x".repeat(612),
      sparse: { runs, size: 4100 },
    }],
    ["unordered.tar", {
      name: "s",
      data: "x".repeat(612),
      pax: {
        "GNU.sparse.size": "8192",
        "GNU.sparse.map": "4096,512,0,100",
      },
    }],
  ];
  for (const [name, member] of cases) {
    await assert.rejects(
      () =>
        extract(
          archiveFile(tmp.path, name, tar([member])),
          join(tmp.path, "o"),
        ),
      (err: unknown) => {
        assert.ok(err instanceof DamagedArchive, String(err));
        assert.match(
          err.message,
          /: member 's' is corrupt \(its sparse map does not match its data\)$/,
        );
        return true;
      },
      name,
    );
  }
  onlyEntries(tmp.path, cases.map(([name]) => name));
});

Deno.test("a sparse file its map makes larger than a file can be is refused, naming the member", async () => {
  using tmp = tempDir();
  const cases: Array<[string, TarMember]> = [
    ["0.1.tar", {
      name: "s",
      data: "hello",
      pax: { "GNU.sparse.size": String(2 ** 62), "GNU.sparse.map": "0,5" },
    }],
    ["1.0.tar", {
      name: "GNUSparseFile.0/s",
      data: "1\n0\n5\n".padEnd(512, "\0") + "hello",
      pax: {
        "GNU.sparse.major": "1",
        "GNU.sparse.minor": "0",
        "GNU.sparse.name": "s",
        "GNU.sparse.realsize": "10000000000000000000",
      },
    }],
  ];
  for (const [name, member] of cases) {
    await assert.rejects(
      () =>
        extract(
          archiveFile(tmp.path, name, tar([member])),
          join(tmp.path, "o"),
        ),
      (err: unknown) => {
        assert.ok(err instanceof ArchiveError, String(err));
        assert.match(
          err.message,
          /: member 's' is a sparse file too large to make \(\d+ bytes, 4 PiB or more\)$/,
        );
        return true;
      },
      name,
    );
  }
  onlyEntries(tmp.path, cases.map(([name]) => name));
});

Deno.test("strip: true needs a single top-level directory", async () => {
  using tmp = tempDir();
  const two = archiveFile(
    tmp.path,
    "two.tar",
    tar([{ name: "a/x", data: "1" }, { name: "b", data: "2" }]),
  );
  await rejects(
    () => extract(two, join(tmp.path, "out"), { stripTopLevelDir: true }),
    /two\.tar: no single top-level directory to strip \(it has 2 top-level entries\)$/,
  );
  const file = archiveFile(
    tmp.path,
    "file.tar",
    tar([{ name: "f", data: "1" }]),
  );
  await rejects(
    () => extract(file, join(tmp.path, "out"), { stripTopLevelDir: true }),
    /its only top-level entry, 'f', is not a directory/,
  );
  onlyEntries(tmp.path, ["two.tar", "file.tar"]);
});

Deno.test("strip: auto strips only a single top-level directory", async () => {
  using tmp = tempDir();
  const one = archiveFile(
    tmp.path,
    "one.tar",
    tar([{ name: "top/a", data: "1" }]),
  );
  const two = archiveFile(
    tmp.path,
    "two.tar",
    tar([{ name: "top/a", data: "1" }, { name: "b", data: "2" }]),
  );
  await extract(one, join(tmp.path, "one"), { stripTopLevelDir: "auto" });
  await extract(two, join(tmp.path, "two"), { stripTopLevelDir: "auto" });
  await extract(one, join(tmp.path, "kept"), { stripTopLevelDir: false });
  assert.deepEqual(
    listing(join(tmp.path, "one")),
    lessUmask(['- 644 a "1"']),
  );
  assert.deepEqual(
    listing(join(tmp.path, "two")),
    lessUmask(['- 644 b "2"', "d 777 top", '- 644 top/a "1"']),
  );
  assert.deepEqual(
    listing(join(tmp.path, "kept")),
    lessUmask(["d 777 top", '- 644 top/a "1"']),
  );
});

Deno.test("excludes are fnmatch patterns of whole member names: '*' crosses '/', an excluded directory's members are matched on their own", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([
      { name: "pkg/", type: "dir" },
      { name: "pkg/src/a.c", data: "a" },
      { name: "pkg/src/a.o", data: "o" },
      { name: "pkg/docs/", type: "dir" },
      { name: "pkg/docs/deep/index.html", data: "d" },
      { name: "pkg/.hidden.o", data: "h" },
      { name: "pkg/docs-not", data: "n" },
      { name: "pkg/lib/data.txt", data: "t" },
      { name: "pkg/README.txt", data: "r" },
    ]),
  );
  const dest = join(tmp.path, "out");
  const reported: string[][] = [];
  await extract(file, dest, {
    stripTopLevelDir: true,
    excludes: ["*.o", "*/docs", "pkg/*.txt"],
    onUnpacked: (excluded) => reported.push(excluded),
  });
  assert.deepEqual(
    listing(dest),
    lessUmask([
      "d 777 docs",
      "d 777 docs/deep",
      '- 644 docs/deep/index.html "d"',
      '- 644 docs-not "n"',
      "d 777 src",
      '- 644 src/a.c "a"',
    ]),
  );
  assert.deepEqual(reported, [[
    "pkg/src/a.o",
    "pkg/docs",
    "pkg/.hidden.o",
    "pkg/lib/data.txt",
    "pkg/README.txt",
  ]]);
});

Deno.test("a pattern without '/' matches only a whole name, not a name at any depth", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.zip",
    zip([
      { name: "docs/a.txt", data: "a" },
      { name: "pkg/docs/b.txt", data: "b" },
    ]),
  );
  const dest = join(tmp.path, "out");
  const reported: string[][] = [];
  await extract(file, dest, {
    excludes: ["docs", "docs/*"],
    onUnpacked: (excluded) => reported.push(excluded),
  });
  assert.deepEqual(
    listing(dest),
    lessUmask(["d 777 pkg", "d 777 pkg/docs", '- 644 pkg/docs/b.txt "b"']),
  );
  assert.deepEqual(reported, [["docs/a.txt"]]);
});

Deno.test("onUnpacked is called once, before a strip failure, with nothing excluded too", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([{ name: "a", data: "a" }, { name: "b", data: "b" }]),
  );
  const reported: string[][] = [];
  await assert.rejects(
    extract(file, join(tmp.path, "out"), {
      stripTopLevelDir: true,
      onUnpacked: (excluded) => reported.push(excluded),
    }),
    ArchiveError,
  );
  assert.deepEqual(reported, [[]]);
});

Deno.test("an existing destination is merged into; only added entries are returned", async () => {
  using tmp = tempDir();
  const dest = join(tmp.path, "shared");
  mkdirSync(join(dest, "lib"), { recursive: true });
  writeFileSync(join(dest, "lib", "mine.txt"), "mine");
  writeFileSync(join(dest, "lib", "both.txt"), "mine");
  writeFileSync(join(dest, "keep"), "keep");
  const file = archiveFile(
    tmp.path,
    "a.zip",
    zip([
      { name: "lib/theirs.txt", data: "theirs" },
      // a file both have is the archive's afterwards, as tarfile writes it
      { name: "lib/both.txt", data: "theirs" },
      { name: "bin/tool", data: "t", mode: 0o100755 },
    ]),
  );
  const added = await extract(file, dest);
  assert.deepEqual(added, [join(dest, "bin")]);
  assert.deepEqual(
    listing(dest),
    lessUmask([
      "d 777 bin",
      '- 755 bin/tool "t"',
      '- 666 keep "keep"',
      "d 777 lib",
      '- 644 lib/both.txt "theirs"',
      '- 666 lib/mine.txt "mine"',
      '- 644 lib/theirs.txt "theirs"',
    ]),
  );
  onlyEntries(tmp.path, ["a.zip", "shared"]);
});

Deno.test("onCreating hears of each path just before it appears: a new destination, or each new top-level entry", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([{ name: "lib/x", data: "x" }, { name: "new", data: "n" }]),
  );
  const heard: string[] = [];
  const onCreating = (path: string) => {
    assert.ok(!existsSync(path), path);
    heard.push(path);
  };
  const fresh = join(tmp.path, "fresh");
  await extract(file, fresh, { onCreating });
  assert.deepEqual(heard, [fresh]);
  heard.length = 0;
  const shared = join(tmp.path, "shared");
  mkdirSync(join(shared, "lib"), { recursive: true });
  await extract(file, shared, { onCreating });
  assert.deepEqual(heard, [join(shared, "new")]);
});

Deno.test("onExisting decides about existing top-level entries before anything moves", async () => {
  using tmp = tempDir();
  const dest = join(tmp.path, "shared");
  mkdirSync(join(dest, "lib"), { recursive: true });
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([{ name: "lib/x", data: "x" }, { name: "new", data: "n" }]),
  );
  const seen: string[] = [];
  const added = await extract(file, dest, {
    onExisting: (path) => {
      seen.push(path);
      return "skip";
    },
  });
  assert.deepEqual(seen, [join(dest, "lib")]);
  assert.deepEqual(added, [join(dest, "new")]);
  assert.deepEqual(listing(dest), lessUmask(["d 777 lib", '- 644 new "n"']));

  const other = join(tmp.path, "other");
  mkdirSync(join(other, "lib"), { recursive: true });
  await assert.rejects(
    () =>
      extract(file, other, {
        onExisting: (path) => {
          throw new UserError(`Target ${path} already exists.`);
        },
      }),
    /Target .*other\/lib already exists\./,
  );
  assert.deepEqual(listing(other), lessUmask(["d 777 lib"]));
});

Deno.test("a file where the destination has a directory cannot be merged", async () => {
  using tmp = tempDir();
  const dest = join(tmp.path, "shared");
  mkdirSync(join(dest, "lib", "x"), { recursive: true });
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([{ name: "lib/x", data: "x" }, { name: "new", data: "n" }]),
  );
  await rejects(
    () => extract(file, dest),
    /member 'lib\/x' cannot be merged into .*shared\/lib\/x: one is a directory, the other is not/,
  );
  assert.deepEqual(listing(dest), lessUmask(["d 777 lib", "d 777 lib/x"]));
});

Deno.test("a symlink in the destination is never written through", async () => {
  using tmp = tempDir();
  const outside = join(tmp.path, "outside");
  mkdirSync(outside);
  const dest = join(tmp.path, "dest");
  mkdirSync(dest);
  symlinkSync(outside, join(dest, "lib"));
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([{ name: "lib/evil", data: "x" }]),
  );
  await rejects(() => extract(file, dest), /member 'lib' cannot be merged/);
  assert.deepEqual(readdirSync(outside), []);
});

Deno.test("a directory is copied as an archive unpacks: symlinks, modes and times kept, excludes applied", async () => {
  using tmp = tempDir();
  const src = join(tmp.path, "src");
  mkdirSync(join(src, "lib"), { recursive: true });
  writeFileSync(join(src, "run"), "#!/bin/sh\n", { mode: 0o750 });
  writeFileSync(join(src, "lib", "data.txt"), "data");
  writeFileSync(join(src, "lib", "skip.pyc"), "pyc");
  symlinkSync("lib/data.txt", join(src, "data"));
  const old = new Date(MTIME * 1000);
  utimesSync(join(src, "lib", "data.txt"), old, old);
  // Set once its files are in: moving them there would change it.
  utimesSync(join(src, "lib"), old, old);
  const dest = join(tmp.path, "dest");
  await extract(src, dest, { excludes: ["*.pyc"] });
  assert.deepEqual(
    listing(dest),
    lessUmask([
      "l data -> lib/data.txt",
      "d 777 lib",
      '- 666 lib/data.txt "data"',
      '- 750 run "#!/bin/sh\\n"',
    ]),
  );
  assert.equal(statSync(join(dest, "lib", "data.txt")).mtimeMs, old.getTime());
  assert.equal(statSync(join(dest, "lib")).mtimeMs, old.getTime());
});

Deno.test("a device is refused without being read, as it may never end", async () => {
  using tmp = tempDir();
  await rejects(
    () => extract("/dev/zero", join(tmp.path, "out")),
    /^Couldn't extract \/dev\/zero: it is a character device, not a file$/,
  );
  onlyEntries(tmp.path, []);
});

Deno.test("an unknown format is refused, naming the file", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "pkg.tar.gz",
    Buffer.from("<html>Not Found</html>"),
  );
  await rejects(
    () => extract(file, join(tmp.path, "out")),
    new RegExp(`^Couldn't extract ${file}: not a recognized archive`),
  );
  const gz = archiveFile(
    tmp.path,
    "plain.gz",
    compress(Buffer.from("just text"), "gzip"),
  );
  await rejects(
    () => extract(gz, join(tmp.path, "out")),
    /plain\.gz: no tar archive in the gzip data/,
  );
  onlyEntries(tmp.path, ["pkg.tar.gz", "plain.gz"]);
});

Deno.test("a missing archive is a user error", async () => {
  using tmp = tempDir();
  await assert.rejects(
    () => extract(join(tmp.path, "nope.tgz"), join(tmp.path, "out")),
    (err: unknown) =>
      err instanceof UserError &&
      /Couldn't read .*nope\.tgz: no such file or directory$/.test(err.message),
  );
});

Deno.test("a symlink the file system refuses is a user error that leaves nothing", async () => {
  using tmp = tempDir();
  // longer than PATH_MAX: symlinkSync's error carries no `syscall`
  const file = archiveFile(
    tmp.path,
    "long.zip",
    zip([{ name: "l", data: "a".repeat(5000), mode: 0o120777 }]),
  );
  await assert.rejects(
    () => extract(file, join(tmp.path, "out")),
    (err: unknown) =>
      err instanceof UserError &&
      // Bun names the link target, Deno nothing.
      /Couldn't extract .*long\.zip into .*out: file name too long(: 'a{200}\.\.\. \(5000 characters\)')?$/
        .test(err.message),
  );
  onlyEntries(tmp.path, ["long.zip"]);
});

// Hostile archives: each is refused naming the member, and nothing is
// written outside the destination, nor anything left in it.
const HOSTILE: Array<[string, () => Uint8Array, RegExp]> = [
  [
    "tar absolute path",
    () => tar([{ name: "ok", data: "1" }, { name: "/tmp/evil", data: "x" }]),
    /member '\/tmp\/evil' has an absolute path/,
  ],
  [
    "tar .. component",
    () => tar([{ name: "a/../../evil", data: "x" }]),
    /member 'a\/\.\.\/\.\.\/evil' has a '\.\.' component/,
  ],
  [
    "zip .. component",
    () => zip([{ name: "../evil", data: "x" }]),
    /member '\.\.\/evil' has a '\.\.' component/,
  ],
  [
    "zip absolute path",
    () => zip([{ name: "/evil", data: "x" }]),
    /member '\/evil' has an absolute path/,
  ],
  [
    "zip backslash traversal from a DOS tool",
    () => zip([{ name: "..\\..\\evil", data: "x", host: 0 }]),
    /member '\.\.\/\.\.\/evil' has a '\.\.' component/,
  ],
  [
    "zip members sharing their data, a zip bomb",
    () => {
      const z = Buffer.from(zip([{ name: "a", data: "a".repeat(1000) }, {
        name: "b",
        data: "b",
      }]));
      const a = z.indexOf(Buffer.from([0x50, 0x4b, 1, 2]));
      const b = z.indexOf(Buffer.from([0x50, 0x4b, 1, 2]), a + 1);
      // b's record takes a's checksum, sizes and data
      z.copy(z, b + 16, a + 16, a + 28);
      z.copy(z, b + 42, a + 42, a + 46);
      return z;
    },
    /member 'a' is corrupt \(its data overlaps another member or the central directory\)$/,
  ],
  [
    "symlink to an absolute path",
    () => tar([{ name: "etc", type: "symlink", linkname: "/etc" }]),
    /member 'etc' is a symlink pointing outside the destination \('\/etc'\)/,
  ],
  [
    "symlink to an absolute path, then a member through it",
    () =>
      tar([
        { name: "etc", type: "symlink", linkname: "/etc" },
        { name: "etc/evil", data: "x" },
      ]),
    /member 'etc' is a symlink pointing outside the destination \('\/etc'\)$/,
  ],
  [
    "symlink loop",
    () =>
      tar([
        { name: "a", type: "symlink", linkname: "b" },
        { name: "b", type: "symlink", linkname: "a" },
      ]),
    /member 'a' goes through too many levels of symlinks$/,
  ],
  [
    "symlink climbing out",
    () => tar([{ name: "a/up", type: "symlink", linkname: "../../.." }]),
    /member 'a\/up' is a symlink pointing outside the destination \('\.\.\/\.\.\/\.\.'\)/,
  ],
  [
    "zip symlink climbing out",
    () => zip([{ name: "up", data: "..", mode: 0o120777 }]),
    /member 'up' is a symlink pointing outside the destination/,
  ],
  [
    "member through a symlink made harmful by a later one",
    () =>
      tar([
        { name: "l", type: "symlink", linkname: "x/.." },
        { name: "x", type: "symlink", linkname: "." },
        { name: "l/evil", data: "x" },
      ]),
    /member 'l\/evil' goes through a symlink pointing outside the destination/,
  ],
  [
    "symlink made harmful by a later one",
    () =>
      tar([
        { name: "l", type: "symlink", linkname: "x/.." },
        { name: "x", type: "symlink", linkname: "." },
      ]),
    /member 'l' is a symlink pointing outside the destination \('x\/\.\.'\)/,
  ],
  [
    "hard link out of the archive",
    () =>
      tar([{ name: "passwd", type: "hardlink", linkname: "../../etc/passwd" }]),
    /member 'passwd' is a hard link to '\.\.\/\.\.\/etc\/passwd', outside the destination/,
  ],
  [
    "hard link to an absolute path",
    () => tar([{ name: "passwd", type: "hardlink", linkname: "/etc/passwd" }]),
    /member 'passwd' is a hard link to '\/etc\/passwd', outside the destination/,
  ],
  [
    "hard link to a symlink whose target leaves the destination from the link's place",
    () =>
      tar([
        { name: "f", data: "f" },
        { name: "a/s", type: "symlink", linkname: "../f" },
        { name: "h", type: "hardlink", linkname: "a/s" },
      ]),
    /member 'h' is a symlink pointing outside the destination \('\.\.\/f'\)$/,
  ],
  [
    "hard link to a member not extracted before it",
    () =>
      tar([
        { name: "h", type: "hardlink", linkname: "f" },
        { name: "f", data: "f" },
      ]),
    /member 'h' is a hard link to 'f', which is not a file or symlink extracted before it$/,
  ],
];

for (const [label, build, message] of HOSTILE) {
  Deno.test(`refused: ${label}`, async () => {
    using tmp = tempDir();
    const file = archiveFile(tmp.path, "evil", build());
    const dest = join(tmp.path, "deep", "er", "dest");
    await rejects(() => extract(file, dest), message);
    onlyEntries(tmp.path, ["evil"]);
  });
}

Deno.test("a symlink leaving a stripped top-level directory is refused", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([{ name: "pkg/f", data: "1" }, {
      name: "pkg/up",
      type: "symlink",
      linkname: "../x",
    }]),
  );
  await extract(file, join(tmp.path, "whole"));
  assert.deepEqual(
    listing(join(tmp.path, "whole")),
    lessUmask(["d 777 pkg", '- 644 pkg/f "1"', "l pkg/up -> ../x"]),
  );
  await rejects(
    () => extract(file, join(tmp.path, "stripped"), { stripTopLevelDir: true }),
    /member 'pkg\/up' is a symlink pointing outside the destination/,
  );
  assert.ok(!existsSync(join(tmp.path, "stripped")));
});

Deno.test("a hard link to a symlink is that symlink again, as GNU tar and tarfile extract it", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([
      { name: "p/d", type: "dir" },
      { name: "p/d/f", data: "f" },
      { name: "p/s", type: "symlink", linkname: "d" },
      { name: "p/h", type: "hardlink", linkname: "p/s" },
      { name: "p/d/up", type: "symlink", linkname: "../s" },
      { name: "p/d/h", type: "hardlink", linkname: "p/d/up" },
    ]),
  );
  const dest = join(tmp.path, "out");
  await extract(file, dest, { stripTopLevelDir: true });
  assert.deepEqual(
    listing(dest),
    lessUmask([
      "d 777 d",
      '- 644 d/f "f"',
      "l d/h -> ../s",
      "l d/up -> ../s",
      "l h -> d",
      "l s -> d",
    ]),
  );
});

Deno.test("symlinks inside are followed, through the archive's own links", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([
      { name: "real", type: "dir" },
      { name: "alias", type: "symlink", linkname: "real" },
      { name: "alias/file", data: "via alias" },
      { name: "real/sub/up", type: "symlink", linkname: "../../alias" },
    ]),
  );
  const dest = join(tmp.path, "out");
  await extract(file, dest);
  assert.deepEqual(
    listing(dest),
    lessUmask([
      "l alias -> real",
      "d 755 real",
      '- 644 real/file "via alias"',
      "d 777 real/sub",
      "l real/sub/up -> ../../alias",
    ]),
  );
});

Deno.test("a member goes through a chain of the archive's symlinks as long as Linux follows (40 links)", async () => {
  using tmp = tempDir();
  const chain: TarMember[] = [{ name: "d", type: "dir" }];
  for (let i = 0; i < 40; i++) {
    chain.push({
      name: `l${i}`,
      type: "symlink",
      linkname: i ? `l${i - 1}` : "d",
    });
  }
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([...chain, { name: "l39/f", data: "f" }]),
  );
  const dest = join(tmp.path, "out");
  await extract(file, dest);
  assert.equal(readFileSync(join(dest, "d", "f"), "utf8"), "f");
});

Deno.test("later members replace earlier ones, a hard link to itself keeps the file; devices and fifos are skipped", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([
      { name: "f", data: "old" },
      { name: "f", data: "new" },
      // a link to itself, as some tars write: the file stays
      { name: "f", type: "hardlink", linkname: "f" },
      { name: "l", type: "symlink", linkname: "f" },
      { name: "l", data: "now a file" },
      { name: "pipe", type: "fifo" },
    ]),
  );
  const dest = join(tmp.path, "out");
  await extract(file, dest);
  assert.deepEqual(
    listing(dest),
    lessUmask(['- 644 f "new"', '- 644 l "now a file"']),
  );
});

Deno.test("a directory's member after members inside it still gives the directory its mode and time", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([
      { name: "d/f", data: "f" },
      { name: "d", type: "dir", mode: 0o700, mtime: MTIME },
    ]),
  );
  const dest = join(tmp.path, "out");
  await extract(file, dest);
  assert.deepEqual(listing(dest), lessUmask(["d 700 d", '- 644 d/f "f"']));
  assert.equal(statSync(join(dest, "d")).mtimeMs, MTIME * 1000);
});

Deno.test("modes lose the umask's bits and setuid, setgid, sticky", async () => {
  using tmp = tempDir();
  const less = (mode: number) => (mode & ~process.umask()).toString(8);
  const expected = [
    `d ${less(0o777)} open`,
    `- ${less(0o777)} open/suid "#!/bin/sh\\n"`,
    `- ${less(0o666)} open/writable "x"`,
  ];
  const tarFile = archiveFile(
    tmp.path,
    "a.tar",
    tar([
      { name: "open", type: "dir", mode: 0o1777 },
      { name: "open/suid", data: "#!/bin/sh\n", mode: 0o6777 },
      { name: "open/writable", data: "x", mode: 0o666 },
    ]),
  );
  await extract(tarFile, join(tmp.path, "tar"));
  assert.deepEqual(listing(join(tmp.path, "tar")), expected);
  const zipFile = archiveFile(
    tmp.path,
    "a.zip",
    zip([
      { name: "open/", mode: 0o041777 },
      { name: "open/suid", data: "#!/bin/sh\n", mode: 0o106777 },
      { name: "open/writable", data: "x", mode: 0o100666 },
    ]),
  );
  await extract(zipFile, join(tmp.path, "zip"));
  assert.deepEqual(listing(join(tmp.path, "zip")), expected);
});

Deno.test("modes lose the bits of the umask in force when extracting, which a recipe may have set", async () => {
  using tmp = tempDir();
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([
      { name: "d", type: "dir", mode: 0o755 },
      { name: "d/f", data: "f", mode: 0o644 },
    ]),
  );
  const umask = process.umask(0o077);
  try {
    await extract(file, join(tmp.path, "private"));
  } finally {
    process.umask(umask);
  }
  assert.deepEqual(listing(join(tmp.path, "private")), [
    "d 700 d",
    '- 600 d/f "f"',
  ]);
});

Deno.test("directories keep the setgid bit a group-shared parent gives them, as GNU tar's do", async () => {
  using tmp = tempDir();
  const shared = join(tmp.path, "shared");
  mkdirSync(shared);
  chmodSync(shared, 0o2775);
  const less = (mode: number) => (mode & ~process.umask()).toString(8);
  const inherited = (mode: number) => (0o2000 | mode & ~process.umask());
  const file = archiveFile(
    tmp.path,
    "a.tar",
    tar([
      // The archive's own setgid bit is dropped all the same.
      { name: "pkg", type: "dir", mode: 0o2750 },
      { name: "pkg/lib", type: "dir", mode: 0o755 },
      { name: "pkg/lib/f", data: "x", mode: 0o644 },
      { name: "pkg/implied/g", data: "y", mode: 0o644 },
    ]),
  );
  // A new destination, the archive's top directory stripped or kept, and
  // an existing destination merged into.
  await extract(file, join(shared, "new"));
  await extract(file, join(shared, "stripped"), { stripTopLevelDir: true });
  mkdirSync(join(shared, "merged"));
  await extract(file, join(shared, "merged"));
  assert.deepEqual(listing(shared), [
    `d ${inherited(0o777).toString(8)} merged`,
    `d ${inherited(0o750).toString(8)} merged/pkg`,
    `d ${inherited(0o777).toString(8)} merged/pkg/implied`,
    `- ${less(0o644)} merged/pkg/implied/g "y"`,
    `d ${inherited(0o755).toString(8)} merged/pkg/lib`,
    `- ${less(0o644)} merged/pkg/lib/f "x"`,
    `d ${inherited(0o777).toString(8)} new`,
    `d ${inherited(0o750).toString(8)} new/pkg`,
    `d ${inherited(0o777).toString(8)} new/pkg/implied`,
    `- ${less(0o644)} new/pkg/implied/g "y"`,
    `d ${inherited(0o755).toString(8)} new/pkg/lib`,
    `- ${less(0o644)} new/pkg/lib/f "x"`,
    `d ${inherited(0o777).toString(8)} stripped`,
    `d ${inherited(0o777).toString(8)} stripped/implied`,
    `- ${less(0o644)} stripped/implied/g "y"`,
    `d ${inherited(0o755).toString(8)} stripped/lib`,
    `- ${less(0o644)} stripped/lib/f "x"`,
  ]);
  // Outside such a parent, no directory gets the bit.
  await extract(file, join(tmp.path, "plain"));
  assert.deepEqual(listing(join(tmp.path, "plain")), [
    `d ${less(0o750)} pkg`,
    `d ${less(0o777)} pkg/implied`,
    `- ${less(0o644)} pkg/implied/g "y"`,
    `d ${less(0o755)} pkg/lib`,
    `- ${less(0o644)} pkg/lib/f "x"`,
  ]);
});

Deno.test("names from the archive are shown with control characters escaped, on one line", async () => {
  using tmp = tempDir();
  const cases: Array<[string, Uint8Array, RegExp, ExtractOptions?]> = [
    [
      "dotdot.tar",
      tar([{ name: "a\nb/../../evil", data: "x" }]),
      /: member 'a\\nb\/\.\.\/\.\.\/evil' has a '\.\.' component/,
    ],
    [
      "link.tar",
      tar([{ name: "l\r", type: "symlink", linkname: "/\x1b[31mred" }]),
      /: member 'l\\r' is a symlink pointing outside the destination \('\/\\x1b\[31mred'\)$/,
    ],
    [
      "top.zip",
      zip([{ name: "x\u2028y", data: "x" }]),
      /: no single top-level directory to strip \(its only top-level entry, 'x\\u2028y', is not a directory\)$/,
      { stripTopLevelDir: true },
    ],
    [
      "long.tar",
      tar([{ name: "\t".repeat(300), data: "x" }]),
      /into .*out: file name too long: '(\\t){140}\.\.\.(\\t){60} \(300 characters\)'$/,
    ],
  ];
  for (const [name, data, message, options] of cases) {
    const file = archiveFile(tmp.path, name, data);
    await assert.rejects(
      () => extract(file, join(tmp.path, "out"), options),
      (err: unknown) => {
        assert.ok(err instanceof UserError, String(err));
        assert.match(err.message, message);
        return true;
      },
    );
  }
  onlyEntries(tmp.path, cases.map(([name]) => name));
});

Deno.test("a file may not replace a directory, nor sit where a directory is needed", async () => {
  using tmp = tempDir();
  const replace = archiveFile(
    tmp.path,
    "replace.tar",
    tar([{ name: "d", type: "dir" }, { name: "d", data: "x" }]),
  );
  await rejects(
    () => extract(replace, join(tmp.path, "out")),
    /member 'd' would replace a directory extracted before it/,
  );
  const through = archiveFile(
    tmp.path,
    "through.tar",
    tar([{ name: "f", data: "x" }, { name: "f/g", data: "y" }]),
  );
  await rejects(
    () => extract(through, join(tmp.path, "out")),
    /member 'f\/g' needs a directory where the archive has a file/,
  );
  onlyEntries(tmp.path, ["replace.tar", "through.tar"]);
});

Deno.test("unsupported members are refused: sparse tar files of an unknown format, encrypted or bzip2 zip members", async () => {
  using tmp = tempDir();
  const cases: Array<[string, Uint8Array, RegExp]> = [
    [
      "sparse.tar",
      tar([{
        name: "GNUSparseFile.0/s",
        data: "x",
        pax: {
          "GNU.sparse.major": "2",
          "GNU.sparse.minor": "0",
          "GNU.sparse.name": "s",
        },
      }]),
      /member 's' is a sparse file of an unsupported format \(2\.0\)$/,
    ],
    [
      "multivolume.tar",
      tar([{ name: "m", type: "continued", data: "x" }]),
      /member 'm' has unsupported tar member type 'M'/,
    ],
    [
      "enc.zip",
      zip([{ name: "e", data: "x", encrypted: true }]),
      /member 'e' is encrypted/,
    ],
    [
      "bz.zip",
      zip([{ name: "b", data: "x", method: 12 }]),
      /member 'b' uses compression method 12/,
    ],
    [
      "dict.tar.xz",
      largeDictionary(compress(tar(TREE_TAR), "xz")),
      /: uses an xz dictionary over 64 MiB, which is not supported$/,
    ],
  ];
  for (const [name, data, message] of cases) {
    await assert.rejects(
      () => extract(archiveFile(tmp.path, name, data), join(tmp.path, "out")),
      (err: unknown) => {
        // a copy elsewhere would be the same: not damaged
        assert.ok(err instanceof ArchiveError, String(err));
        assert.ok(!(err instanceof DamagedArchive), String(err));
        assert.match(err.message, message);
        return true;
      },
    );
  }
  onlyEntries(tmp.path, cases.map(([name]) => name));
});

/** The xz file `xz` with its first LZMA2 dictionary declared as 96 MiB. */
function largeDictionary(xz: Uint8Array): Uint8Array {
  const copy = Buffer.from(xz);
  const size = (copy[12] + 1) * 4;
  const header = copy.subarray(12, 12 + size);
  header[header.indexOf(Buffer.from([0x21, 0x01])) + 2] = 29;
  header.writeUInt32LE(crc32(header.subarray(0, size - 4)), size - 4);
  return copy;
}

/** `data` with the byte at `at` (negative: from the end) inverted. */
function flip(data: Uint8Array, at: number): Uint8Array {
  const copy = Buffer.from(data);
  const i = at < 0 ? copy.length + at : at;
  copy[i] ^= 0xff;
  return copy;
}

const PAYLOAD: TarMember[] = [
  { name: "pkg/a", data: randomBytes(200_000) },
  { name: "pkg/b", data: "b".repeat(100_000) },
];

const DAMAGED: Array<[string, () => Uint8Array, RegExp]> = [
  [
    "truncated tar",
    () => tar(PAYLOAD).subarray(0, 150_000),
    /: truncated \(unexpected end of data\)$/,
  ],
  [
    "truncated gzip",
    () => {
      const gz = compress(tar(PAYLOAD), "gzip");
      return gz.subarray(0, gz.length >> 1);
    },
    /: truncated \(unexpected end of data\)$/,
  ],
  [
    "gzip missing only its trailer",
    () => {
      const gz = compress(tar(PAYLOAD), "gzip");
      return gz.subarray(0, gz.length - 4);
    },
    /: truncated \(unexpected end of data\)$/,
  ],
  [
    "corrupt gzip",
    () => flip(compress(tar(PAYLOAD), "gzip"), 1000),
    /: corrupt gzip data \(/,
  ],
  [
    "corrupt gzip checksum",
    () => flip(compress(tar(PAYLOAD), "gzip"), -6),
    /: corrupt gzip data \(/,
  ],
  [
    "truncated bzip2",
    () => {
      const bz = compress(tar(PAYLOAD), "bzip2");
      return bz.subarray(0, bz.length >> 1);
    },
    /: truncated \(unexpected end of data\)$/,
  ],
  [
    "corrupt bzip2",
    () => flip(compress(tar(PAYLOAD), "bzip2"), 2000),
    /: corrupt bzip2 data \(/,
  ],
  [
    "truncated xz",
    () => {
      const xz = compress(tar(PAYLOAD), "xz");
      return xz.subarray(0, xz.length >> 1);
    },
    /: (truncated|corrupt xz data)/,
  ],
  [
    "small xz with corrupt data",
    () => flip(compress(tar(TREE_TAR), "xz"), 100),
    /: corrupt xz data \(compressed data is corrupt\)$/,
  ],
  [
    "xz with corrupt data, then junk",
    () =>
      Buffer.concat([
        flip(compress(tar(TREE_TAR), "xz"), 100),
        Buffer.from("GARBAGE after the data\n"),
      ]),
    /: corrupt xz data \(compressed data is corrupt\)$/,
  ],
  [
    "xz with a corrupt index, then junk",
    () =>
      Buffer.concat([
        flip(compress(tar(TREE_TAR), "xz"), -16),
        Buffer.from("GARBAGE after the data\n"),
      ]),
    /: corrupt xz data \(compressed data is corrupt\)$/,
  ],
  [
    "xz followed by a damaged stream",
    () =>
      Buffer.concat([
        compress(tar(TREE_TAR), "xz"),
        Buffer.from("fd377a585a00", "hex"),
        Buffer.from("not a stream header"),
      ]),
    /: corrupt xz data \(compressed data is corrupt\)$/,
  ],
  [
    "xz followed by a stream cut short",
    () => {
      const xz = compress(tar(PAYLOAD), "xz");
      return Buffer.concat([xz, xz.subarray(0, xz.length >> 1)]);
    },
    /: truncated \(unexpected end of data\)$/,
  ],
  [
    "truncated lzip",
    () => {
      const lz = compress(tar(PAYLOAD), "lzip");
      return lz.subarray(0, lz.length >> 1);
    },
    /: truncated \(unexpected end of data\)$/,
  ],
  [
    "lzip with a bad CRC",
    () => flip(compress(tar(PAYLOAD), "lzip"), -20),
    /: corrupt lzip data \(CRC mismatch\)/,
  ],
  [
    "truncated zip",
    () => {
      const z = zip([{ name: "a", data: randomBytes(50_000) }, {
        name: "b",
        data: "b",
      }]);
      return z.subarray(0, z.length - 30);
    },
    /: corrupt zip \(no end of central directory record\)$/,
  ],
  [
    "zip with a corrupt central directory",
    () => {
      const z = Buffer.from(
        zip([{ name: "a", data: "a" }, { name: "b", data: "b" }]),
      );
      z.writeUInt32LE(0xdeadbeef, z.indexOf(Buffer.from([0x50, 0x4b, 1, 2])));
      return z;
    },
    /: corrupt zip \(bad central directory\)$/,
  ],
  [
    "zip member failing its CRC",
    () =>
      flip(
        zip([{ name: "ok", data: "fine" }, {
          name: "bad",
          data: "x".repeat(1000),
          method: 0,
        }]),
        100,
      ),
    /: member 'bad' is corrupt \(CRC-32 mismatch\)$/,
  ],
  [
    "zip member with corrupt deflate data",
    () =>
      flip(zip([{ name: "bad", data: randomBytes(5000).toString("hex") }]), 60),
    /: member 'bad' is corrupt \(/,
  ],
  [
    "zip member with a NUL byte in its name",
    () => zip([{ name: "ok", data: "fine" }, { name: "a\0b", data: "x" }]),
    /: member 'a\\x00b' is corrupt \(a NUL character in its name or link target\)$/,
  ],
  [
    "zip symlink whose target holds a NUL byte",
    () => zip([{ name: "l", data: "a\0b", mode: 0o120777 }]),
    /: member 'l' is corrupt \(a NUL character in its name or link target\)$/,
  ],
  [
    "tar member with a NUL byte in its pax path",
    () => tar([{ name: `${"d".repeat(100)}/a\0b`, data: "x" }]),
    /: member 'd+\/a\\x00b' is corrupt \(a NUL character in its name or link target\)$/,
  ],
];

for (const [label, build, message] of DAMAGED) {
  Deno.test(`damaged: ${label} leaves nothing behind`, async () => {
    using tmp = tempDir();
    const file = archiveFile(tmp.path, "damaged", build());
    await rejects(() => extract(file, join(tmp.path, "parts", "out")), message);
    onlyEntries(tmp.path, ["damaged"]);
    // an existing destination is left as it was
    const dest = join(tmp.path, "existing");
    mkdirSync(dest);
    writeFileSync(join(dest, "mine"), "mine");
    await rejects(() => extract(file, dest), message);
    assert.deepEqual(listing(dest), lessUmask(['- 666 mine "mine"']));
    onlyEntries(tmp.path, ["damaged", "existing"]);
  });
}

Deno.test("a destination that is a file is a user error", async () => {
  using tmp = tempDir();
  const file = archiveFile(tmp.path, "a.tar", tar([{ name: "x", data: "x" }]));
  const dest = join(tmp.path, "dest");
  writeFileSync(dest, "file");
  await assert.rejects(
    () => extract(file, dest),
    /dest exists and is not a directory/,
  );
  assert.equal(readFileSync(dest, "utf8"), "file");
  onlyEntries(tmp.path, ["a.tar", "dest"]);
});

Deno.test("a destination that is a symlink to a directory is unpacked into, as the recipes' os.path.isdir sees it", async () => {
  using tmp = tempDir();
  const file = archiveFile(tmp.path, "a.tar", tar([{ name: "x", data: "x" }]));
  const real = join(tmp.path, "real");
  mkdirSync(real);
  const dest = join(tmp.path, "dest");
  symlinkSync(real, dest);
  const added = await extract(file, dest);
  assert.deepEqual(added, [join(dest, "x")]);
  assert.deepEqual(listing(real), lessUmask(['- 644 x "x"']));
  // a link to nothing is not a directory: it stays
  const dangling = join(tmp.path, "dangling");
  symlinkSync(join(tmp.path, "nowhere"), dangling);
  await assert.rejects(
    () => extract(file, dangling),
    /dangling exists and is not a directory/,
  );
  onlyEntries(tmp.path, ["a.tar", "dangling", "dest", "real"]);
  // a link another user made is not followed (root can make one here)
  if (process.getuid?.() !== 0) return;
  lchownSync(dest, 4242, 4242);
  await assert.rejects(
    () => extract(file, dest),
    /dest is a symbolic link owned by user 4242, not by root/,
  );
  assert.deepEqual(listing(real), lessUmask(['- 644 x "x"']));
});

Deno.test("an empty tar (its end-of-archive blocks alone) unpacks to nothing, plain or compressed, as tarfile reads it", async () => {
  using tmp = tempDir();
  for (
    const [name, data] of [
      ["empty.tar", tar([])],
      ["empty.tar.gz", compress(tar([]), "gzip")],
      ["empty.tar.xz", compress(tar([]), "xz")],
    ] as const
  ) {
    const file = archiveFile(tmp.path, name, data);
    const dest = join(tmp.path, `${name}.out`);
    assert.deepEqual(await extract(file, dest), [], name);
    assert.deepEqual(readdirSync(dest), [], name);
  }
  // too short to hold even that: not a tar
  const short = archiveFile(tmp.path, "short", new Uint8Array(511));
  await rejects(
    () => extract(short, join(tmp.path, "short.out")),
    /short: not a recognized archive/,
  );
});

Deno.test("a destination under a file says the file is not a directory", async () => {
  using tmp = tempDir();
  const file = archiveFile(tmp.path, "a.tar", tar([{ name: "x", data: "x" }]));
  const parts = join(tmp.path, "parts");
  writeFileSync(parts, "file");
  await assert.rejects(
    () => extract(file, join(parts, "pkg")),
    (err: unknown) =>
      err instanceof UserError &&
      err.message ===
        `Couldn't extract ${file} into ${parts}/pkg: ${parts} is not a directory`,
  );
  onlyEntries(tmp.path, ["a.tar", "parts"]);
});
