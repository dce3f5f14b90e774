/** The one-line messages for file-system refusals that `report` prints, and long values cut. */
import assert from "node:assert/strict";
import { openSync } from "node:fs";
import {
  clipped,
  fsReason,
  refusedByFileSystem,
  spawnReason,
} from "../lib/errors.ts";

function fsError(code: string, path?: string): Error {
  return Object.assign(new Error(`${code}: failed`), { code, path });
}

Deno.test("a full, read-only or over-quota file system refuses a write", () => {
  assert.equal(
    refusedByFileSystem(fsError("ENOSPC", "/b/.installed.cfg")),
    "Couldn't write /b/.installed.cfg: no space left on device",
  );
  assert.equal(
    refusedByFileSystem(fsError("EROFS", "/b/parts")),
    "Couldn't write /b/parts: read-only file system",
  );
  assert.equal(
    refusedByFileSystem(fsError("EDQUOT", "/b/x")),
    "Couldn't write /b/x: disk quota exceeded",
  );
});

Deno.test("permission denied does not claim a write: it may be a read", () => {
  assert.equal(
    refusedByFileSystem(fsError("EACCES", "/etc/shadow")),
    "Permission denied: /etc/shadow",
  );
});

Deno.test("other errors, and errors naming no path, are not refusals", () => {
  assert.equal(refusedByFileSystem(fsError("ENOSPC")), undefined);
  assert.equal(refusedByFileSystem(new Error("boom")), undefined);
  let missing: unknown;
  try {
    openSync("/nonexistent/file", "r");
  } catch (err) {
    missing = err;
  }
  assert.equal(refusedByFileSystem(missing), undefined);
});

Deno.test("running out of file descriptors is a refusal naming the path", () => {
  for (const code of ["EMFILE", "ENFILE"]) {
    assert.equal(
      refusedByFileSystem(fsError(code, "/b/parts/a")),
      "Too many open files (see ulimit -n): /b/parts/a",
    );
  }
});

Deno.test("a failing disk's input/output error is named with its path", () => {
  assert.equal(
    refusedByFileSystem(fsError("EIO", "/b/parts/a")),
    "Input/output error: /b/parts/a",
  );
});

Deno.test("a reason is the error's description without its code, call and paths", () => {
  assert.equal(fsReason(fsError("EIO")), "input/output error");
  assert.equal(fsReason(fsError("EXDEV")), "invalid cross-device link");
  const stale = Object.assign(
    new Error("ESTALE: stale file handle, open '/nfs/b/x'"),
    { code: "ESTALE" },
  );
  assert.equal(fsReason(stale), "stale file handle");
  assert.equal(fsReason(new Error("boom, twice")), "boom, twice");
});

Deno.test("clipped quotes a long value's first 140 and last 60 characters and its length", () => {
  assert.equal(clipped("a\nb"), "a\\nb");
  assert.equal(clipped("x".repeat(200)), "x".repeat(200));
  assert.equal(
    clipped("x".repeat(1000)),
    `${"x".repeat(140)}...${"x".repeat(60)} (1000 characters)`,
  );
  // A deep path keeps its file name.
  const deep = `/${"d".repeat(300)}/buildout.cfg`;
  assert.match(
    clipped(deep),
    /^\/d{139}\.\.\.d{47}\/buildout\.cfg \(314 characters\)$/,
  );
  // Not half of a character outside the Basic Multilingual Plane.
  assert.equal(
    clipped("x".repeat(139) + "😀".repeat(10) + "y".repeat(59)),
    `${"x".repeat(139)}...${"y".repeat(59)} (218 characters)`,
  );
  assert.equal(
    clipped("😀" + "y".repeat(300)),
    `😀${"y".repeat(138)}...${"y".repeat(60)} (302 characters)`,
  );
  assert.equal(
    clipped("y".repeat(300), JSON.stringify),
    `"${"y".repeat(140)}"..."${"y".repeat(60)}" (300 characters)`,
  );
});

Deno.test("clipped shows whole a value that hiding its password brings under 200 characters", () => {
  const path = `/releases/${"x".repeat(100)}/hello-2.0.tar.gz`;
  const url = `http://deploy:${"s".repeat(60)}@host${path}`;
  assert.ok(url.length > 200);
  // Cut in the middle, its halves overlapped: 139 x where the URL has 100.
  assert.equal(clipped(url), `http://deploy:****@host${path}`);
});

Deno.test("a child process refused by the process limit says so", () => {
  assert.equal(
    spawnReason(fsError("EAGAIN")),
    "too many processes (see ulimit -u, or the container's pids limit)",
  );
  assert.equal(spawnReason(fsError("ENOENT")), "no such file or directory");
});

Deno.test("running out of file descriptors names the limit to raise", () => {
  assert.equal(
    fsReason(fsError("EMFILE")),
    "too many open files (see ulimit -n)",
  );
});
