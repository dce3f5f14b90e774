/**
 * How eagerly the runtime compiles JavaScript to machine code, phase by
 * phase of a run: a scale of the JIT's tier-up thresholds, where 1 is the
 * runtime's usual and 8 makes a function wait for eight times as many
 * calls. main.ts connects it to the runtime that offers such a setting
 * (Bun's `Bun.unsafe.setJITPolicy`); elsewhere setting it does nothing.
 * Only speed depends on it, never what a run does.
 */

/** The scales of the phases, measured on the benchmarks (see the README). */
export const JIT_SCALE = {
  /**
   * Start-up and configuration loading, the executable's own setting
   * (`--compile-jit-policy`): mostly code that runs a few hundred times and
   * never again, while the parser's loops still get compiled.
   */
  startUp: 8,
  /**
   * Resolving distributions: a few hundred calls per function, which
   * compiling earlier makes slower.
   */
  distributions: 32,
  /**
   * Comparing, installing and updating parts: once per part, thousands of
   * times in large buildouts, which compiling earlier makes faster.
   */
  parts: 2,
} as const;

let setScale: ((scale: number) => void) | undefined;

/** Makes {@link setJitScale} call `set`, the runtime's setting. */
export function connectJitScale(set: (scale: number) => void): void {
  setScale = set;
}

/** Sets the JIT's scale from now on, when the runtime offers one. */
export function setJitScale(scale: number): void {
  setScale?.(scale);
}
