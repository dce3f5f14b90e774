/**
 * `readTar` and `readTarBytes` (lib/fetch/archive/tar.ts): the same members
 * whether the tar comes whole or in chunks of any size, split anywhere in
 * a header, a long-name record or a file; the same errors either way.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { ArchiveError } from "../../lib/fetch/archive/errors.ts";
import { readTar, readTarBytes } from "../../lib/fetch/archive/tar.ts";
import type {
  Entry,
  FileBody,
  MemberSink,
} from "../../lib/fetch/archive/tree.ts";
import { sparseMembers, tar, type TarMember } from "./_fixtures.ts";

const MEMBERS: TarMember[] = [
  { name: "d", type: "dir" },
  { name: "d/a", data: "x".repeat(700) },
  { name: "d/" + "long".repeat(40), data: "long name" },
  { name: "d/empty", data: "" },
  { name: "d/l", type: "symlink", linkname: "a" },
  { name: "d/fifo", type: "fifo" },
  { name: "d/z", data: "last" },
];

/** A sink recording each member and its content. */
function recorder(): MemberSink & { got: string[] } {
  const got: string[] = [];
  return {
    got,
    add(entry: Entry): FileBody | undefined {
      const line = `${entry.type} ${entry.name}`;
      if (entry.type !== "file") {
        got.push(entry.linkname ? `${line} -> ${entry.linkname}` : line);
        return undefined;
      }
      const parts: Uint8Array[] = [];
      return {
        write: (chunk) => parts.push(chunk.slice()),
        hole: (length) => parts.push(new Uint8Array(length)),
        end: () =>
          got.push(`${line} ${Buffer.concat(parts).toString().length}`),
      };
    },
  };
}

async function* chunks(bytes: Uint8Array, size: number) {
  for (let at = 0; at < bytes.length; at += size) {
    yield bytes.slice(at, at + size);
  }
}

Deno.test("chunks of any size give the members of the whole tar", async () => {
  const bytes = tar(MEMBERS);
  const whole = recorder();
  readTarBytes(bytes, whole, "t.tar", "tar");
  assert.equal(whole.got.length, 6);
  assert.ok(whole.got.includes("file d/a 700"));
  for (const size of [1, 7, 511, 512, 513, 1500]) {
    const sink = recorder();
    await readTar(chunks(bytes, size), sink, "t.tar", "tar");
    assert.deepEqual(sink.got, whole.got, `chunks of ${size}`);
  }
});

Deno.test("truncated, empty and non-tar data fail alike, whole or in chunks", async () => {
  const bytes = tar(MEMBERS);
  const cases: Array<[Uint8Array, RegExp]> = [
    [bytes.subarray(0, 600), /t\.tar: truncated \(unexpected end of data\)$/],
    [bytes.subarray(0, 1536 + 100), /truncated/],
    [bytes.subarray(0, 100), /t\.tar: no tar archive in the gzip data$/],
    [new Uint8Array(0), /t\.tar: no tar archive in the gzip data$/],
    [new Uint8Array(2048).fill(1), /t\.tar: no tar archive in the gzip data$/],
  ];
  for (const [data, message] of cases) {
    assert.throws(
      () => readTarBytes(data, recorder(), "t.tar", "gzip"),
      (err: unknown) =>
        err instanceof ArchiveError && message.test(err.message),
    );
    await assert.rejects(
      () => readTar(chunks(data, 100), recorder(), "t.tar", "gzip"),
      (err: unknown) =>
        err instanceof ArchiveError && message.test(err.message),
    );
  }
  // the end-of-archive blocks may be missing
  const body = bytes.subarray(0, bytes.length - 1024);
  const sink = recorder();
  await readTar(chunks(body, 300), sink, "t.tar", "tar");
  assert.equal(sink.got.length, 6);
});

