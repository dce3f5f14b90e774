/**
 * Archives built at test time, hostile ones included: a tiny tar writer
 * and a tiny zip writer that write whatever names, modes and link targets
 * they are given, plus compression with node:zlib and the system's
 * `bzip2`, `xz` and `python3` (for lzip, with Python's LZMA1 encoder).
 */
import { spawnSync } from "node:child_process";
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { Buffer } from "node:buffer";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { crc32, deflateRawSync, gzipSync } from "node:zlib";

/** One tar member; `data` for files, `linkname` for links. */
export interface TarMember {
  name: string;
  type?:
    | "file"
    | "dir"
    | "symlink"
    | "hardlink"
    | "fifo"
    | "sparse"
    | "continued";
  data?: Uint8Array | string;
  mode?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  /**
   * pax records written before the member (`path` is added for long
   * names); as pairs when a key repeats.
   */
  pax?: Record<string, string> | Array<[string, string]>;
  /**
   * A `sparse` member's map, in an old GNU header and its extension
   * blocks: where each run of `data` goes (`[offset, length]`), and the
   * file's size. Without it the header holds an empty map.
   */
  sparse?: { runs: Array<[number, number]>; size: number };
}

const TYPE_FLAGS = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  fifo: "6",
  dir: "5",
  sparse: "S",
  continued: "M",
};

function bytes(data: Uint8Array | string | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return typeof data === "string" ? Buffer.from(data) : data;
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, "0") + "\0";
}

/** `runs` as old GNU sparse entries (offset, length) at `at` in `block`. */
function writeRuns(block: Buffer, at: number, runs: Array<[number, number]>) {
  runs.forEach(([offset, length], i) => {
    block.write(octal(offset, 12), at + 24 * i);
    block.write(octal(length, 12), at + 24 * i + 12);
  });
}

function header(
  name: string,
  flag: string,
  size: number,
  mode: number,
  mtime: number,
  linkname = "",
  sparse?: { runs: Array<[number, number]>; size: number },
): Uint8Array {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100);
  block.write(octal(mode, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(size, 12), 124);
  block.write(octal(mtime, 12), 136);
  block.write("        ", 148);
  block.write(flag, 156);
  block.write(linkname, 157, 100);
  block.write("ustar\x0000", 257);
  if (sparse) {
    // the old GNU format, the only one with type 'S'
    block.write("ustar  \0", 257);
    writeRuns(block, 386, sparse.runs.slice(0, 4));
    block[482] = sparse.runs.length > 4 ? 1 : 0;
    block.write(octal(sparse.size, 12), 483);
  }
  let sum = 0;
  for (const b of block) sum += b;
  block.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return block;
}

function padded(data: Uint8Array): Uint8Array[] {
  const rest = data.length % 512;
  return rest === 0 ? [data] : [data, new Uint8Array(512 - rest)];
}

/** A pax record `LEN key=value\n`. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length++;
  return `${length}${body}`;
}

/** A tar archive of `members`, with pax headers for long names and `pax`. */
export function tar(members: TarMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    const type = m.type ?? "file";
    const data = type === "file" || type === "sparse" || type === "continued"
      ? bytes(m.data)
      : new Uint8Array(0);
    const mode = m.mode ?? (type === "dir" ? 0o755 : 0o644);
    const mtime = m.mtime ?? 1_600_000_000;
    let name = type === "dir" && !m.name.endsWith("/") ? m.name + "/" : m.name;
    const records = Array.isArray(m.pax)
      ? [...m.pax]
      : Object.entries(m.pax ?? {});
    if (Buffer.byteLength(name) > 100) {
      records.push(["path", name]);
      name = name.slice(0, 99);
    }
    if (records.length > 0) {
      const pax = Buffer.from(
        records.map(([k, v]) => paxRecord(k, v)).join(""),
      );
      parts.push(
        header("PaxHeader", "x", pax.length, 0o644, mtime),
        ...padded(pax),
      );
    }
    const sparse = type === "sparse"
      ? m.sparse ?? { runs: [], size: 0 }
      : undefined;
    parts.push(
      header(
        name,
        TYPE_FLAGS[type],
        data.length,
        mode,
        mtime,
        m.linkname,
        sparse,
      ),
    );
    // runs past the header's four, 21 to an extension block
    const more = sparse?.runs.slice(4) ?? [];
    for (let i = 0; i < more.length; i += 21) {
      const block = Buffer.alloc(512);
      writeRuns(block, 0, more.slice(i, i + 21));
      block[504] = i + 21 < more.length ? 1 : 0;
      parts.push(block);
    }
    parts.push(...padded(data));
  }
  parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
}

