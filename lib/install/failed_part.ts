/**
 * What `-D` shows about the part whose recipe failed. zc.buildout opens
 * Python's post-mortem debugger there, where one typically looks at the
 * recipe's frame and its `self.options`; a compiled executable has no
 * debugger to open, so the failing part's options are printed instead,
 * after the stack.
 */
import { pyRepr } from "../pyrepr.ts";

/** The part a recipe call failed in, and its options at that moment. */
export interface FailedPart {
  name: string;
  /** Why these options: the part's live section, or its saved record. */
  source: "section" | "database";
  options: Array<[string, string]>;
}

/** Kept beside the error, which recipe code may have frozen. */
const FAILED = new WeakMap<object, FailedPart>();

/**
 * Records on `err` that it was thrown by the recipe code of part `name`
 * with `options`. The first record wins: it comes from the innermost part
 * (a constructor may initialize other parts, whose recipes may fail).
 */
export function recordFailedPart(
  err: unknown,
  name: string,
  source: FailedPart["source"],
  options: () => Iterable<[string, string]>,
): void {
  if (!err || typeof err !== "object" || FAILED.has(err)) return;
  let entries: Array<[string, string]>;
  try {
    entries = [...options()];
  } catch {
    // A value that cannot be computed says nothing more than the error.
    entries = [];
  }
  FAILED.set(err, { name, source, options: entries });
}

/** The failed part recorded on `err`, if any. */
function failedPartOf(err: unknown): FailedPart | undefined {
  if (!err || typeof err !== "object") return undefined;
  return FAILED.get(err);
}

/**
 * The `-D` report of the failed part recorded on `err`, or "" when the
 * error did not come from a part's recipe:
 *
 * ```
 * Part data-dir failed; its options:
 *   path='/sample-buildout/mystuff'
 *   recipe='recipes:mkdir'
 * ```
 */
export function formatFailedPart(err: unknown): string {
  const part = failedPartOf(err);
  if (!part) return "";
  const heading = part.source === "section"
    ? `Part ${part.name} failed; its options:`
    : `Part ${part.name} failed to uninstall; its options as installed:`;
  const lines = part.options
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([key, value]) => `  ${key}=${pyRepr(value)}`);
  return [heading, ...lines].join("\n") + "\n";
}
