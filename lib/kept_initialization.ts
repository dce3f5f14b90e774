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
const FORMAT = 3;

/**
 * A kept file's body: the distinct strings of its sections joined by NUL
 * (a section holding one is not kept), then, after another NUL, each
 * section as numbers (a string's place among them, or a list's length),
 * each written in `width` digits of base 94 in printable ASCII: its name,
 * the lengths of its four lists, then the lists: its values as `name,
 * value, ...`, its own options read, the other sections' reads as
 * `section, option, value, ...` and those finding no value as `section,
 * option, ...`. Each distinct string is made once (option names recur in
 * every section), by one split of one long string: JSON of thousands of
 * short strings parses several times slower, and every string made counts
 * towards the next garbage collection.
 */
const NUL = "\0";
const BASE = 94;
const ZERO = 0x21;

/** What a kept file's JSON line holds; the sections follow it. */
interface Kept {
  key: string;
  stamp: string;
  /** How many distinct strings the body starts with, and sections follow. */
  strings: number;
  sections: number;
  /** Digits per number. */
  width: number;
}

/** A section's four lists, as the module documentation lists them. */
type Lists = [string[], string[], string[], string[]];

/** A section as kept, not yet asked for. */
interface Encoded {
  name: string;
  numbers: string;
  strings: string[];
  width: number;
}

interface Restorable extends KeptSection, Encoded {
  /** Where the other sections' reads start and end, as numbers. */
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
    kept?.[0].stamp === noted.load.stamp ? decode(...kept) : new Map(),
  );
  buildout.initializations = keeper;
  return keeper;
}

/** The `k`th number of `numbers`; NaN when it is not one. */
function numberAt(numbers: string, k: number, width: number): number {
  let n = 0;
  for (let at = k * width, end = at + width; at < end; at++) {
    const digit = numbers.charCodeAt(at) - ZERO;
    if (!(digit >= 0 && digit < BASE)) return NaN;
    n = n * BASE + digit;
  }
  return n;
}

/** The `k`th number of `numbers` as a list's length, a multiple of `step`. */
function lengthAt(
  numbers: string,
  k: number,
  width: number,
  step: number,
): number {
  const n = numberAt(numbers, k, width);
  return n % step === 0 ? n : NaN;
}

/** The `k`th string `encoded` names; undefined when there is none. */
function stringAt(encoded: Encoded, k: number): string | undefined {
  return encoded.strings[numberAt(encoded.numbers, k, encoded.width)];
}

/**
 * The sections of a kept file, by name, not yet decoded; none when its
 * strings are damaged (a damaged section is found when asked for).
 */
function decode(kept: Kept, body: string): Map<string, Encoded> {
  const found = new Map<string, Encoded>();
  const { width } = kept;
  const all = body.split(NUL);
  const count = kept.strings;
  if (
    !(width >= 1 && width <= 4 && Number.isSafeInteger(width)) ||
    !(count >= 0 && Number.isSafeInteger(count)) ||
    all.length !== count + kept.sections
  ) return found;
  const strings = all.slice(0, count);
  for (let i = count; i < all.length; i++) {
    const encoded = { name: "", numbers: all[i], strings, width };
    const name = stringAt(encoded, 0);
    if (name === undefined) return new Map();
    encoded.name = name;
    found.set(name, encoded);
  }
  return found;
}

/**
 * A kept section with its values and its own reads decoded, or undefined
 * when it is damaged: it initializes anew.
 */
function restore(encoded: Encoded): Restorable | undefined {
  const { numbers, strings, width } = encoded;
  const start = 5;
  const reads = start + lengthAt(numbers, 1, width, 2);
  const looked = reads + lengthAt(numbers, 2, width, 1);
  const absent = looked + lengthAt(numbers, 3, width, 3);
  const end = absent + lengthAt(numbers, 4, width, 2);
  // NaN when a length was not one.
  if (!(end * width === numbers.length)) return undefined;
  for (let k = start; k < end; k++) {
    if (!(numberAt(numbers, k, width) < strings.length)) return undefined;
  }
  const values = new OptionValues();
  for (let k = start; k < reads; k += 2) {
    values.set(stringAt(encoded, k)!, stringAt(encoded, k + 1)!);
  }
  const own = new Array<string>(looked - reads);
  for (let k = reads; k < looked; k++) own[k - reads] = stringAt(encoded, k)!;
  return { ...encoded, values, reads: own, looked, absent, end };
}

