/**
 * Peak resident memory of one run of a command, for the benchmark scripts:
 * `/usr/bin/time -f %M` where it exists, else `VmHWM` polled from /proc.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";

/** Where and how the command runs; `scratch` holds time's output file. */
export interface PeakOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  scratch: string;
}

/** Runs `exe args` once; its peak resident memory in MB. */
export async function peakMB(
  exe: string,
  args: string[],
  { cwd, env, scratch }: PeakOptions,
): Promise<number> {
  if (fs.existsSync("/usr/bin/time")) {
    const out = join(scratch, "rss");
    const opts = { cwd, env, stdio: "ignore" as const };
    spawnSync("/usr/bin/time", ["-f", "%M", "-o", out, exe, ...args], opts);
    const lines = fs.readFileSync(out, "utf8").trim().split("\n");
    return parseInt(lines[lines.length - 1]) / 1024;
  }
  const child = spawn(exe, args, { cwd, env, stdio: "ignore" });
  let kb = 0;
  const timer = setInterval(() => {
    try {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, "utf8");
      kb = Math.max(kb, parseInt(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? "0"));
    } catch { /* already exited */ }
  }, 2);
  await new Promise((done) => child.on("exit", done));
  clearInterval(timer);
  return kb / 1024;
}
