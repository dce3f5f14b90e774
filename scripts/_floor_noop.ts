/**
 * The floor of bench-install.ts's no-op rerun: the work any program must
 * do for it, done plainly, compiled as `dist/buildout` is. It reads `buildout.cfg`
 * and the files its `extends` names, applies `<=` macros, substitutes
 * `${section:option}` and `${:option}`, reads `.installed.cfg`, compares
 * every part's options with its record, checks its installed paths, and
 * prints what the debug recipe prints after each `Updating x.` line.
 * Nothing else: no origins, error messages, locking, signatures or
 * durability, and only the syntax the benchmark's buildout uses. Exits 1
 * when a part differs from its record (then it is not a no-op).
 *
 * `--version` prints a line and exits: the floor's own bare start-up.
 */
import { existsSync, readFileSync, writeSync } from "node:fs";

type Sections = Map<string, Map<string, string>>;

/** Sections of `text`: `name = value` lines and indented continuations. */
function parse(text: string, into: Sections): void {
  let section: Map<string, string> | undefined;
  let key = "";
  for (const line of text.split("\n")) {
    if (!line || line[0] === "#") continue;
    if (line[0] === "[") {
      const name = line.slice(1, line.indexOf("]"));
      section = into.get(name) ?? new Map();
      into.set(name, section);
    } else if (line[0] === " " || line[0] === "\t") {
      const value = section!.get(key);
      section!.set(key, value ? `${value}\n${line.trim()}` : line.trim());
    } else {
      const equals = line.indexOf("=");
      key = line.slice(0, equals).trim();
      section!.set(key, line.slice(equals + 1).trim());
    }
  }
}

function repr(value: string): string {
  if (!/[\\'\n]/.test(value)) return `'${value}'`;
  return `'${
    value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")
  }'`;
}

function noop(directory: string): number {
  const main: Sections = new Map();
  parse(readFileSync(`${directory}/buildout.cfg`, "utf8"), main);
  const sections: Sections = new Map();
  for (const file of main.get("buildout")!.get("extends")!.split(/\s+/)) {
    if (file) parse(readFileSync(`${directory}/${file}`, "utf8"), sections);
  }
  for (const [name, options] of main) {
    const merged = sections.get(name) ?? new Map();
    for (const [key, value] of options) merged.set(key, value);
    sections.set(name, merged);
  }
  sections.get("buildout")!.set("directory", directory);
  for (const [name, options] of sections) {
    const base = options.get("<");
    if (base === undefined) continue;
    const merged = new Map(sections.get(base));
    for (const [key, value] of options) if (key !== "<") merged.set(key, value);
    sections.set(name, merged);
  }

  const done: Sections = new Map();
  const get = (section: string, option: string): string => {
    let values = done.get(section);
    if (values === undefined) done.set(section, values = new Map());
    let value = values.get(option);
    if (value === undefined) {
      value = sections.get(section)!.get(option)!;
      if (value.includes("${")) {
        value = value.replace(
          /\$\{([^:}]*):([^}]*)\}/g,
          (_, s: string, o: string) => get(s || section, o),
        );
      }
      values.set(option, value);
    }
    return value;
  };

  const records: Sections = new Map();
  parse(readFileSync(`${directory}/.installed.cfg`, "utf8"), records);
  let out = "";
  for (const part of get("buildout", "parts").split(/\s+/)) {
    if (!part) continue;
    const record = records.get(part)!;
    const keys = [...sections.get(part)!.keys()].sort();
    if (record.size !== keys.length + 2) return 1;
    for (const key of keys) if (record.get(key) !== get(part, key)) return 1;
    for (const path of record.get("__buildout_installed__")!.split("\n")) {
      if (path && !existsSync(path)) return 1;
    }
    out += `Updating ${part}.\n`;
    for (const key of keys) out += `  ${key}=${repr(get(part, key))}\n`;
  }
  writeSync(1, out);
  return 0;
}

if (process.argv.includes("--version")) writeSync(1, "floor 1\n");
else process.exitCode = noop(process.cwd());
