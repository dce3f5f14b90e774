/**
 * Reusing the sections' initializations (macros applied, values
 * substituted) of the last install of a kept configuration load, as a
 * no-op rerun would repeat them. A section's substituted values depend
 * only on the configuration and on the values its substitutions read in
 * other sections, which recipes' constructors may have set. So each
 * section's values are kept with what its substitutions read: its own
 * options (marked read again, for the unused-option warnings) and, in the
 * order they were read, the other sections' options with their values.
 * The next run of the same configuration (the same kept load, see
 * load_cache.ts) gives a section its kept values when every one of those
 * reads gives the same value again, reading them as substituting would
 * (initializing the sections read, in the same order); else the section
 * initializes anew. Sections a recipe added, and those whose substitution
 * constructed a recipe of another section (which could read this one half
 * initialized), are not kept.
 */
import type {
  Buildout,
  InitializationKeeper,
  KeptSection,
} from "./buildout.ts";
import type { ConfigCache, KeptLoad } from "./config/load_cache.ts";
import {
  keptFilePath,
  readKeptFileAndBody,
  writeKeptFile,
} from "./kept_file.ts";
import { OptionValues } from "./option_values.ts";

/** Changes whenever what a kept file holds does. */
const FORMAT = 2;

/**
 * The body of a kept file is one list of strings joined by NUL (a section
 * holding one is not kept): for each section its name, the lengths of its
 * four lists, then the lists: its values as `name, value, ...`, its own
 * options read, the other sections' reads as `section, option, value, ...`
 * and those finding no value as `section, option, ...`. Splitting one long
 * string costs a fraction of parsing JSON of thousands of short ones.
 */
const NUL = "\0";

/** What a kept file's JSON line holds; the sections follow it. */
interface Kept {
  key: string;
  stamp: string;
}

interface Restorable extends KeptSection {
  name: string;
  /** The kept file's strings, and where this section's are. */
  strings: string[];
  start: number;
  looked: number;
  absent: number;
  end: number;
}

/** A section initializing anew: what its substitutions read so far. */
interface Recording {
  name: string;
  reads: Set<string>;
  looked: Map<string, [string, string, string | null]>;
  /** A recipe was constructed meanwhile: not kept. */
  tainted: boolean;
}

const loads = new WeakMap<Buildout, { cache: ConfigCache; load: KeptLoad }>();

/**
 * Notes that `buildout` was opened from the kept load `load` of `cache`,
 * for {@link keepInitializations}.
 */
export function noteKeptLoad(
  buildout: Buildout,
  cache: ConfigCache,
  load: KeptLoad,
): void {
  loads.set(buildout, { cache, load });
}

/**
 * Starts keeping the initializations of `buildout`'s sections, repeating
 * those kept for its configuration; undefined when its load was not kept.
 * Call {@link SectionKeeper.keep} once the parts are initialized, or
 * {@link SectionKeeper.stop} when the run failed.
 */
export function keepInitializations(
  buildout: Buildout,
): SectionKeeper | undefined {
  const noted = loads.get(buildout);
  if (!noted) return undefined;
  const key = JSON.stringify([FORMAT, "initialization", noted.load.key]);
  const path = keptFilePath(noted.cache.directory, key);
  const kept = readKeptFileAndBody<Kept>(path, key);
  const keeper = new SectionKeeper(
    buildout,
    path,
    key,
    noted.load.stamp,
    kept?.[0].stamp === noted.load.stamp ? decode(kept[1]) : new Map(),
  );
  buildout.initializations = keeper;
  return keeper;
}

/** A kept list's length, a multiple of `step`; NaN when it is not one. */
function length(text: string | undefined, step: number): number {
  const n = Number(text);
  return n >= 0 && n % step === 0 && text !== "" ? n : NaN;
}

/** The sections of a kept file's body, or none when it is damaged. */
function decode(body: string): Map<string, Restorable> {
  const found = new Map<string, Restorable>();
  if (!body) return found;
  const strings = body.split(NUL);
  for (let i = 0; i < strings.length;) {
    const name = strings[i];
    const start = i + 5;
    const reads = start + length(strings[i + 1], 2);
    const looked = reads + length(strings[i + 2], 1);
    const absent = looked + length(strings[i + 3], 3);
    const end = absent + length(strings[i + 4], 2);
    // NaN when a length was not one.
    if (!(end <= strings.length)) return new Map();
    const values = new OptionValues();
    for (let k = start; k < reads; k += 2) {
      values.set(strings[k], strings[k + 1]);
    }
    found.set(name, {
      name,
      values,
      reads: strings.slice(reads, looked),
      strings,
      start: i,
      looked,
      absent,
      end,
    });
    i = end;
  }
  return found;
}

