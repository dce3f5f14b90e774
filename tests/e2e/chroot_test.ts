/**
 * "The executable runs in a minimal root": `dist/buildout` plus only the
 * shared libraries `ldd` lists (and the dynamic loader) in an empty
 * directory, run with `chroot` inside `unshare -m -n` (see `chroot.ts`).
 *
 * Needs root and `unshare`/`chroot`/`ldd`; otherwise the tests are ignored
 * and their names say why.
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { VERSION } from "../../lib/version.ts";
import {
  type ChrootOptions,
  copyOutside,
  emptyRoot,
  runChrooted,
  skipReason,
  suffix,
} from "./chroot.ts";
import { BUILDOUT, type RunResult } from "./harness.ts";

/** A root holding only the executable, its libraries and a few empty dirs. */
function makeRoot(): string {
  const root = emptyRoot(["home/user", "project"]);
  copyOutside(BUILDOUT, join(root, "buildout"));
  writeFileSync(
    join(root, "project", "buildout.cfg"),
    "[buildout]\nparts =\n[app]\nx = ${buildout:directory}/x\n",
  );
  return root;
}

function run(
  root: string,
  args: string[],
  opts?: ChrootOptions,
): Promise<RunResult> {
  return runChrooted(root, "/buildout", args, opts);
}

Deno.test({
  name: "the executable prints its version in a minimal root" + suffix,
  ignore: skipReason !== null,
  async fn() {
    const root = makeRoot();
    try {
      const result = await run(root, ["--version"]);
      assert.equal(result.stderr, "");
      assert.equal(result.stdout, `buildout version ${VERSION}\n`);
      assert.equal(result.code, 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});

Deno.test({
  name: "the executable annotates a buildout in a minimal root" + suffix,
  ignore: skipReason !== null,
  async fn() {
    const root = makeRoot();
    try {
      const result = await run(root, [
        "-c",
        "/project/buildout.cfg",
        "annotate",
      ]);
      assert.equal(result.stderr, "");
      assert.equal(result.code, 0);
      const out = result.stdout.split("\n").map((line) => line.trim());
      assert.ok(out.includes("Annotated sections"), result.stdout);
      const app = out.indexOf("[app]");
      assert.ok(app >= 0, `no [app] section:\n${result.stdout}`);
      assert.deepEqual(out.slice(app, app + 3), [
        "[app]",
        "x= ${buildout:directory}/x",
        "/project/buildout.cfg",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});

Deno.test({
  name: "without HOME or /etc/passwd the executable builds in a minimal root" +
    suffix,
  ignore: skipReason !== null,
  async fn() {
    const root = makeRoot();
    try {
      const env = { HOME: undefined };
      const config = ["-c", "/project/buildout.cfg"];
      const annotate = await run(root, [...config, "annotate"], { env });
      assert.equal(annotate.stderr, "");
      assert.equal(annotate.code, 0);
      const install = await run(root, config, { env });
      assert.equal(install.stderr, "");
      assert.match(install.stdout, /Creating directory '\/project\/bin'\./);
      assert.equal(install.code, 0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});

Deno.test({
  name: "a HOME the user cannot search holds no user defaults" + suffix,
  ignore: skipReason !== null,
  async fn() {
    const root = makeRoot();
    try {
      // Root's home, as HOME keeps it after a change of user.
      const home = join(root, "home", "user");
      mkdirSync(join(home, ".buildout"));
      const defaults = join(home, ".buildout", "default.cfg");
      writeFileSync(defaults, "[buildout]\nparts = nothing-here\n");
      chmodSync(defaults, 0o600);
      chmodSync(home, 0o700);
      chmodSync(root, 0o755); // made by mkdtemp
      chownSync(join(root, "project"), 65534, 65534);
      const nobody = { user: "65534:65534" };
      const config = ["-c", "/project/buildout.cfg"];
      const install = await run(root, config, nobody);
      assert.equal(install.stderr, "");
      assert.equal(install.code, 0);
      // A user defaults file it can see but not read is still an error.
      chmodSync(home, 0o755);
      const unreadable = await run(root, config, nobody);
      assert.equal(
        unreadable.stderr,
        "While:\n  Initializing.\n" +
          "Error: Couldn't read /home/user/.buildout/default.cfg: " +
          "permission denied\n",
      );
      assert.equal(unreadable.code, 1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});

Deno.test({
  name: "a command recipe in a root without /bin/sh is an error in words" +
    suffix,
  ignore: skipReason !== null,
  async fn() {
    const root = makeRoot();
    try {
      writeFileSync(
        join(root, "project", "buildout.cfg"),
        "[buildout]\nparts = hello\n[hello]\nrecipe = command\n" +
          "command = echo hi\n",
      );
      const install = await run(root, ["-c", "/project/buildout.cfg"]);
      // The reason comes from the error code: Bun's own wording was
      // `ENOENT: no such file or directory, posix_spawn '/bin/sh'`.
      assert.equal(
        install.stderr,
        "While:\n  Installing hello.\n" +
          "Error: Couldn't start /bin/sh to run 'echo hi': " +
          "no such file or directory\n",
      );
      assert.equal(install.code, 1);
      // A build command too names the shell, not the directory it runs in.
      mkdirSync(join(root, "project", "src"));
      writeFileSync(join(root, "project", "src", "configure"), "", {
        mode: 0o755,
      });
      writeFileSync(
        join(root, "project", "buildout.cfg"),
        "[buildout]\nparts = hello\n[hello]\nrecipe = cmmi\n" +
          "path = /project/src\n",
      );
      const build = await run(root, ["-c", "/project/buildout.cfg"]);
      assert.match(
        build.stderr,
        /^Error: Couldn't start \/bin\/sh to run '.*configure.*' in \/project\/src: no such file or directory$/m,
      );
      assert.equal(build.code, 1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});

Deno.test({
  name: "a command of 100,000 characters without /bin/sh is quoted cut" +
    suffix,
  ignore: skipReason !== null,
  async fn() {
    const root = makeRoot();
    const huge = "h".repeat(100_000);
    try {
      mkdirSync(join(root, "project", "src"));
      writeFileSync(join(root, "project", "src", "configure"), "", {
        mode: 0o755,
      });
      for (
        const [options, shown] of [
          [`recipe = command\ncommand = echo ${huge}`, "'echo "],
          [
            `recipe = cmmi\npath = /project/src\nconfigure-options = ${huge}`,
            "'./configure --prefix=/project/parts/hello ",
          ],
        ]
      ) {
        writeFileSync(
          join(root, "project", "buildout.cfg"),
          `[buildout]\nparts = hello\n[hello]\n${options}\n`,
        );
        const result = await run(root, ["-c", "/project/buildout.cfg"]);
        const error = result.stderr.trimEnd().split("\n").at(-1)!;
        assert.ok(
          error.startsWith(`Error: Couldn't start /bin/sh to run ${shown}h`),
          error.slice(0, 300),
        );
        assert.match(error, /h'?\.\.\.'?h+'? \(\d+ characters\)/);
        assert.ok(error.length < 400, error.slice(0, 300));
        assert.equal(result.code, 1);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});

if (skipReason) {
  console.error(`chroot_test.ts: chroot tests ignored: ${skipReason}`);
}
