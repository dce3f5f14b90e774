/** What `annotate` prints: zc.buildout's layout, or JSON for tools. */
import type { ConfigData } from "./annotated.ts";

const byCodePoint = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;

/**
 * The "Annotated sections" text: sections and keys sorted, each value
 * followed by its origins, `+=`/`-=` steps marked as zc.buildout does.
 * `only` limits the output to the named sections.
 */
export function formatAnnotated(data: ConfigData, only: string[] = []): string {
  const out = ["", "Annotated sections", "=================="];
  for (const name of [...data.keys()].sort(byCodePoint)) {
    if (only.length && !only.includes(name)) continue;
    const section = data.get(name)!;
    out.push("", `[${name}]`);
    for (const key of [...section.keys()].sort(byCodePoint)) {
      const { value, notes } = section.get(key)!;
      out.push(`${key}= ${value}`);
      for (const note of notes) {
        const prefix = note.op === "=" ? "   " : note.op + " ";
        out.push(`${prefix} ${note.source}`);
      }
    }
  }
  out.push("");
  return out.join("\n") + "\n";
}

/** The same data as JSON: `{sections: {name: {option: {value, origins}}}}`. */
export function annotatedJson(data: ConfigData, only: string[] = []): string {
  const sections: Record<string, Record<string, unknown>> = {};
  for (const name of [...data.keys()].sort(byCodePoint)) {
    if (only.length && !only.includes(name)) continue;
    const options: Record<string, unknown> = {};
    const section = data.get(name)!;
    for (const key of [...section.keys()].sort(byCodePoint)) {
      const { value, notes } = section.get(key)!;
      options[key] = {
        value,
        origins: notes.map((n) => ({ operation: n.op, source: n.source })),
      };
    }
    sections[name] = options;
  }
  return JSON.stringify({ sections }, null, 2) + "\n";
}