/**
 * One sparse file (30 runs of data, holes between them and at the end) as
 * a member of each GNU sparse format: `sparse-gnu` (an old GNU header with
 * extension blocks), `sparse-0.0`, `sparse-0.1` and `sparse-1.0` (pax), and
 * the file's content.
 */
export function sparseMembers(): { members: TarMember[]; content: Buffer } {
  const size = (8 << 20) + 5;
  // whole blocks but the last run, as GNU tar writes them: its reader
  // takes each run's data padded to a block, tarfile takes it unpadded
  const runs: Array<[number, number]> = Array.from(
    { length: 30 },
    (_, i) => [i * 65_536 + i, i === 29 ? 100 : 512 * (1 + i % 3)],
  );
  // and an empty run at the end, which GNU tar reads as the file's size
  runs.push([size, 0]);
  const stored = Buffer.concat(
    runs.map(([, length], i) => Buffer.alloc(length, 65 + i)),
  );
  const content = Buffer.alloc(size);
  let at = 0;
  for (const [offset, length] of runs) {
    stored.copy(content, offset, at, at + length);
    at += length;
  }
  const flat = runs.flat().map(String);
  const mapText = Buffer.from([runs.length, ...flat].join("\n") + "\n");
  const withMap = Buffer.concat([...padded(mapText), stored]);
  const members: TarMember[] = [
    {
      name: "sparse-gnu",
      type: "sparse",
      data: stored,
      sparse: { runs, size },
    },
    {
      name: "sparse-0.0",
      data: stored,
      pax: [
        ["GNU.sparse.size", String(size)],
        ["GNU.sparse.numblocks", String(runs.length)],
        ...runs.flatMap(([offset, length]): Array<[string, string]> => [
          ["GNU.sparse.offset", String(offset)],
          ["GNU.sparse.numbytes", String(length)],
        ]),
      ],
    },
    {
      name: "GNUSparseFile.1/sparse-0.1",
      data: stored,
      pax: {
        "GNU.sparse.size": String(size),
        "GNU.sparse.numblocks": String(runs.length),
        "GNU.sparse.name": "sparse-0.1",
        "GNU.sparse.map": flat.join(","),
      },
    },
    {
      name: "GNUSparseFile.0/sparse-1.0",
      data: withMap,
      pax: {
        "GNU.sparse.major": "1",
        "GNU.sparse.minor": "0",
        "GNU.sparse.name": "sparse-1.0",
        "GNU.sparse.realsize": String(size),
      },
    },
  ];
  return { members, content };
}

/** One zip member; a symlink's target is its data. */
export interface ZipMember {
  name: string;
  data?: Uint8Array | string;
  /** Unix `st_mode`, type bits included (0o100644, 0o040755, 0o120777). */
  mode?: number;
  /** 0 (stored) or 8 (deflated, the default), or anything to refuse. */
  method?: number;
  /** The "made by" host: 3 (Unix, the default) or 0 (DOS). */
  host?: number;
  /** Set the encryption flag. */
  encrypted?: boolean;
}