/** See the module documentation. */
export class SectionKeeper implements InitializationKeeper {
  private readonly recordings: Recording[] = [];
  /**
   * What to keep, by section, in the order they initialized: the section
   * as kept, or its strings.
   */
  private readonly now = new Map<string, Restorable | string[]>();
  /** Some section initialized anew: the kept file is out of date. */
  private changed = false;

  constructor(
    private readonly buildout: Buildout,
    private readonly path: string,
    private readonly key: string,
    private readonly stamp: string,
    private readonly restorable: Map<string, Restorable>,
  ) {}

  kept(name: string): KeptSection | undefined {
    // A recipe may add a section under another name each run.
    if (this.buildout.wasAdded(name)) return undefined;
    return this.restorable.get(name);
  }

  holds(kept: KeptSection): boolean {
    const restorable = kept as Restorable;
    const { strings, looked, absent, end } = restorable;
    try {
      for (let i = looked; i < absent; i += 3) {
        const value = this.buildout.section(strings[i]).get(strings[i + 1]);
        if (value !== strings[i + 2]) return false;
      }
      for (let i = absent; i < end; i += 2) {
        const value = this.buildout.section(strings[i]).get(strings[i + 1]);
        if (value !== undefined) return false;
      }
    } catch {
      // Initializing anew reports it, in its own terms.
      return false;
    }
    this.now.set(restorable.name, restorable);
    // Its recipe is constructed next, within any substitution reading it.
    if (kept.values.get("recipe")) {
      for (const outer of this.recordings) outer.tainted = true;
    }
    return true;
  }

  begin(name: string): void {
    this.changed = true;
    this.recordings.push({
      name,
      reads: new Set(),
      looked: new Map(),
      tainted: false,
    });
  }

  looked(
    resolver: string,
    section: string,
    option: string,
    value: string | undefined,
  ): void {
    const top = this.recordings.at(-1);
    if (!top) return;
    // Another section substituting meanwhile (a loop through this one).
    if (top.name !== resolver) top.tainted = true;
    else if (section === resolver) top.reads.add(option);
    else {
      const key = `${section}\n${option}`;
      if (!top.looked.has(key)) {
        top.looked.set(key, [section, option, value ?? null]);
      }
    }
  }

  end(name: string, values: OptionValues | undefined): void {
    const top = this.recordings.pop();
    if (!top || top.name !== name) {
      // Unbalanced after an error a recipe caught: keep nothing.
      this.recordings.length = 0;
      this.stop();
      return;
    }
    if (!values) return;
    if (values.get("recipe")) {
      for (const outer of this.recordings) outer.tainted = true;
    }
    if (top.tainted || this.buildout.wasAdded(name)) return;
    const pairs: string[] = [];
    for (const [key, value] of values) pairs.push(key, value);
    const looked: string[] = [], absent: string[] = [];
    for (const [section, option, value] of top.looked.values()) {
      if (value === null) absent.push(section, option);
      else looked.push(section, option, value);
    }
    const lists = [pairs, [...top.reads], looked, absent];
    const strings = [name, ...lists.map((list) => String(list.length))]
      .concat(...lists);
    if (strings.some((s) => s.includes(NUL))) return;
    this.now.set(name, strings);
  }

  /** Stops keeping, keeping nothing. */
  stop(): void {
    if (this.buildout.initializations === this) {
      this.buildout.initializations = undefined;
    }
  }

  /**
   * Stops keeping, and keeps what the sections initialized so far read
   * for the next run, unless every one of them repeated its kept values.
   */
  async keep(): Promise<void> {
    const active = this.buildout.initializations === this;
    this.stop();
    if (!active || !this.changed) return;
    const sections: string[] = [];
    for (const section of this.now.values()) {
      sections.push(
        Array.isArray(section)
          ? section.join(NUL)
          : section.strings.slice(section.start, section.end).join(NUL),
      );
    }
    const kept: Kept = { key: this.key, stamp: this.stamp };
    const { hiddenTemp } = await import("./fetch/hidden_temp.ts");
    writeKeptFile(this.path, kept, hiddenTemp, sections.join(NUL));
  }
}
