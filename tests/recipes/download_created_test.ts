/**
 * The download recipes register what they create with `options.created()`
 * before it appears, so that the install engine's journal names it even
 * when the run is killed right after (see lib/install/pending.ts).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { UserError } from "../../lib/errors.ts";
import { extract } from "../../lib/fetch/archive.ts";
import type {
  InstallResult,
  PartLogger,
  RecipeBuildout,
  RecipeOptions,
} from "../../lib/recipe/api.ts";
import Download, { GoceptDownload } from "../../recipes/download.ts";
import { tar, tempDir } from "../archive/_fixtures.ts";

const quiet: PartLogger = {
  debug() {},
  info() {},
  warn() {},
  warning() {},
  error() {},
  critical() {},
};

/** Options of a plain map; `created()` notes whether each path existed. */
function options(
  name: string,
  values: Record<string, string>,
  seen: Array<[string, boolean]> = [],
): RecipeOptions {
  const data = new Map(Object.entries(values));
  return {
    name,
    get: (key) => data.get(key),
    require: (key) => {
      const value = data.get(key);
      if (value === undefined) throw new UserError(`Missing option: ${key}`);
      return value;
    },
    set: (key, value) => void data.set(key, value),
    delete: (key) => data.delete(key),
    has: (key) => data.has(key),
    keys: () => [...data.keys()],
    entries: () => [...data.entries()],
    getBool: (key) => data.get(key) === "true",
    created: (...paths) => {
      for (const path of paths) seen.push([path, existsSync(path)]);
      return seen.map(([path]) => path);
    },
  };
}

/** A buildout in `dir` whose downloads are the local file `archive`. */
function buildout(dir: string, archive: string): RecipeBuildout {
  const main = options("buildout", {
    directory: dir,
    "parts-directory": join(dir, "parts"),
    "bin-directory": join(dir, "bin"),
  });
  return {
    section: () => main,
    addSection: () => main,
    parse: () => {},
    has: () => true,
    sectionNames: () => ["buildout"],
    UserError,
    logger: () => quiet,
    download: () => Promise.resolve({ path: archive, isTemp: false }),
    extract,
  };
}

function setUp(dir: string): string {
  mkdirSync(join(dir, "parts"));
  const archive = join(dir, "pkg-1.0.tar");
  writeFileSync(
    archive,
    tar([
      { name: "pkg-1.0/", type: "dir" },
      { name: "pkg-1.0/README", data: "hello\n" },
    ]),
  );
  return archive;
}

type RecipeClass = new (
  buildout: RecipeBuildout,
  name: string,
  options: RecipeOptions,
) => { install(): Promise<InstallResult> };

/**
 * Installs part `pkg` of `recipe` with `values` from the archive `file`;
 * returns what install returned and each path registered, with whether it
 * existed when registered.
 */
async function install(
  recipe: RecipeClass,
  dir: string,
  file: string,
  values: Record<string, string>,
): Promise<{ returned: InstallResult; seen: Array<[string, boolean]> }> {
  const seen: Array<[string, boolean]> = [];
  const part = new recipe(
    buildout(dir, file),
    "pkg",
    options("pkg", values, seen),
  );
  return { returned: await part.install(), seen };
}

Deno.test("download registers a destination it creates before it appears", async () => {
  using tmp = tempDir();
  const archive = setUp(tmp.path);
  const { returned, seen } = await install(Download, tmp.path, archive, {
    url: "http://example.com/pkg-1.0.tar",
  });
  const destination = join(tmp.path, "parts", "pkg");
  assert.deepEqual(returned, [destination]);
  assert.deepEqual(seen, [[destination, false]]);
  assert.ok(existsSync(join(destination, "pkg-1.0", "README")));
});

Deno.test("download registers each entry it adds to an existing destination", async () => {
  using tmp = tempDir();
  const archive = setUp(tmp.path);
  const destination = join(tmp.path, "shared");
  mkdirSync(destination);
  writeFileSync(join(destination, "mine"), "kept\n");
  const { returned, seen } = await install(Download, tmp.path, archive, {
    url: "http://example.com/pkg-1.0.tar",
    destination,
  });
  const added = join(destination, "pkg-1.0");
  assert.deepEqual(returned, [added]);
  assert.deepEqual(seen, [[added, false]]);
});

Deno.test("download-only registers the destination it creates", async () => {
  using tmp = tempDir();
  const archive = setUp(tmp.path);
  const { returned, seen } = await install(Download, tmp.path, archive, {
    url: "http://example.com/pkg-1.0.tar",
    "download-only": "true",
  });
  const destination = join(tmp.path, "parts", "pkg");
  assert.deepEqual(returned, [destination]);
  assert.deepEqual(seen, [[destination, false]]);
  assert.ok(existsSync(join(destination, "pkg-1.0.tar")));
});

Deno.test("gocept.download registers its location before unpacking into it", async () => {
  using tmp = tempDir();
  const archive = setUp(tmp.path);
  const tgz = archive.replace(/\.tar$/, ".tar.gz");
  writeFileSync(tgz, gzipSync(readFileSync(archive)));
  const { returned, seen } = await install(GoceptDownload, tmp.path, tgz, {
    url: "http://example.com/pkg-1.0.tar.gz",
  });
  const location = join(tmp.path, "parts", "pkg");
  assert.deepEqual(returned, [location]);
  assert.deepEqual(seen, [[location, false]]);
  assert.ok(existsSync(join(location, "README")));
});