/** The lists of a section as kept. */
function listsOf(section: Restorable): Lists {
  const { values, reads, looked, absent, end } = section;
  const pairs: string[] = [];
  for (const [key, value] of values) pairs.push(key, value);
  const other = (from: number, to: number) => {
    const strings: string[] = [];
    for (let k = from; k < to; k++) strings.push(stringAt(section, k)!);
    return strings;
  };
  return [pairs, [...reads], other(looked, absent), other(absent, end)];
}

/**
 * The body of a kept file holding `sections` (see {@link NUL}), how many
 * distinct strings it starts with and the width of its numbers.
 */
function encode(
  sections: Map<string, Lists>,
): { body: string; strings: number; width: number } {
  const places = new Map<string, number>();
  const place = (s: string) => {
    let n = places.get(s);
    if (n === undefined) places.set(s, n = places.size);
    return n;
  };
  const all: number[][] = [];
  let largest = 0;
  for (const [name, lists] of sections) {
    const numbers = [place(name), ...lists.map((list) => list.length)];
    for (const list of lists) {
      largest = Math.max(largest, list.length);
      for (const s of list) numbers.push(place(s));
    }
    all.push(numbers);
  }
  largest = Math.max(largest, places.size);
  let width = 1;
  while (BASE ** width <= largest) width++;
  const digits = (n: number) => {
    let text = "";
    for (let k = 0; k < width; k++, n = Math.floor(n / BASE)) {
      text = String.fromCharCode(ZERO + n % BASE) + text;
    }
    return text;
  };
  const body = [...places.keys(), ...all.map((n) => n.map(digits).join(""))];
  return { body: body.join(NUL), strings: places.size, width };
}

/** See the module documentation. */
export class SectionKeeper implements InitializationKeeper {
  private readonly recordings: Recording[] = [];
  /**
   * What to keep, by section, in the order they initialized: the section
   * as kept, or its lists.
   */
  private readonly now = new Map<string, Restorable | Lists>();
  /** Some section initialized anew: the kept file is out of date. */
  private changed = false;

  constructor(
    private readonly buildout: Buildout,
    private readonly path: string,
    private readonly key: string,
    private readonly stamp: string,
    private readonly restorable: Map<string, Encoded>,
  ) {}

  kept(name: string): KeptSection | undefined {
    // A recipe may add a section under another name each run.
    if (this.buildout.wasAdded(name)) return undefined;
    const encoded = this.restorable.get(name);
    return encoded && restore(encoded);
  }

  holds(kept: KeptSection): boolean {
    const restorable = kept as Restorable;
    const { looked, absent, end } = restorable;
    try {
      for (let k = looked; k < absent; k += 3) {
        const value = this.buildout.section(stringAt(restorable, k)!)
          .get(stringAt(restorable, k + 1)!);
        if (value !== stringAt(restorable, k + 2)) return false;
      }
      for (let k = absent; k < end; k += 2) {
        const value = this.buildout.section(stringAt(restorable, k)!)
          .get(stringAt(restorable, k + 1)!);
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
    const lists: Lists = [pairs, [...top.reads], looked, absent];
    if (name.includes(NUL)) return;
    if (lists.some((list) => list.some((s) => s.includes(NUL)))) return;
    this.now.set(name, lists);
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
    const sections = new Map<string, Lists>();
    for (const [name, section] of this.now) {
      sections.set(name, Array.isArray(section) ? section : listsOf(section));
    }
    const { body, strings, width } = encode(sections);
    const kept: Kept = {
      key: this.key,
      stamp: this.stamp,
      strings,
      sections: sections.size,
      width,
    };
    const { hiddenTemp } = await import("./fetch/hidden_temp.ts");
    writeKeptFile(this.path, kept, hiddenTemp, body);
  }
}
