/**
 * Raw DEFLATE (RFC 1951) decoding of a whole buffer whose decoded size is
 * known, as for a zip member. For the many small members of a zip file this
 * is several times faster than `node:zlib`, whose per-call set-up costs
 * more than decoding a few kilobytes; large members still go through
 * `node:zlib` streams.
 */

/** Why data cannot be inflated. */
export class InflateError extends Error {}

const LENGTH_BASE = new Uint16Array([
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
]);
const LENGTH_EXTRA = new Uint8Array([
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
]);
const DIST_BASE = new Uint16Array([
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
]);
const DIST_EXTRA = new Uint8Array([
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
]);
const CODE_LENGTH_ORDER = new Uint8Array([
  16,
  17,
  18,
  0,
  8,
  7,
  9,
  6,
  10,
  5,
  11,
  4,
  12,
  3,
  13,
  2,
  14,
  1,
  15,
]);

/** Bits resolved by one table look-up; longer (rare) codes are decoded bit by bit. */
const FAST = 10;

/**
 * A decoding table. `map` is indexed by the next `bits` input bits (least
 * significant first); each entry is `symbol << 4 | code length`, 0 when the
 * code is longer than `bits` (or invalid). `counts` (codes per length) and
 * `symbols` (sorted by code) decode the longer ones.
 */
interface Table {
  map: Uint16Array;
  bits: number;
  counts: Uint16Array;
  symbols: Uint16Array;
}

const nextCode = new Uint16Array(16);
const offsets = new Uint16Array(16);
/** `REVERSED[c]`: the 15-bit value `c` with its bits in reverse order. */
const REVERSED = (() => {
  const table = new Uint16Array(1 << 15);
  for (let c = 0; c < table.length; c++) {
    let r = 0;
    for (let i = 0; i < 15; i++) r |= ((c >>> i) & 1) << (14 - i);
    table[c] = r;
  }
  return table;
})();

/**
 * The canonical Huffman table for `lengths[0..n)`, in `reuse` (a table
 * of at most {@link FAST} bits) when given: decoding is synchronous, so a
 * block's tables can live in buffers allocated once.
 */
function table(lengths: Uint8Array, n: number, reuse?: Table): Table {
  const counts = reuse?.counts.fill(0) ?? new Uint16Array(16);
  let longest = 0;
  for (let i = 0; i < n; i++) {
    const l = lengths[i];
    counts[l]++;
    if (l > longest) longest = l;
  }
  counts[0] = 0;
  let code = 0;
  offsets[1] = 0;
  for (let l = 1; l <= 15; l++) {
    code = (code + counts[l - 1]) << 1;
    nextCode[l] = code;
    if (l < 15) offsets[l + 1] = offsets[l] + counts[l];
  }
  const bits = Math.min(longest, FAST);
  const map = reuse
    ? reuse.map.subarray(0, 1 << bits).fill(0)
    : new Uint16Array(1 << bits);
  const symbols = reuse?.symbols ?? new Uint16Array(n);
  for (let symbol = 0; symbol < n; symbol++) {
    const l = lengths[symbol];
    if (l === 0) continue;
    symbols[offsets[l]++] = symbol;
    const c = nextCode[l]++;
    if (c >= 1 << l) throw new InflateError("invalid Huffman code lengths");
    if (l > bits) continue;
    const entry = (symbol << 4) | l;
    for (let r = REVERSED[c] >>> (15 - l); r < map.length; r += 1 << l) {
      map[r] = entry;
    }
  }
  return { map, bits, counts, symbols };
}

