/**
 * The zip reader's own DEFLATE decoder against node:zlib's encoder: every
 * block type, levels and strategies; damaged data is an error, never a
 * wrong result.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { constants, deflateRawSync } from "node:zlib";
import { inflate, InflateError } from "../../lib/fetch/archive/inflate.ts";

function text(size: number): Buffer {
  const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"];
  let out = "";
  for (let i = 0; out.length < size; i++) {
    out += words[(i * 7 + (i >> 3)) % words.length] + (i % 11 ? " " : "\n");
  }
  return Buffer.from(out.slice(0, size));
}

const INPUTS: Array<[string, Uint8Array]> = [
  ["empty", new Uint8Array(0)],
  ["one byte", Buffer.from("a")],
  ["a run", Buffer.alloc(100_000, 7)],
  ["random", randomBytes(70_000)],
  ["text", text(300_000)],
  [
    "all byte values",
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 97) & 255),
  ],
];
const STRATEGIES = [
  constants.Z_DEFAULT_STRATEGY,
  constants.Z_FIXED,
  constants.Z_HUFFMAN_ONLY,
  constants.Z_RLE,
  constants.Z_FILTERED,
];

Deno.test("inflate decodes what zlib encodes, at every level and strategy", () => {
  for (const [label, data] of INPUTS) {
    for (const level of [0, 1, 6, 9]) {
      for (const strategy of STRATEGIES) {
        const packed = deflateRawSync(data, { level, strategy });
        const out = inflate(packed, data.length);
        assert.ok(
          Buffer.from(out).equals(Buffer.from(data)),
          `${label}, level ${level}, strategy ${strategy}`,
        );
      }
    }
  }
});

Deno.test("inflate writes into a buffer it is given when large enough", () => {
  const data = text(5000);
  const scratch = new Uint8Array(8000);
  const out = inflate(deflateRawSync(data), data.length, scratch);
  assert.equal(out.buffer, scratch.buffer);
  assert.ok(Buffer.from(out).equals(data));
  const small = inflate(deflateRawSync(data), data.length, new Uint8Array(10));
  assert.ok(Buffer.from(small).equals(data));
});

Deno.test("inflate refuses damaged data and wrong sizes", () => {
  const data = text(20_000);
  const packed = deflateRawSync(data);
  assert.throws(
    () => inflate(packed.subarray(0, packed.length >> 1), data.length),
    InflateError,
  );
  assert.throws(
    () => inflate(packed, data.length - 1),
    /more data than expected/,
  );
  assert.throws(
    () => inflate(packed, data.length + 1),
    /less data than expected/,
  );
  assert.throws(() => inflate(Uint8Array.of(0x07), 10), /invalid block type/);
  assert.throws(
    () => inflate(Uint8Array.of(0x01, 0x05, 0x00, 0x00, 0x00), 5),
    /invalid stored block/,
  );
  // a match reaching before the start of the output: a fixed block whose
  // first code is length 3 (257), distance 1
  const far = Uint8Array.of(0x03, 0x02, 0x00);
  assert.throws(() => inflate(far, 10), /invalid distance too far back/);
  // random damage: an InflateError or some output (which the caller's
  // CRC-32 check catches), never another exception
  for (let i = 0; i < packed.length; i += 97) {
    const copy = Buffer.from(packed);
    copy[i] ^= 0x5a;
    try {
      inflate(copy, data.length);
    } catch (err) {
      assert.ok(err instanceof InflateError, String(err));
    }
  }
});