/** The header block of the member named `name` in `bytes`. */
function headerOf(bytes: Uint8Array, name: string): Buffer {
  const wanted = Buffer.from(name + "\0");
  for (let at = 0; at < bytes.length; at += 512) {
    const block = Buffer.from(bytes.buffer, bytes.byteOffset + at, 512);
    if (block.subarray(0, wanted.length).equals(wanted)) return block;
  }
  throw new Error(`no header named ${name}`);
}

/** Writes `block`'s checksum again, summing signed bytes as old tars did. */
function reseal(block: Buffer, signed = false): void {
  block.write("        ", 148);
  let sum = 0;
  for (const b of block) sum += signed && b > 127 ? b - 256 : b;
  block.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
}

Deno.test("headers as other tars write them: ustar prefixes, GNU long link names, pax sizes, old directories, signed checksums", async () => {
  const bytes = tar([
    { name: "pre", data: "p" },
    { name: "././@LongLink", data: "t".repeat(150) },
    { name: "link", type: "symlink", linkname: "ignored" },
    { name: "a", data: "a", pax: { path: "renamed" } },
    { name: "b", data: "bb" },
    { name: "sized", data: "12345", pax: { size: "5" } },
    // a plain file named with a final "/": a directory to old tars
    { name: "old/", data: "" },
    { name: "caf\u00e9", data: "c" },
  ]);
  const prefixed = headerOf(bytes, "pre");
  prefixed.write("deep/er", 345);
  reseal(prefixed);
  const longLink = headerOf(bytes, "././@LongLink");
  longLink.write("K", 156);
  reseal(longLink);
  // the size the pax record states, too large for the header's field
  const sized = headerOf(bytes, "sized");
  sized.write("0".repeat(11), 124);
  reseal(sized);
  reseal(headerOf(bytes, "caf\u00e9"), true);
  const expected = [
    "file deep/er/pre 1",
    `symlink link -> ${"t".repeat(150)}`,
    "file renamed 1",
    "file b 2",
    "file sized 5",
    "directory old/",
    "file caf\u00e9 1",
  ];
  const whole = recorder();
  readTarBytes(bytes, whole, "t.tar", "tar");
  assert.deepEqual(whole.got, expected);
  const streamed = recorder();
  await readTar(chunks(bytes, 100), streamed, "t.tar", "tar");
  assert.deepEqual(streamed.got, expected);
});

Deno.test("a pax or long-name record over 1 MiB is refused as corrupt, not buffered", () => {
  const bytes = tar([{ name: "x", data: "x", pax: { path: "y" } }]);
  const pax = headerOf(bytes, "PaxHeader");
  pax.write(((1 << 20) + 1).toString(8).padStart(11, "0"), 124);
  reseal(pax);
  assert.throws(
    () => readTarBytes(bytes, recorder(), "t.tar", "tar"),
    (err: unknown) =>
      err instanceof ArchiveError &&
      /^Couldn't extract t\.tar: corrupt \(oversized header at byte 0\)$/
        .test(err.message),
  );
});

Deno.test("sparse members come out whole in chunks of any size, split anywhere in a map", async () => {
  const { members, content } = sparseMembers();
  const bytes = tar(members);
  for (const size of [1, 100, 511, 512, 513, 4000, bytes.length]) {
    const files = new Map<string, Uint8Array[]>();
    const sink: MemberSink = {
      add(entry: Entry): FileBody {
        const parts: Uint8Array[] = [];
        files.set(entry.name, parts);
        return {
          write: (chunk) => parts.push(chunk.slice()),
          hole: (length) => parts.push(new Uint8Array(length)),
          end: () => {},
        };
      },
    };
    await readTar(chunks(bytes, size), sink, "t.tar", "tar");
    assert.deepEqual(
      [...files.keys()],
      ["sparse-gnu", "sparse-0.0", "sparse-0.1", "sparse-1.0"],
    );
    for (const [name, parts] of files) {
      assert.ok(Buffer.concat(parts).equals(content), `${name}, ${size}`);
    }
  }
});
