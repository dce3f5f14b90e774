/**
 * Requirement strings: `name`, `name==1.0`, `name>=1,<2`, `name~=1.4`,
 * `name!=1.3`, `name (>=1)` (spaces allowed around operators), as
 * setuptools parses them for zc.buildout, with PEP 440 versions; extras
 * (`name[test]`) are refused, as these distributions have none.
 */
import { validRange } from "@renovatebot/pep440";
import { clipped, UserError } from "../errors.ts";
import { isValidVersion, satisfiesSpecifier } from "./version.ts";

/** One clause: operator and version (`[">=", "1.0"]`). */
export type Clause = [operator: string, version: string];

/** A parsed requirement. */
export interface Requirement {
  /** The project name as written. */
  name: string;
  /** The name compared between requirements and archives (see {@link projectKey}). */
  key: string;
  clauses: Clause[];
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const CLAUSE = /^\s*(===|~=|==|!=|<=|>=|<|>)\s*([^\s<>=!~]\S*)\s*$/;
/** A prefix match's version: an epoch and release only (`1!2.0.*`). */
const PREFIX = /^v?(?:\d+!)?\d+(?:\.\d+)*\.\*$/i;

/**
 * The key a project is known by: lower case, each run of `-`, `_` and `.`
 * one `-` (PEP 503), so `Zope.Interface` and `zope-interface` are one; an
 * npm scope's `@scope/spam` is `scope-spam` (see {@link unscopedName}).
 */
export function projectKey(name: string): string {
  return (name.charCodeAt(0) === 64 ? unscopedName(name) : name).toLowerCase()
    .replace(/[-_.]+/g, "-");
}

/**
 * The project name of an npm package name: a scoped `@scope/spam` is
 * `scope-spam`, as `npm pack` names its archive.
 */
export function unscopedName(name: string): string {
  return name.replace(/^@([^/]+)\//, "$1-");
}

/** True when `name` can name a project (letters, digits, `.`, `_`, `-`). */
export function isProjectName(name: string): boolean {
  return NAME.test(name);
}

/**
 * Parses a requirement string.
 *
 * ```ts
 * parseRequirement("demo >0.2").clauses // [[">", "0.2"]]
 * ```
 * @throws {UserError} `Invalid requirement 'TEXT': REASON`.
 */
export function parseRequirement(text: string): Requirement {
  let requirement = parsed.get(text);
  if (!requirement) {
    requirement = parseNew(text);
    parsed.set(text, requirement);
  }
  return requirement;
}

// Distributions repeat the same requirement strings; parsing validates
// each version with PEP 440's long regular expressions.
const parsed = new Map<string, Requirement>();

function parseNew(text: string): Requirement {
  const fail = (reason: string) =>
    new UserError(`Invalid requirement '${clipped(text.trim())}': ${reason}`);
  // `[\s\S]`, not `.`: a value over several lines is refused, not unmatched.
  const match = /^\s*([^\s<>=!~,(\[]*)\s*([\s\S]*?)\s*$/.exec(text)!;
  const [, name, written] = match;
  if (!name) throw fail("it names no project");
  // `@scope/spam` is the project `npm pack` archives as `scope-spam`.
  if (!isProjectName(unscopedName(name))) {
    throw fail(
      `'${
        clipped(name)
      }' is not a project name (letters, digits, '.', '_', '-', or an npm scope's '@scope/name')`,
    );
  }
  if (written.startsWith("[")) {
    throw fail(
      `extras such as '${
        clipped(/^\[[^\]]*\]?/.exec(written)![0])
      }' select a Python project's optional requirements; these distributions have none, so remove them`,
    );
  }
  // PEP 508 lets the clauses stand in parentheses, as pip reads `spam (>=1)`.
  const rest = /^\(([\s\S]*)\)$/.exec(written)?.[1].trim() ?? written;
  const clauses: Clause[] = [];
  if (rest) {
    for (const part of rest.split(",")) {
      const clause = CLAUSE.exec(part);
      if (!clause) {
        throw fail(
          `expected a version clause such as '==1.0', '>=1,<2' or '~=1.4', got '${
            clipped(part.trim())
          }'`,
        );
      }
      const [, operator, version] = clause;
      // As `packaging` does: `==1.0a1.*` would otherwise match `1.0`.
      if (
        (operator === "==" || operator === "!=") && version.endsWith(".*") &&
        !PREFIX.test(version)
      ) {
        throw fail(
          `'${
            clipped(version)
          }' is not a valid version for '${operator}': only a release such as '1.0.*' takes '.*'`,
        );
      }
      if (
        !isValidClause(`${operator}${version}`) ||
        (operator !== "===" && !isValidVersion(version.replace(/\.\*$/, "")))
      ) {
        throw fail(
          `'${clipped(version)}' is not a valid version for '${operator}'`,
        );
      }
      clauses.push([operator, version]);
    }
  }
  return { name, key: projectKey(name), clauses };
}

const validClauses = new Map<string, boolean>();

/** True when `clause` (`>=1.0`) is a valid PEP 440 specifier. */
function isValidClause(clause: string): boolean {
  let ok = validClauses.get(clause);
  if (ok === undefined) {
    ok = validRange(clause);
    validClauses.set(clause, ok);
  }
  return ok;
}

/** The requirement as setuptools prints it: `demo>=1,<2`. */
export function formatRequirement(requirement: Requirement): string {
  if (!requirement.clauses.length) return requirement.name;
  return requirement.name +
    requirement.clauses.map(([op, version]) => op + version).join(",");
}

/** True when `version` satisfies every clause of `requirement`. */
export function satisfiesRequirement(
  requirement: Requirement,
  version: string,
): boolean {
  if (!requirement.clauses.length) return true;
  return satisfiesSpecifier(
    version,
    requirement.clauses.map(([op, v]) => op + v).join(","),
  );
}

/** The version a requirement pins with its single `==` clause, if any. */
export function pinnedVersion(requirement: Requirement): string | undefined {
  const { clauses } = requirement;
  if (clauses.length !== 1) return undefined;
  const [operator, version] = clauses[0];
  const exact = (operator === "==" || operator === "===") &&
    !version.endsWith(".*");
  return exact ? version : undefined;
}
