/**
 * Runs in two PID namespaces of one host (a container sharing the host's
 * name, as with `docker run --network host`, and the host itself): process
 * ids of one mean other processes, or none, in the other. So neither takes
 * the other's install lock for that of a killed run, nor sweeps the other's
 * downloads in progress from a shared download cache.
 *
 * Needs root and `unshare`; otherwise the tests are ignored and their
 * names say why.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { Buffer } from "node:buffer";
import { inPidNamespace, pidNamespaceSkipReason } from "./chroot.ts";
import {
  BUILDOUT,
  ensureBinary,
  exec,
  type Sample,
  sampleBuildout,
  slowBody,
  startServer,
} from "./harness.ts";

const suffix = pidNamespaceSkipReason
  ? ` (skipped: ${pidNamespaceSkipReason})`
  : "";

function env(sample: Sample): Record<string, string> {
  return { HOME: sample.home, BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" };
}

async function until(what: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((wait) => setTimeout(wait, 10));
  }
}

Deno.test({
  name: "a container's run holding the install lock is reported, not taken" +
    suffix,
  ignore: pidNamespaceSkipReason !== null,
  async fn() {
    ensureBinary();
    using sample = await sampleBuildout();
    // Waits for `go`, 20 seconds at most, so nothing outlives a failure.
    sample.write(
      "buildout.cfg",
      "[buildout]\nparts = wait\n\n[wait]\nrecipe = command\n" +
        "command = touch started && i=0 && " +
        "while [ ! -e go ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i+1)); done\n",
    );
    const [program, args] = inPidNamespace(BUILDOUT);
    const container = exec(program, args, {
      cwd: sample.dir,
      env: env(sample),
    });
    try {
      await until(() => existsSync(sample.path("started")));
      const host = await sample.run("", { env: env(sample) });
      assert.equal(
        host.stderr,
        "While:\n  Installing.\n" +
          `Error: A buildout run on ${hostname()} (process 1 in another ` +
          "PID namespace) is installing with /sample-buildout/.installed.cfg; " +
          "remove /sample-buildout/.installed.cfg.lock if it has ended\n",
      );
      assert.equal(host.code, 1);
    } finally {
      writeFileSync(sample.path("go"), "");
    }
    const first = await container;
    assert.equal(first.code, 0, first.output);
    assert.match(sample.cat(".installed.cfg"), /^\[wait\]$/m);
  },
});

Deno.test({
  name: "a container's run leaves the host's download in progress in a " +
    "shared cache" + suffix,
  ignore: pidNamespaceSkipReason !== null,
  async fn() {
    ensureBinary();
    using host = await sampleBuildout();
    using container = await sampleBuildout();
    const cache = host.tmpdir("cache");
    const files = host.tmpdir("files");
    writeFileSync(`${files}/small.txt`, "small\n");
    const data = Buffer.alloc(2 << 20, "0123456789abcdef");
    const server = await startServer(files, {
      handlers: { "/big.bin": slowBody(data, 30) },
    });
    try {
      const config = (file: string) =>
        `[buildout]\nparts = get\ndownload-cache = ${cache}\n\n` +
        `[get]\nrecipe = download\nurl = ${server.url}${file}\n` +
        "download-only = true\n";
      host.write("buildout.cfg", config("big.bin"));
      container.write("buildout.cfg", config("small.txt"));
      const hostRun = exec(BUILDOUT, [], { cwd: host.dir, env: env(host) });
      await until(() =>
        readdirSync(cache).some((name) => name.startsWith(".buildout-"))
      );
      const [program, args] = inPidNamespace(BUILDOUT);
      const containerRun = await exec(program, args, {
        cwd: container.dir,
        env: env(container),
      });
      assert.equal(containerRun.code, 0, containerRun.output);
      const hostResult = await hostRun;
      assert.equal(hostResult.code, 0, hostResult.output);
      assert.equal(host.cat("parts", "get", "big.bin").length, data.length);
      // Both files, under their hashed names, and no temporary left.
      const cached = readdirSync(cache);
      assert.equal(cached.length, 2, String(cached));
      assert.ok(!cached.some((name) => name.startsWith(".")), String(cached));
    } finally {
      await server.close();
    }
  },
});

if (pidNamespaceSkipReason) {
  console.error(
    `pid_namespace_test.ts: tests ignored: ${pidNamespaceSkipReason}`,
  );
}