/** A zip file of `members`, after `prefix` (as a self-extractor has). */
export function zip(
  members: ZipMember[],
  prefix = new Uint8Array(0),
): Uint8Array {
  const local: Uint8Array[] = [prefix];
  const central: Uint8Array[] = [];
  let offset = prefix.length;
  for (const m of members) {
    const data = bytes(m.data);
    const method = m.method ?? 8;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(m.name);
    const crc = crc32(data);
    const flags = (m.encrypted ? 1 : 0) | 0x800;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(flags, 6);
    lh.writeUInt16LE(method, 8);
    lh.writeUInt16LE(0, 10);
    lh.writeUInt16LE(0x5021, 12); // 2020-01-01
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(stored.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    local.push(lh, name, stored);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(((m.host ?? 3) << 8) | 20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(flags, 8);
    ch.writeUInt16LE(method, 10);
    ch.writeUInt16LE(0, 12);
    ch.writeUInt16LE(0x5021, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(stored.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(((m.mode ?? 0) << 16) >>> 0, 38);
    ch.writeUInt32LE(offset - prefix.length, 42);
    central.push(ch, name);
    offset += 30 + name.length + stored.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  // no zip64: the count modulo 65,536, as tools without zip64 state it
  end.writeUInt16LE(members.length % 0x10000, 8);
  end.writeUInt16LE(members.length % 0x10000, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset - prefix.length, 16);
  return Buffer.concat([...local, cd, end]);
}

/**
 * `command args... FILE` with `input` in FILE: piping both ways through
 * spawnSync can deadlock once a tool streams output before reading all input.
 */
function tool(command: string, args: string[], input: Uint8Array): Uint8Array {
  using dir = tempDir();
  const file = join(dir.path, "input");
  writeFileSync(file, input);
  const result = spawnSync(command, [...args, file], { maxBuffer: 1 << 30 });
  if (result.status !== 0) {
    throw new Error(`${command} failed: ${result.stderr}`);
  }
  return result.stdout;
}

/** `data` compressed as `format`. */
export function compress(
  data: Uint8Array,
  format: "gzip" | "bzip2" | "xz" | "lzip",
): Uint8Array {
  switch (format) {
    case "gzip":
      return gzipSync(data);
    case "bzip2":
      return tool("bzip2", ["-c"], data);
    case "xz":
      return tool("xz", ["-c"], data);
    case "lzip":
      return tool("python3", ["-c", LZIP], data);
  }
}

/** `data` as one xz stream of blocks of `size` bytes, as `xz -T` writes. */
export function xzBlocks(data: Uint8Array, size: number): Uint8Array {
  return tool("xz", ["-c", `--block-size=${size}`], data);
}

// lzip = LZMA1 (lc=3, lp=0, pb=2, end marker) between lzip's header and
// trailer; Python's raw LZMA1 encoder writes exactly that stream
const LZIP = `
import lzma, struct, sys, zlib
data = open(sys.argv[1], "rb").read()
c = lzma.LZMACompressor(format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA1,
    "dict_size": 1 << 16, "lc": 3, "lp": 0, "pb": 2}])
member = b"LZIP\\x01" + bytes([16]) + c.compress(data) + c.flush()
member += struct.pack("<IQQ", zlib.crc32(data), len(data), len(member) + 20)
sys.stdout.buffer.write(member)
`;

/** Writes `data` as `name` in `dir`; returns its path. */
export function archiveFile(
  dir: string,
  name: string,
  data: Uint8Array,
): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

/** A fresh temporary directory, removed at scope exit. */
export function tempDir(): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), "archive-test-"));
  return {
    path,
    [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }),
  };
}

/**
 * The tree under `dir`, one line per entry, sorted: `d 755 name`,
 * `- 644 name <content>` (content only when short), `l name -> target`.
 */
export function listing(dir: string, prefix = ""): string[] {
  const lines: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const rel = prefix + name;
    const st = lstatSync(path);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) {
      lines.push(`l ${rel} -> ${readlinkSync(path)}`);
    } else if (st.isDirectory()) {
      lines.push(`d ${mode} ${rel}`);
      lines.push(...listing(path, rel + "/"));
    } else {
      const content = st.size <= 40
        ? ` ${JSON.stringify(readFileSync(path, "utf8"))}`
        : ` (${st.size} bytes)`;
      lines.push(`- ${mode} ${rel}${content}`);
    }
  }
  return lines;
}

/** The umask of this process, which extraction's modes lose. */
const UMASK = process.umask();

/**
 * {@link listing} lines with each mode less this process's umask: modes are
 * written as asked for (the archive's, `777` for a directory made on the
 * way, `666` for a file from `writeFileSync`), so a listing compares equal
 * under any umask.
 *
 * ```ts
 * lessUmask(["d 777 top", '- 644 top/a "1"']); // under 022: "d 755 top", ...
 * ```
 */
export function lessUmask(lines: string[]): string[] {
  return lines.map((line) =>
    line.replace(
      /^([-d]) ([0-7]+) /,
      (_, kind: string, mode: string) =>
        `${kind} ${(parseInt(mode, 8) & ~UMASK).toString(8)} `,
    )
  );
}
