/**
 * Seeded random damage to an archive of every format: flipped bits, cuts,
 * inserted, removed and zeroed bytes, damaged headers and trailers. Each
 * damaged archive either unpacks or fails with a one-line ArchiveError
 * (what users see as `Error: Couldn't extract ...`), never another
 * exception, and a failure leaves nothing behind. The seed is fixed, so
 * every run tries the same archives.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  ArchiveError,
  extract,
  extractToNewDirectory,
} from "../../lib/fetch/archive.ts";
import {
  archiveFile,
  compress,
  listing,
  tar,
  type TarMember,
  tempDir,
  zip,
  type ZipMember,
} from "./_fixtures.ts";

/** Deterministic numbers in [0, 1): mulberry32. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const next = random(20261122);
const below = (n: number) => Math.floor(next() * n);

/** Text with repeats, then noise: several compressed blocks and tables. */
const BIG = Buffer.concat([
  Buffer.from("abcdefgh".repeat(4000)),
  Buffer.from(Array.from({ length: 30_000 }, () => below(256))),
]);
const TREE_TAR: TarMember[] = [
  { name: "pkg", type: "dir", mode: 0o755 },
  { name: "pkg/package.json", data: '{"name":"pkg"}', mode: 0o644 },
  { name: "pkg/big.bin", data: BIG, mode: 0o644 },
  { name: "pkg/run", type: "symlink", linkname: "package.json" },
];
const TREE_ZIP: ZipMember[] = [
  { name: "pkg/", mode: 0o040755 },
  { name: "pkg/package.json", data: '{"name":"pkg"}', mode: 0o100644 },
  { name: "pkg/big.bin", data: BIG, mode: 0o100644 },
  { name: "pkg/run", data: "package.json", mode: 0o120777 },
];

/** `data` damaged in one of seven ways, chosen at random. */
function damage(data: Uint8Array): Uint8Array {
  const d = Buffer.from(data);
  const at = below(d.length), n = 1 + below(64);
  switch (below(7)) {
    case 0:
      for (let i = 0; i <= below(8); i++) d[below(d.length)] ^= 1 << below(8);
      return d;
    case 1:
      return d.subarray(0, at);
    case 2: {
      const noise = Buffer.from(Array.from({ length: n }, () => below(256)));
      return Buffer.concat([d.subarray(0, at), noise, d.subarray(at)]);
    }
    case 3:
      return Buffer.concat([d.subarray(0, at), d.subarray(at + n)]);
    case 4:
      return d.fill(0, at, Math.min(d.length, at + 8 * n));
    case 5: // trailers, central directory, end of stream
      for (let i = 0; i <= below(4); i++) {
        d[d.length - 1 - below(Math.min(64, d.length))] ^= 0xff;
      }
      return d;
    default: // headers
      for (let i = 0; i <= below(4); i++) {
        d[below(Math.min(600, d.length))] = below(256);
      }
      return d;
  }
}

const CASES_PER_FORMAT = 60;

for (
  const [label, archive, verified] of [
    // Formats whose checks cover every member byte: unpacked means whole.
    ["tar.gz", compress(tar(TREE_TAR), "gzip"), true],
    ["tar.bz2", compress(tar(TREE_TAR), "bzip2"), true],
    ["tar.xz", compress(tar(TREE_TAR), "xz"), true],
    ["tar.lz", compress(tar(TREE_TAR), "lzip"), true],
    // A tar's data and a zip's central directory have no checksum: damage
    // there may unpack as other bytes, modes or names.
    ["tar", tar(TREE_TAR), false],
    ["zip", zip(TREE_ZIP), false],
  ] as const
) {
  Deno.test(`damaged ${label} archives unpack or fail with a one-line error, leaving nothing`, async () => {
    using tmp = tempDir();
    const whole = join(tmp.path, "whole");
    await extract(archiveFile(tmp.path, "archive", archive), whole);
    const expected = listing(whole);
    let failures = 0;
    for (let i = 0; i < CASES_PER_FORMAT; i++) {
      using dir = tempDir();
      const file = archiveFile(dir.path, "archive", damage(archive));
      const out = join(dir.path, "out");
      try {
        await (i % 2 ? extract(file, out) : extractToNewDirectory(file, out));
        if (verified) assert.deepEqual(listing(out), expected, `case ${i}`);
      } catch (err) {
        assert.ok(err instanceof ArchiveError, `case ${i}: ${err}`);
        assert.ok(!err.message.includes("\n"), `case ${i}: ${err.message}`);
        assert.deepEqual(readdirSync(dir.path), ["archive"], `case ${i}`);
        failures++;
      }
    }
    // The sweep reaches the error paths, not only harmless bytes.
    assert.ok(failures >= CASES_PER_FORMAT / 2, `${failures} failures`);
  });
}
