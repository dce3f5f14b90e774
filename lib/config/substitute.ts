/** `${section:option}` substitution, as zc.buildout's `Options._sub`. */
import { clipped, UserError } from "../errors.ts";

const TEMPLATE_SPLIT = /(\$\{[^}]*\})/;
const SIMPLE_NAME = /^[-a-zA-Z0-9 ._]+$/;
const VALID_REFERENCE = /^\$\{[-a-zA-Z0-9 ._]*:[-a-zA-Z0-9 ._]+\}$/;

/** Looks up one referenced option; undefined when it does not exist. */
export type Lookup = (section: string, option: string) => string | undefined;

/**
 * Replaces every `${section:option}` in `value`; an empty section means
 * `current`. `$$` is kept exactly as written: recipes decide what it means.
 *
 * @example substitute("${a:x}/y", "b", () => "1") // "1/y"
 * @throws {UserError} for malformed or unterminated references and missing
 *   options (`Referenced option does not exist: a:x`).
 */
export function substitute(
  value: string,
  current: string,
  lookup: Lookup,
): string {
  if (!value.includes("${")) return value;
  if (!value.includes("$$")) return substitutePiece(value, current, lookup);
  return value.split("$$").map((piece) =>
    substitutePiece(piece, current, lookup)
  )
    .join("$$");
}

function substitutePiece(piece: string, current: string, lookup: Lookup) {
  const parts = piece.split(TEMPLATE_SPLIT);
  const tail = parts[parts.length - 1];
  if (tail.includes("${")) {
    const ref = clipped(tail.slice(tail.indexOf("${")));
    throw new UserError(`The substitution, ${ref}, is not terminated by '}'.`);
  }
  let result = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const ref = parts[i];
    const names = ref.slice(2, -1).split(":");
    if (!VALID_REFERENCE.test(ref)) checkReference(ref, names);
    const section = names[0] || current;
    const option = names[1];
    let v = lookup(section, option);
    if (v === undefined) {
      if (option !== "_buildout_section_name_") {
        throw new UserError(
          `Referenced option does not exist: ${clipped(section)}:${
            clipped(option)
          }`,
        );
      }
      v = section;
    }
    result += v + parts[i + 1];
  }
  return result;
}

function checkReference(reference: string, names: string[]): never {
  const ref = clipped(reference);
  if (names.length < 2) {
    throw new UserError(`The substitution, ${ref}, doesn't contain a colon.`);
  }
  if (names.length > 2) {
    throw new UserError(`The substitution, ${ref}, has too many colons.`);
  }
  if (names[0] && !SIMPLE_NAME.test(names[0])) {
    throw new UserError(
      `The section name in substitution, ${ref}, has invalid characters.`,
    );
  }
  throw new UserError(
    `The option name in substitution, ${ref}, has invalid characters.`,
  );
}
