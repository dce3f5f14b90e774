/**
 * PEP 440 versions, through `@renovatebot/pep440`: ordering
 * (`0.4c1 < 0.4`, `1.0.0-beta.1 < 1.0.0`, `1.10 > 1.9`), finality and
 * specifier matching. Pre-releases always match a specifier here: whether
 * to prefer final releases is the picker's decision, as in zc.buildout.
 */
import { compare, explain, satisfies, valid } from "@renovatebot/pep440";

// The same few versions and specifiers are checked again and again while
// resolving; parsing them is most of the cost.
const validity = new Map<string, boolean>();
const finals = new Map<string, boolean>();
const matches = new Map<string, boolean>();

/** True when `version` is a PEP 440 version (`1.0`, `1.0.0-beta.1`, `0.4c1`). */
export function isValidVersion(version: string): boolean {
  let ok = validity.get(version);
  if (ok === undefined) {
    ok = valid(version) !== null;
    validity.set(version, ok);
  }
  return ok;
}

/**
 * Orders two valid versions: negative, zero (equal, e.g. `1.0` and
 * `1.0.0`) or positive.
 *
 * ```ts
 * compareVersions("1.10", "1.9") > 0 // true
 * ```
 */
export function compareVersions(a: string, b: string): number {
  return compare(a, b);
}

/** True for a final release: not an alpha, beta, candidate or dev release. */
export function isFinal(version: string): boolean {
  let final = finals.get(version);
  if (final === undefined) {
    final = explain(version)?.is_prerelease === false;
    finals.set(version, final);
  }
  return final;
}

/**
 * True when `version` satisfies every clause of `specifier` (`>=1,<2`);
 * an empty specifier accepts any version.
 */
export function satisfiesSpecifier(
  version: string,
  specifier: string,
): boolean {
  if (!specifier) return true;
  const key = `${version} ${specifier}`;
  let match = matches.get(key);
  if (match === undefined) {
    match = satisfies(version, specifier, { prereleases: true });
    matches.set(key, match);
  }
  return match;
}
