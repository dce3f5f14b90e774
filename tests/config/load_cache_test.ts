import assert from "node:assert/strict";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../lib/config/load.ts";
import {
  type ConfigCache,
  configCache,
  enableConfigCache,
  loadConfigCached,
  rawValue,
} from "../../lib/config/load_cache.ts";
import { fakeSource } from "./fake_source.ts";

const request = (extra = {}) => ({
  configFile: "buildout.cfg",
  cwd: "/b",
  assignments: [],
  executable: "/usr/bin/buildout",
  ...extra,
});

/** A cache in a new temporary directory, removed after `body`. */
async function withCache(
  body: (cache: ConfigCache) => Promise<void>,
): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), "load-cache-"));
  try {
    await body({ directory: join(directory, "config"), program: "test" });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function kept(cache: ConfigCache): string[] {
  try {
    return readdirSync(cache.directory);
  } catch {
    return [];
  }
}

const value = (
  data: Map<string, Map<string, { value: string }>>,
  section: string,
  option: string,
) => data.get(section)?.get(option)?.value;

Deno.test("a kept load gives the same sections, values and origins as a new one", async () => {
  await withCache(async (cache) => {
    // +=, -= over extends, a pending += on nothing, a macro, a profile base
    // location and a command-line assignment: every shape of note and step.
    const files = {
      "/b/buildout.cfg": "[buildout]\nextends = base.cfg\nparts = a\n" +
        "[a]\n<= m\nlist +=\n  three\nlist -= one\nnew += x\n" +
        "where = ${:_profile_base_location_}/f\n",
      "/b/base.cfg": "[m]\nrecipe = r\n[a]\nlist =\n  one\n  two\n",
    };
    const req = request({
      assignments: [{ section: "a", option: "cmd", value: "v" }],
    });
    const fresh = await loadConfig(req, fakeSource(files));
    const first = await loadConfigCached(req, fakeSource(files), cache);
    assert.equal(kept(cache).length, 1);
    const second = await loadConfigCached(req, fakeSource(files), cache);
    // One value read before its section is (see KeptData).
    assert.equal(rawValue(second, "a", "cmd"), "v");
    assert.equal(rawValue(second, "a", "none"), undefined);
    assert.equal(value(second, "a", "list"), "two\nthree");
    assert.deepEqual(first, fresh);
    assert.deepEqual(new Map(second), fresh);
    assert.deepEqual([...second.keys()], [...fresh.keys()]);
  });
});

Deno.test("the kept sections are used while every file read holds the same text", async () => {
  await withCache(async (cache) => {
    const files: Record<string, string> = {
      "/b/buildout.cfg": "[buildout]\nextends = base.cfg\n[a]\nx = 1\n",
      "/b/base.cfg": "[a]\ny = 2\n",
    };
    await loadConfigCached(request(), fakeSource(files), cache);
    // What is kept is what comes back: a value changed in the kept file
    // shows that the files were not parsed again.
    const file = join(cache.directory, kept(cache)[0]);
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace('"x","1"', '"x","kept"'),
    );
    const again = await loadConfigCached(request(), fakeSource(files), cache);
    assert.equal(value(again, "a", "x"), "kept");
    // An edit of the same size to an extended file: loaded anew.
    files["/b/base.cfg"] = "[a]\ny = 3\n";
    const edited = await loadConfigCached(request(), fakeSource(files), cache);
    assert.equal(value(edited, "a", "x"), "1");
    assert.equal(value(edited, "a", "y"), "3");
  });
});

Deno.test("a file appearing where a load found none is read", async () => {
  await withCache(async (cache) => {
    const files: Record<string, string> = {
      "/b/buildout.cfg":
        "[buildout]\noptional-extends = local.cfg\n[a]\ny = 1\n",
    };
    const notices: string[] = [];
    const source = () => ({
      ...fakeSource(files),
      notice: (message: string) => notices.push(message),
    });
    await loadConfigCached(request(), source(), cache);
    // Told again when the kept load is used.
    await loadConfigCached(request(), source(), cache);
    assert.deepEqual(notices, [
      "optional-extends file not found: local.cfg",
      "optional-extends file not found: local.cfg",
    ]);
    files["/b/local.cfg"] = "[a]\nx = 2\n";
    const data = await loadConfigCached(request(), source(), cache);
    assert.equal(value(data, "a", "x"), "2");
    assert.equal(notices.length, 2);
  });
});

Deno.test("a condition deciding otherwise makes a new load", async () => {
  await withCache(async (cache) => {
    const files = {
      "/b/buildout.cfg": "[a:linux]\nx = 1\n[a:not linux]\nx = 2\n",
    };
    const on = { linux: true, "not linux": false };
    const off = { linux: false, "not linux": true };
    await loadConfigCached(request(), fakeSource(files, on), cache);
    const data = await loadConfigCached(
      request(),
      fakeSource(files, off),
      cache,
    );
    assert.equal(value(data, "a", "x"), "2");
  });
});

