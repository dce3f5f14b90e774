/**
 * `TopStripper` (lib/fetch/archive/top.ts): members reach the sink without
 * their top-level directory, and anything else stops it.
 */
import assert from "node:assert/strict";
import { NoSingleTop, TopStripper } from "../../lib/fetch/archive/top.ts";
import type { Entry, MemberSink } from "../../lib/fetch/archive/tree.ts";

/** A sink recording `name` (and `-> linkname`) of what it gets. */
function recorder(): MemberSink & { got: string[] } {
  const got: string[] = [];
  return {
    got,
    add(entry: Entry) {
      got.push(
        entry.linkname ? `${entry.name} -> ${entry.linkname}` : entry.name,
      );
      return undefined;
    },
  };
}

Deno.test("members lose the top-level directory; hard link targets too, symlink targets not", () => {
  const sink = recorder();
  const strip = new TopStripper(sink);
  strip.add({ name: "./", type: "directory" });
  strip.add({ name: "./package/", type: "directory" });
  strip.add({ name: "package/lib/", type: "directory" });
  strip.add({ name: "package/lib/a.js", type: "file" });
  strip.add({ name: "package/b", type: "symlink", linkname: "lib/a.js" });
  strip.add({
    name: "package/c",
    type: "hardlink",
    linkname: "package/lib/a.js",
  });
  strip.add({ name: "package", type: "directory" });
  assert.deepEqual(sink.got, [
    "./",
    "lib/",
    "lib/a.js",
    "b -> lib/a.js",
    "c -> lib/a.js",
  ]);
});

Deno.test("a second top-level entry, a top-level file or an unusual name stops it", () => {
  const cases: Entry[][] = [
    [{ name: "a/x", type: "file" }, { name: "b/y", type: "file" }],
    [{ name: "a/x", type: "file" }, { name: "b", type: "file" }],
    [{ name: "README", type: "file" }],
    [{ name: "link", type: "symlink", linkname: "a" }],
    [{ name: "/a/x", type: "file" }],
    [{ name: "a/../x", type: "file" }],
    [{ name: "a//x", type: "file" }],
    [{ name: "a/x", type: "file" }, {
      name: "a/h",
      type: "hardlink",
      linkname: "b/x",
    }],
  ];
  for (const [i, entries] of cases.entries()) {
    const strip = new TopStripper(recorder());
    assert.throws(
      () => {
        for (const entry of entries) strip.add(entry);
      },
      NoSingleTop,
      `case ${i}`,
    );
  }
});
