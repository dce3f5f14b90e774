/**
 * PEP 440 versions, through `@renovatebot/pep440`: ordering
 * (`0.4c1 < 0.4`, `1.0.0-beta.1 < 1.0.0`, `1.10 > 1.9`), finality and
 * specifier matching. Pre-releases always match a specifier here: whether
 * to prefer final releases is the picker's decision, as in zc.buildout.
 * Clauses are matched here, as `packaging` does: the library's `<V` and
 * `>V` refuse every version of V's release (`1.0` is not `>1.0a1` there)
 * and its `==1.0.*` does not pad `1` with zeros.
 */
import {
  compare,
  explain,
  type Pep440Version,
  valid,
} from "@renovatebot/pep440";

// The same few versions and specifiers are checked again and again while
// resolving; parsing them is most of the cost.
const validity = new Map<string, boolean>();
const finals = new Map<string, boolean>();
const matches = new Map<string, boolean>();
const orders = new Map<string, number>();

/**
 * True when `version` is a PEP 440 version (`1.0`, `1.0.0-beta.1`, `0.4c1`)
 * whose numbers JavaScript holds exactly: the library reads them as
 * doubles, so past 2^53 distinct versions compare equal, and from 10^21
 * on its own output no longer parses.
 */
export function isValidVersion(version: string): boolean {
  let ok = validity.get(version);
  if (ok === undefined) {
    ok = valid(version) !== null &&
      (version.match(/\d+/g) ?? []).every((n) => Number.isSafeInteger(+n));
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
  // Picking the best of a project's archives compares the same versions
  // over and over (2,000 comparisons of 10 versions took 6 ms).
  const key = `${a} ${b}`;
  let order = orders.get(key);
  if (order === undefined) {
    order = compare(a, b);
    orders.set(key, order);
  }
  return order;
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
    match = specifier.split(",").every((clause) =>
      satisfiesClause(version, clause)
    );
    matches.set(key, match);
  }
  return match;
}

const CLAUSE = /^\s*(===|~=|==|!=|<=|>=|<|>)\s*(\S+?)\s*$/;

/** One valid clause (`>=1.0`, `!=1.5.*`) of a specifier. */
function satisfiesClause(version: string, clause: string): boolean {
  const [, operator, spec] = CLAUSE.exec(clause)!;
  if (operator === "===") return version.toLowerCase() === spec.toLowerCase();
  const have = explain(version)!;
  if (spec.endsWith(".*")) {
    const prefix = explain(spec.slice(0, -2))!;
    const matching = hasPrefix(have, prefix.epoch, prefix.release);
    return operator === "==" ? matching : !matching;
  }
  const wanted = explain(spec)!;
  // A specifier without a local label ignores the version's.
  const order = compare(wanted.local ? version : have.public, spec);
  switch (operator) {
    case "==":
      return order === 0;
    case "!=":
      return order !== 0;
    case "<=":
      return order <= 0;
    case ">=":
      return order >= 0;
    case "~=":
      return order >= 0 &&
        hasPrefix(have, wanted.epoch, wanted.release.slice(0, -1));
    case "<":
      // Not a pre-release of V itself, unless V is one (PEP 440).
      return compare(version, spec) < 0 &&
        (wanted.is_prerelease || !have.is_prerelease ||
          compare(version, `${wanted.public}.dev0`) < 0);
    default:
      // `>`: not a post-release or local version of V itself (PEP 440).
      return compare(version, spec) > 0 &&
        (wanted.is_postrelease || !have.is_postrelease ||
          compare(postBase(have), spec) !== 0) &&
        (!have.local || compare(have.public, spec) !== 0);
  }
}

/**
 * True when `version` has `epoch` and its release, padded with zeros,
 * starts with `release` (`1` matches `==1.0.*`).
 */
function hasPrefix(
  version: Pep440Version,
  epoch: number,
  release: number[],
): boolean {
  return version.epoch === epoch &&
    release.every((n, i) => (version.release[i] ?? 0) === n);
}

/** The version `version` is a post-release of: `1.0a1.post2.dev3` is of `1.0a1`. */
function postBase(version: Pep440Version): string {
  return version.base_version + (version.pre?.join("") ?? "");
}
