/** What `annotate` prints: zc.buildout's layout, or JSON for tools. */
import type { ConfigData, Note } from "./annotated.ts";
import { sortNames } from "./_sort_names.ts";
import { redactPasswords } from "../redact_passwords.ts";

// Keys are taken with toArray(): about twice as fast as Array.from or
// spreading in code that runs too briefly to be compiled.

/** About how many characters each piece of {@link annotatedText} holds. */
const PIECE = 16384;

/**
 * The "Annotated sections" text, in pieces to write one after the other:
 * sections and keys sorted, each value followed by its origins, `+=`/`-=`
 * steps marked as zc.buildout does. `only` limits the output to the named
 * sections. Not one string: that copy of a large configuration's text was
 * what made `annotate` of 10,000 options collect garbage before exiting.
 */
export function* annotatedText(
  data: ConfigData,
  only: string[] = [],
): Generator<string> {
  // Every option of a file shares one notes array: format each array once.
  const noteLines = new Map<readonly Note[], string>();
  // Pieces joined once per output piece: concatenating them one by one
  // allocates far more. The array is emptied and filled again.
  const out = ["\nAnnotated sections\n==================\n"];
  let size = 0;
  // Neighbouring options mostly come from the same file: no lookup then.
  let lastNotes: readonly Note[] | undefined, lastLines = "";
  const wanted = wantedSections(only);
  for (const name of sortNames(data.keys().toArray())) {
    if (wanted && !wanted.has(name)) continue;
    const section = data.get(name)!;
    out.push(`\n[${name}]\n`);
    for (const key of sortNames(section.keys().toArray())) {
      const option = section.get(key)!;
      if (option.notes !== lastNotes) {
        lastNotes = option.notes;
        lastLines = noteLines.get(lastNotes) ?? formatNotes(lastNotes);
        noteLines.set(lastNotes, lastLines);
      }
      out.push(key, "= ", option.value, "\n", lastLines);
      size += key.length + option.value.length + lastLines.length;
      if (size >= PIECE) {
        yield out.join("");
        out.length = size = 0;
      }
    }
  }
  out.push("\n");
  yield out.join("");
}

/**
 * The sections `only` names, as a set: looking each section up in the list
 * made annotating thousands of named sections quadratic. Undefined for all.
 */
function wantedSections(only: string[]): Set<string> | undefined {
  return only.length ? new Set(only) : undefined;
}

/**
 * The origins of a value, a file read from a URL with its password as
 * `****` (an extends URL's token would be on every option from it); the
 * values themselves are shown as written.
 */
function formatNotes(notes: readonly Note[]): string {
  let lines = "";
  for (const note of notes) {
    lines += `${note.op === "=" ? "   " : note.op + " "} ${
      redactPasswords(note.source)
    }\n`;
  }
  return lines;
}

/** The same data as JSON: `{sections: {name: {option: {value, origins}}}}`. */
export function annotatedJson(data: ConfigData, only: string[] = []): string {
  const sections: [string, string][] = [];
  const wanted = wantedSections(only);
  for (const name of sortNames(data.keys().toArray())) {
    if (wanted && !wanted.has(name)) continue;
    const section = data.get(name)!;
    const options: [string, string][] = [];
    for (const key of sortNames(section.keys().toArray())) {
      const { value, notes } = section.get(key)!;
      const origins = notes.map((n) => ({
        operation: n.op,
        source: redactPasswords(n.source),
      }));
      options.push([key, JSON.stringify({ value, origins }, null, 2)]);
    }
    sections.push([name, jsonObject(options)]);
  }
  return jsonObject([["sections", jsonObject(sections)]]) + "\n";
}

/**
 * A JSON object of members already written as JSON, in their order and
 * indented as `JSON.stringify(x, null, 2)` does. An object would put
 * integer-like names ("2" before "10") first whatever their order.
 */
function jsonObject(members: [string, string][]): string {
  if (!members.length) return "{}";
  const lines = members.map(([name, json]) =>
    `  ${JSON.stringify(name)}: ${json.replaceAll("\n", "\n  ")}`
  );
  return `{\n${lines.join(",\n")}\n}`;
}
