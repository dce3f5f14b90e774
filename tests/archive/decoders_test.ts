/**
 * The streaming decoders behind `extract`: lzip (our LZMA decoder), bzip2
 * (seek-bzip a block at a time) and xz (xz-decompress), on data made by the
 * real tools: several members or streams, trailing bytes, damage.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { bunzip2 } from "../../lib/fetch/archive/bzip2.ts";
import { lunzip, LzipError } from "../../lib/fetch/archive/lzip.ts";
import { unxz } from "../../lib/fetch/archive/xz.ts";
import { compress, tempDir } from "./_fixtures.ts";

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Text with long and short repeats, then random bytes: every LZMA path. */
function sample(size: number): Buffer {
  const words = Array.from({ length: 300 }, (_, i) => `w${(i * 7919) % 1009}`);
  let text = "";
  for (let i = 0; text.length < size / 2; i++) {
    text += words[(i * 31 + (i >> 5)) % words.length] + (i % 9 ? " " : "\n");
  }
  return Buffer.concat([Buffer.from(text), randomBytes(size / 2)]);
}

/** `data` as a stream of small, unevenly cut chunks. */
function chunked(data: Uint8Array): Readable {
  const parts: Uint8Array[] = [];
  for (let at = 0, n = 1; at < data.length; at += n, n = (n * 7) % 5003 + 1) {
    parts.push(data.subarray(at, at + n));
  }
  return Readable.from(parts);
}

Deno.test("lunzip decodes lzip members, also concatenated and cut anywhere", async () => {
  const a = sample(400_000), b = sample(100_000);
  const lz = Buffer.concat([compress(a, "lzip"), compress(b, "lzip")]);
  assert.ok((await collect(lunzip(chunked(lz)))).equals(Buffer.concat([a, b])));
  const padded = Buffer.concat([
    compress(b, "lzip"),
    Buffer.from("trailing junk"),
  ]);
  assert.ok((await collect(lunzip(chunked(padded)))).equals(b));
});

Deno.test("lunzip decodes a member declaring a dictionary far larger than its data", async () => {
  const a = sample(400_000);
  const lz = Buffer.from(compress(a, "lzip"));
  lz[5] = 0x1d; // 512 MiB: the window grows as the output comes
  assert.ok((await collect(lunzip(chunked(lz)))).equals(a));
});

Deno.test("lunzip reports truncation, damage and non-lzip data", async () => {
  const lz = compress(sample(100_000), "lzip");
  await assert.rejects(
    () => collect(lunzip(chunked(lz.subarray(0, lz.length - 10)))),
    (err: unknown) => err instanceof LzipError && err.truncated,
  );
  const damaged = Buffer.from(lz);
  damaged[damaged.length - 15] ^= 1; // the data size in the trailer
  await assert.rejects(
    () => collect(lunzip(chunked(damaged))),
    /data size mismatch/,
  );
  const version = Buffer.from(lz);
  version[4] = 2;
  await assert.rejects(
    () => collect(lunzip(chunked(version))),
    /unsupported lzip version/,
  );
  await assert.rejects(
    () => collect(lunzip(chunked(Buffer.from("LZIX not at all")))),
    /not lzip data/,
  );
});

Deno.test("bunzip2 decodes concatenated streams block by block, ignoring trailing bytes", async () => {
  using tmp = tempDir();
  const a = sample(2_000_000), b = sample(10_000);
  const file = join(tmp.path, "x.bz2");
  writeFileSync(
    file,
    Buffer.concat([
      compress(a, "bzip2"),
      compress(b, "bzip2"),
      Buffer.alloc(100),
    ]),
  );
  const chunks: Uint8Array[] = [];
  for await (const chunk of bunzip2(file)) chunks.push(chunk);
  assert.ok(Buffer.concat(chunks).equals(Buffer.concat([a, b])));
  // 2 MB of input and 900 kB blocks: handed over in several pieces
  assert.ok(chunks.length > 2, `${chunks.length} chunks`);
});

Deno.test("unxz decodes xz files and calls a cut one truncated", async () => {
  using tmp = tempDir();
  const data = sample(300_000);
  const xz = compress(data, "xz");
  const whole = join(tmp.path, "whole.xz");
  writeFileSync(whole, xz);
  assert.ok((await collect(unxz(whole))).equals(data));
  const cut = join(tmp.path, "cut.xz");
  writeFileSync(cut, xz.subarray(0, xz.length - 100));
  await assert.rejects(
    () => collect(unxz(cut)),
    (err: unknown) => (err as { truncated?: boolean }).truncated === true,
  );
});

Deno.test("unxz stopped after the whole stream is decoded returns quietly", async () => {
  using tmp = tempDir();
  // The decoder hands out the data, then ends the stream with an empty
  // chunk and frees its context; the tar reader, stopping on a bad header
  // in the data once that has happened (a matter of timing in `extract`),
  // cancelled the stream, which freed the context again: a TypeError
  // ("this.exports is null") in place of the archive's error.
  const data = Buffer.from("x".repeat(1000));
  const file = join(tmp.path, "small.xz");
  writeFileSync(file, compress(data, "xz"));
  for await (const chunk of unxz(file)) {
    assert.ok(chunk.length > 0);
    await new Promise((done) => setTimeout(done, 50));
    break;
  }
  // the decoder is still usable afterwards
  assert.ok((await collect(unxz(file))).equals(data));
});
