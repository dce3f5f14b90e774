/**
 * The sources under `deno run -A main.ts` behave as the executable: what
 * a user sees must not depend on which of the two runs a buildout.
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { exec, ROOT, type Sample, sampleBuildout } from "./harness.ts";

const DENO = join(ROOT, "node_modules", ".bin", "deno");
const MAIN = join(ROOT, "main.ts");

/** `sh -c script` in the sample, `$0` being `deno run -A main.ts`. */
function shell(sample: Sample, script: string) {
  return exec("/bin/sh", ["-c", script, `${DENO} run -A ${MAIN}`], {
    cwd: sample.dir,
    env: { HOME: sample.home },
  });
}

Deno.test("under deno run, annotate into a pipe its reader empties slowly prints everything once", async () => {
  using sample = await sampleBuildout();
  // Several times what a pipe holds (64 KiB).
  sample.write(
    "buildout.cfg",
    "[buildout]\nparts =\n" +
      Array.from({ length: 5000 }, (_, i) => `[s${i}]\nx = ${i}\n`).join(""),
  );
  const result = await shell(
    sample,
    "$0 annotate > file.txt && $0 annotate | (sleep 0.3; cat > piped.txt)",
  );
  assert.equal(result.output, "");
  const file = sample.cat("file.txt");
  assert.ok(file.length > 256 * 1024, `${file.length} bytes`);
  const piped = sample.cat("piped.txt");
  // Not with the first 64 KiB twice, as Deno's writeSync repeated them.
  assert.ok(
    piped === file,
    `${piped.length} chars piped, ${file.length} in a file`,
  );
});