/** A code longer than the table's look-up, decoded bit by bit from `bb`. */
function slow(t: Table, bb: number): number {
  let code = 0, first = 0, index = 0;
  for (let l = 1; l <= 15; l++) {
    code |= (bb >>> (l - 1)) & 1;
    const count = t.counts[l];
    if (code - first < count) return (t.symbols[index + code - first] << 4) | l;
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return 0;
}

const FIXED_LITERALS = (() => {
  const lengths = new Uint8Array(288);
  lengths.fill(8, 0, 144);
  lengths.fill(9, 144, 256);
  lengths.fill(7, 256, 280);
  lengths.fill(8, 280, 288);
  return table(lengths, 288);
})();
const FIXED_DISTANCES = table(new Uint8Array(30).fill(5), 30);
/** Buffers for the tables of dynamic blocks. */
const scratch = () => ({
  map: new Uint16Array(1 << FAST),
  bits: 0,
  counts: new Uint16Array(16),
  symbols: new Uint16Array(288),
});
const DYNAMIC_CODES = scratch();
const DYNAMIC_LITERALS = scratch();
const DYNAMIC_DISTANCES = scratch();
const lengths = new Uint8Array(320);

/**
 * Inflates the raw DEFLATE data `input` into exactly `size` bytes, in
 * `into` (a view of it is returned) when it is large enough.
 *
 * ```ts
 * inflate(deflateRawSync(data), data.length); // equals data
 * ```
 * @throws {InflateError} when the data is corrupt, truncated, or does not
 *   decode to `size` bytes
 */
export function inflate(
  input: Uint8Array,
  size: number,
  into?: Uint8Array,
): Uint8Array {
  const out = into && into.length >= size
    ? into.subarray(0, size)
    : new Uint8Array(size);
  const length = input.length;
  // bit buffer: `bc` bits in `bb`, least significant first; bytes past
  // the end read as zeros, and overrunning is checked after each block
  let i = 0, bb = 0, bc = 0;
  let at = 0;
  let last = 0;
  while (!last) {
    while (bc <= 24) {
      bb |= input[i++] << bc;
      bc += 8;
    }
    last = bb & 1;
    const type = (bb >>> 1) & 3;
    bb >>>= 3;
    bc -= 3;
    if (type === 0) {
      // to the byte boundary, giving back whole bytes still buffered
      i -= bc >>> 3;
      bb = bc = 0;
      const n = input[i] | (input[i + 1] << 8);
      const check = input[i + 2] | (input[i + 3] << 8);
      if (i + 4 > length || (n ^ 0xffff) !== check) {
        throw new InflateError("invalid stored block");
      }
      i += 4;
      if (i + n > length) throw new InflateError("truncated data");
      if (at + n > size) throw new InflateError("more data than expected");
      out.set(input.subarray(i, i + n), at);
      at += n;
      i += n;
      continue;
    }
    let literals: Table, distances: Table;
    if (type === 1) {
      literals = FIXED_LITERALS;
      distances = FIXED_DISTANCES;
    } else if (type === 2) {
      const nLiterals = (bb & 31) + 257;
      const nDistances = ((bb >>> 5) & 31) + 1;
      const nCodes = ((bb >>> 10) & 15) + 4;
      bb >>>= 14;
      bc -= 14;
      lengths.fill(0, 0, 19);
      for (let k = 0; k < nCodes; k++) {
        while (bc <= 24) {
          bb |= input[i++] << bc;
          bc += 8;
        }
        lengths[CODE_LENGTH_ORDER[k]] = bb & 7;
        bb >>>= 3;
        bc -= 3;
      }
      const codes = table(lengths, 19, DYNAMIC_CODES);
      const total = nLiterals + nDistances;
      lengths.fill(0);
      for (let k = 0; k < total;) {
        while (bc <= 24) {
          bb |= input[i++] << bc;
          bc += 8;
        }
        let entry = codes.map[bb & ((1 << codes.bits) - 1)];
        if (entry === 0) entry = slow(codes, bb);
        if (entry === 0) throw new InflateError("invalid code lengths");
        bb >>>= entry & 15;
        bc -= entry & 15;
        const symbol = entry >>> 4;
        if (symbol < 16) {
          lengths[k++] = symbol;
          continue;
        }
        let repeat: number, value = 0;
        if (symbol === 16) {
          if (k === 0) throw new InflateError("invalid code lengths");
          value = lengths[k - 1];
          repeat = 3 + (bb & 3);
          bb >>>= 2;
          bc -= 2;
        } else if (symbol === 17) {
          repeat = 3 + (bb & 7);
          bb >>>= 3;
          bc -= 3;
        } else {
          repeat = 11 + (bb & 127);
          bb >>>= 7;
          bc -= 7;
        }
        if (k + repeat > total) throw new InflateError("invalid code lengths");
        lengths.fill(value, k, k + repeat);
        k += repeat;
      }
      literals = table(
        lengths.subarray(0, nLiterals),
        nLiterals,
        DYNAMIC_LITERALS,
      );
      distances = table(
        lengths.subarray(nLiterals, total),
        nDistances,
        DYNAMIC_DISTANCES,
      );
    } else {
      throw new InflateError("invalid block type");
    }
    const lmap = literals.map, lmask = (1 << literals.bits) - 1;
    const dmap = distances.map, dmask = (1 << distances.bits) - 1;
    for (;;) {
      while (bc <= 24) {
        bb |= input[i++] << bc;
        bc += 8;
      }
      let entry = lmap[bb & lmask];
      if (entry === 0) entry = slow(literals, bb);
      if (entry === 0) throw new InflateError("invalid literal/length code");
      bb >>>= entry & 15;
      bc -= entry & 15;
      const symbol = entry >>> 4;
      if (symbol < 256) {
        if (at === size) throw new InflateError("more data than expected");
        out[at++] = symbol;
        continue;
      }
      if (symbol === 256) break;
      const li = symbol - 257;
      if (li > 28) throw new InflateError("invalid length code");
      const extra = LENGTH_EXTRA[li];
      const n = LENGTH_BASE[li] + (bb & ((1 << extra) - 1));
      bb >>>= extra;
      bc -= extra;
      while (bc <= 24) {
        bb |= input[i++] << bc;
        bc += 8;
      }
      let dentry = dmap[bb & dmask];
      if (dentry === 0) dentry = slow(distances, bb);
      if (dentry === 0) throw new InflateError("invalid distance code");
      bb >>>= dentry & 15;
      bc -= dentry & 15;
      const di = dentry >>> 4;
      if (di > 29) throw new InflateError("invalid distance code");
      const dextra = DIST_EXTRA[di];
      if (bc < dextra) {
        bb |= input[i++] << bc;
        bc += 8;
      }
      const distance = DIST_BASE[di] + (bb & ((1 << dextra) - 1));
      bb >>>= dextra;
      bc -= dextra;
      if (distance > at) {
        throw new InflateError("invalid distance too far back");
      }
      if (at + n > size) throw new InflateError("more data than expected");
      if (distance >= n && n > 32) {
        out.copyWithin(at, at - distance, at - distance + n);
        at += n;
      } else {
        for (let k = 0; k < n; k++, at++) out[at] = out[at - distance];
      }
    }
    if (i * 8 - bc > length * 8) throw new InflateError("truncated data");
  }
  if (i * 8 - bc > length * 8) throw new InflateError("truncated data");
  if (at !== size) throw new InflateError("less data than expected");
  return out;
}
