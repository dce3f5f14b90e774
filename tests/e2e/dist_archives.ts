/**
 * Distribution archives for end-to-end tests: `.tgz`/`.tar.gz` (modern-tar
 * and gzip) and `.zip` (stored entries, written here), optionally under a
 * top-level directory such as `package/`, as `npm pack` makes them.
 *
 * ```ts
 * await writeDist(join(dist, "spam-2.tgz"), recipeDist("spam", "2", "v2"));
 * ```
 */
import { Buffer } from "node:buffer";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { gzipSync } from "node:zlib";
import { packTar } from "modern-tar";

/** Files of a distribution, by relative path. */
export type DistFiles = Record<string, string>;

/**
 * A recipe distribution whose default recipe prints `message` on install
 * and update, requiring `requires`, found also in `dependencyLinks`.
 */
export function recipeDist(
  name: string,
  version: string,
  message: string,
  requires: string[] = [],
  dependencyLinks?: unknown,
): DistFiles {
  return {
    "package.json": JSON.stringify(
      {
        name,
        version,
        buildout: {
          recipes: { default: "./recipe.js" },
          requires,
          "dependency-links": dependencyLinks,
        },
      },
      null,
      2,
    ),
    "recipe.js": `export default class Recipe {
  install() {
    console.log(${JSON.stringify(message)});
    return [];
  }
  update() {
    return this.install();
  }
}
`,
  };
}

/**
 * Writes `files` as the archive `path` (its extension picks the format),
 * each under `top` when given (e.g. `"package/"`).
 */
export async function writeDist(
  path: string,
  files: DistFiles,
  top = "",
): Promise<void> {
  const entries = Object.entries(files).map(([name, text]) => ({
    name: top + name,
    data: Buffer.from(text),
  }));
  mkdirSync(dirname(path), { recursive: true });
  if (path.endsWith(".zip")) {
    writeFileSync(path, zip(entries));
    return;
  }
  if (!path.endsWith(".tgz") && !path.endsWith(".tar.gz")) {
    throw new Error(`writeDist: unsupported extension in ${path}`);
  }
  const tar = await packTar(entries.map((e) => ({
    header: { name: e.name, size: e.data.length, mode: 0o644 },
    body: new Uint8Array(e.data),
  })));
  writeFileSync(path, gzipSync(tar));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A zip archive of stored (uncompressed) entries. */
function zip(entries: Array<{ name: string; data: Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