Deno.test("another command line, user defaults or program is another load", async () => {
  await withCache(async (cache) => {
    const files = {
      "/b/buildout.cfg": "[a]\nx = 1\n",
      "/home/default.cfg": "[a]\nx = 3\n",
    };
    await loadConfigCached(request(), fakeSource(files), cache);
    const assigned = await loadConfigCached(
      request({ assignments: [{ section: "a", option: "x", value: "2" }] }),
      fakeSource(files),
      cache,
    );
    assert.equal(value(assigned, "a", "x"), "2");
    const defaults = await loadConfigCached(
      request({ userDefaults: "/home/default.cfg" }),
      fakeSource(files),
      cache,
    );
    // The project's file wins over the user defaults.
    assert.equal(value(defaults, "a", "x"), "1");
    assert.deepEqual(
      defaults.get("a")!.get("x")!.notes.map((n) => n.source),
      ["/b/buildout.cfg"],
    );
    // Another program's kept load is not used.
    for (const name of kept(cache)) {
      const file = join(cache.directory, name);
      writeFileSync(file, readFileSync(file, "utf8").replaceAll('"1"', '"9"'));
    }
    const kept1 = await loadConfigCached(request(), fakeSource(files), cache);
    assert.equal(value(kept1, "a", "x"), "9");
    const other = await loadConfigCached(request(), fakeSource(files), {
      ...cache,
      program: "other",
    });
    assert.equal(value(other, "a", "x"), "1");
  });
});

Deno.test("a load that read a URL is not kept", async () => {
  await withCache(async (cache) => {
    const files = {
      "/b/buildout.cfg": "[buildout]\nextends = http://x/base.cfg\n",
      "http://x/base.cfg": "[a]\nx = 1\n",
    };
    const source = fakeSource(files);
    await loadConfigCached(request(), source, cache);
    await loadConfigCached(request(), source, cache);
    assert.deepEqual(source.urls, ["http://x/base.cfg", "http://x/base.cfg"]);
    assert.deepEqual(kept(cache), []);
  });
});

/** A kept file's text without its stamp, new at each keeping. */
function unstamped(text: string): string {
  return text.replace(/"stamp":"[^"]*"/, "");
}

Deno.test("a cut-short kept file is loaded anew and replaced; a cache that cannot be written only loads", async () => {
  await withCache(async (cache) => {
    const files = { "/b/buildout.cfg": "[a]\nx = 1\n" };
    await loadConfigCached(request(), fakeSource(files), cache);
    const file = join(cache.directory, kept(cache)[0]);
    const whole = readFileSync(file, "utf8");
    writeFileSync(file, whole.slice(0, whole.length / 2));
    const data = await loadConfigCached(request(), fakeSource(files), cache);
    assert.equal(value(data, "a", "x"), "1");
    // Kept anew: the same but for its stamp.
    assert.equal(unstamped(readFileSync(file, "utf8")), unstamped(whole));
    // Owner only: the texts kept may hold passwords.
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(cache.directory).mode & 0o777, 0o700);
    // Still JSON, with the right key, but the sections damaged.
    writeFileSync(
      file,
      whole.replace(/"data":.*\}$/, '"data":[[],"a",["x","1",0,[5,null]]]}'),
    );
    const damaged = await loadConfigCached(request(), fakeSource(files), cache);
    assert.equal(value(damaged, "a", "x"), "1");
    const replaced = readFileSync(file, "utf8");
    assert.equal(unstamped(replaced), unstamped(whole));
    // A cache that cannot be made (a file where its directory would be).
    const blocked = { ...cache, directory: join(file, "config") };
    const other = { "/b/buildout.cfg": "[a]\nx = 2\n" };
    const read = await loadConfigCached(request(), fakeSource(other), blocked);
    assert.equal(value(read, "a", "x"), "2");
    assert.equal(readFileSync(file, "utf8"), replaced);
  });
});

Deno.test("the cache's directory comes from BUILDOUT_CONFIG_CACHE, XDG_CACHE_HOME or HOME", () => {
  enableConfigCache();
  assert.equal(
    configCache({ HOME: "/h" })?.directory,
    "/h/.cache/buildout/config",
  );
  assert.equal(
    configCache({ HOME: "/h", XDG_CACHE_HOME: "/x" })?.directory,
    "/x/buildout/config",
  );
  assert.equal(
    configCache({ HOME: "/h", BUILDOUT_CONFIG_CACHE: "/c" })?.directory,
    "/c",
  );
  assert.equal(
    configCache({ HOME: "/h", BUILDOUT_CONFIG_CACHE: "off" }),
    undefined,
  );
  assert.equal(
    configCache({ HOME: "/h", BUILDOUT_CONFIG_CACHE: "" }),
    undefined,
  );
  assert.equal(configCache({}), undefined);
});
