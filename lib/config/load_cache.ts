/**
 * Reusing the last load of a configuration, as a no-op rerun would repeat
 * it: the merged sections are kept in one file per configuration, with the
 * text of every file the load read (or that it found none there), the
 * conditions it decided and what it told the user. The next load of the
 * same configuration, with the same command line and the same program,
 * reads those files again and uses the kept sections only when every text
 * is what it was and every condition decides the same; anything else loads
 * as if nothing were kept, and keeps that load instead. A load that read a
 * URL is never kept: its text is only known by downloading it.
 *
 * Whole texts are compared, not sizes and times: a file edited twice within
 * the file system's clock tick keeps its times, and its size may stay too.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { keptFilePath, readKeptFile, writeKeptFile } from "../kept_file.ts";
import { VERSION } from "../version.ts";
import type {
  AnnotatedSection,
  AnnotatedValue,
  ConfigData,
  Note,
  Step,
} from "./annotated.ts";
import {
  type ConfigSource,
  isUrl,
  loadConfig,
  type LoadRequest,
} from "./load.ts";

/**
 * Where loads are kept, and what program keeps them; distribution
 * resolutions are kept there too (see dists/kept_resolution.ts).
 */
export interface ConfigCache {
  /** The directory of the kept loads, made when first needed. */
  directory: string;
  /**
   * Names this program exactly (its version and its executable file's
   * identity): another build may read configurations differently.
   */
  program: string;
}

/** Changes whenever what a kept file holds does. */
const FORMAT = 2;

/**
 * Which kept load a configuration is: its key, and the stamp its keeping
 * gave it, new whenever a load is kept anew. A configuration loaded with
 * the same key and stamp is the same, file for file, as was kept.
 */
export interface KeptLoad {
  key: string;
  stamp: string;
}

const keptLoads = new WeakMap<ConfigData, KeptLoad>();

/** The kept load that `data` is, or undefined when it was not kept. */
export function keptLoadOf(data: ConfigData): KeptLoad | undefined {
  return keptLoads.get(data);
}

let enabled = false;

/**
 * Lets {@link configCache} name a cache. main.ts does for the compiled
 * executable only: a run from the sources may read configurations
 * differently after an edit, with the same runtime and version.
 */
export function enableConfigCache(): void {
  enabled = true;
}

/**
 * The cache of configuration loads (and resolutions) under `env`: `BUILDOUT_CONFIG_CACHE`
 * names its directory (empty or `off` for none), else
 * `$XDG_CACHE_HOME/buildout/config` or `$HOME/.cache/buildout/config`.
 * Undefined for none, and unless {@link enableConfigCache} was called.
 */
export function configCache(
  env: Record<string, string | undefined>,
): ConfigCache | undefined {
  if (!enabled) return undefined;
  let directory;
  const setting = env.BUILDOUT_CONFIG_CACHE;
  if (setting !== undefined) {
    if (!setting || setting === "off") return undefined;
    directory = setting;
  } else {
    const base = env.XDG_CACHE_HOME || (env.HOME && join(env.HOME, ".cache"));
    if (!base) return undefined;
    directory = join(base, "buildout", "config");
  }
  let program;
  try {
    const { size, mtimeMs, ino, dev } = statSync(process.execPath);
    program = [VERSION, process.execPath, size, mtimeMs, ino, dev].join(":");
  } catch {
    return undefined;
  }
  return { directory, program };
}

/** What a kept load holds. */
interface Kept {
  key: string;
  stamp: string;
  /** Each file read, with its text; null for none there. */
  files: [string, string | null][];
  conditions: [string, boolean][];
  notices: string[];
  data: EncodedData;
}

/**
 * {@link loadConfig}, through `cache` when given: the kept load when it
 * still holds, else a new load, kept for the next run. Errors of the cache
 * itself (unreadable, full disk) only make the load a new one.
 */
export async function loadConfigCached(
  request: LoadRequest,
  source: ConfigSource,
  cache: ConfigCache | undefined,
): Promise<ConfigData> {
  if (!cache || isUrl(request.configFile)) {
    return await loadConfig(request, source);
  }
  const key = JSON.stringify([
    FORMAT,
    cache.program,
    request.configFile,
    request.cwd,
    request.userDefaults ?? null,
    request.assignments,
    request.executable,
    request.home ?? null,
  ]);
  const path = keptFilePath(cache.directory, key);
  const texts = new Map<string, string | undefined>();
  const kept = readKeptFile<Kept>(path, key);
  if (kept && holds(kept, source, texts)) {
    let data;
    try {
      data = decodeData(kept.data);
    } catch {
      // Damaged yet still JSON: a new load replaces it.
    }
    if (data) {
      for (const message of kept.notices) source.notice?.(message);
      keptLoads.set(data, { key, stamp: kept.stamp });
      return data;
    }
  }
  const record: Kept = {
    key,
    // Unique enough: only told apart from the same key's earlier stamps.
    stamp: `${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}`,
    files: [],
    conditions: [],
    notices: [],
    data: [],
  };
  let fromUrl = false;
  const data = await loadConfig(request, {
    readFile(file) {
      const text = texts.has(file) ? texts.get(file) : source.readFile(file);
      record.files.push([file, text ?? null]);
      return text;
    },
    readUrl(url, download) {
      fromUrl = true;
      return source.readUrl(url, download);
    },
    evaluate(expression) {
      const result = source.evaluate(expression);
      record.conditions.push([expression, result]);
      return result;
    },
    notice(message) {
      record.notices.push(message);
      source.notice?.(message);
    },
  });
  if (!fromUrl) {
    record.data = encodeData(data);
    // Loaded here: a run that only reads kept loads never needs it.
    const { hiddenTemp } = await import("../fetch/hidden_temp.ts");
    if (writeKeptFile(path, record, hiddenTemp)) {
      keptLoads.set(data, { key, stamp: record.stamp });
    }
  }
  return data;
}

/**
 * Whether the files and conditions of `kept` are as they were; the texts
 * read go into `texts` for a new load to use.
 */
function holds(
  kept: Kept,
  source: ConfigSource,
  texts: Map<string, string | undefined>,
): boolean {
  try {
    for (const [file, text] of kept.files) {
      const now = source.readFile(file);
      texts.set(file, now);
      if ((now ?? null) !== text) return false;
    }
    for (const [expression, result] of kept.conditions) {
      if (source.evaluate(expression) !== result) return false;
    }
  } catch {
    // An unreadable file or a failing condition: the new load reports it.
    return false;
  }
  return true;
}

/**
 * Sections as one array: `[notes tables, name, [key, value, notes, more],
 * ...]`, where notes are numbers into the tables (each array of notes once,
 * as values share them) and `more` is 0 or the steps and pending flag.
 */
type EncodedData = unknown[];

/** Encodes `data` for {@link decodeData}. */
function encodeData(data: ConfigData): EncodedData {
  const tables: (readonly Note[])[] = [];
  const numbers = new Map<readonly Note[], number>();
  const number = (notes: readonly Note[]) => {
    let n = numbers.get(notes);
    if (n === undefined) {
      numbers.set(notes, n = tables.length);
      tables.push(notes);
    }
    return n;
  };
  const encoded: unknown[] = [tables];
  data.forEach((section, name) => {
    const options: unknown[] = [];
    section.forEach((v, key) => {
      const more = v.steps || v.pending !== undefined
        ? [
          v.steps?.map((s) => [s.add, s.value, number(s.notes)]) ?? null,
          v.pending ?? null,
        ]
        : 0;
      options.push(key, v.value, number(v.notes), more);
    });
    encoded.push(name, options);
  });
  return encoded;
}

/** Stands for a section not yet decoded. */
const UNDECODED: AnnotatedSection = new Map();

/**
 * The sections {@link encodeData} encoded, each made into its map when
 * first read whole: a rerun of a large buildout, its sections initialized
 * from kept values (see kept_initialization.ts), reads few, and a map and
 * an object per option are most of what decoding allocates.
 */
class KeptData extends Map<string, AnnotatedSection> {
  private readonly encoded = new Map<string, unknown[]>();

  /** @throws {TypeError} when `encoded` is not what encodeData makes. */
  constructor(encoded: EncodedData, private readonly tables: Note[][]) {
    super();
    for (let i = 1; i < encoded.length; i += 2) {
      const name = encoded[i], options = encoded[i + 1];
      if (typeof name !== "string" || !wellFormed(options, tables.length)) {
        throw new TypeError("not a kept load");
      }
      this.encoded.set(name, options);
      super.set(name, UNDECODED);
    }
  }

  override get(name: string): AnnotatedSection | undefined {
    const section = super.get(name);
    return section === UNDECODED ? this.decode(name) : section;
  }

  /**
   * The value of `option` in section `name`, without making the section's
   * map; undefined when either is missing.
   */
  rawValue(name: string, option: string): string | undefined {
    const options = this.encoded.get(name);
    if (!options) return this.get(name)?.get(option)?.value;
    for (let k = 0; k < options.length; k += 4) {
      if (options[k] === option) return options[k + 1] as string;
    }
    return undefined;
  }

  override set(name: string, section: AnnotatedSection): this {
    this.encoded.delete(name);
    return super.set(name, section);
  }

  override delete(name: string): boolean {
    this.encoded.delete(name);
    return super.delete(name);
  }

  override clear(): void {
    this.encoded.clear();
    super.clear();
  }

  override forEach(
    fn: (
      section: AnnotatedSection,
      name: string,
      map: Map<string, AnnotatedSection>,
    ) => void,
    thisArg?: unknown,
  ): void {
    this.decodeAll();
    super.forEach(fn, thisArg);
  }

  override values(): MapIterator<AnnotatedSection> {
    this.decodeAll();
    return super.values();
  }

  override entries(): MapIterator<[string, AnnotatedSection]> {
    this.decodeAll();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, AnnotatedSection]> {
    return this.entries();
  }

  private decodeAll(): void {
    for (const name of [...this.encoded.keys()]) this.decode(name);
  }

  private decode(name: string): AnnotatedSection {
    const options = this.encoded.get(name)!;
    this.encoded.delete(name);
    const tables = this.tables;
    const section: AnnotatedSection = new Map();
    for (let k = 0; k < options.length; k += 4) {
      const more = options[k + 3] as
        | 0
        | [[boolean, string, number][] | null, boolean | null];
      const notes = tables[options[k + 2] as number];
      const value: AnnotatedValue = more
        ? {
          value: options[k + 1] as string,
          notes,
          ...more[0] && {
            steps: more[0].map(([add, value, n]): Step => ({
              add,
              value,
              notes: tables[n],
            })),
          },
          ...more[1] !== null && { pending: more[1] },
        }
        : { value: options[k + 1] as string, notes };
      section.set(options[k] as string, value);
    }
    super.set(name, section);
    return section;
  }
}

/**
 * Whether `options` are a section's as {@link encodeData} encodes them,
 * their notes numbers below `tables`: checked before any is decoded, so
 * that a damaged kept file makes a new load rather than a failure later.
 */
function wellFormed(options: unknown, tables: number): options is unknown[] {
  if (!Array.isArray(options) || options.length % 4) return false;
  const note = (n: unknown) => Number.isInteger(n) && +n! >= 0 && +n! < tables;
  for (let k = 0; k < options.length; k += 4) {
    if (
      typeof options[k] !== "string" || typeof options[k + 1] !== "string" ||
      !note(options[k + 2])
    ) return false;
    const more = options[k + 3];
    if (more === 0) continue;
    if (!Array.isArray(more) || more.length !== 2) return false;
    const [steps, pending] = more;
    if (pending !== null && typeof pending !== "boolean") return false;
    if (steps === null) continue;
    if (!Array.isArray(steps)) return false;
    for (const step of steps) {
      if (
        !Array.isArray(step) || typeof step[0] !== "boolean" ||
        typeof step[1] !== "string" || !note(step[2])
      ) return false;
    }
  }
  return true;
}

/** The sections {@link encodeData} encoded. */
function decodeData(encoded: EncodedData): ConfigData {
  const tables = encoded[0];
  if (!Array.isArray(tables) || !tables.every(Array.isArray)) {
    throw new TypeError("not a kept load");
  }
  return new KeptData(encoded, tables as Note[][]);
}

/**
 * The value of `option` in section `name` of `data`, without making a
 * kept section's map (see {@link KeptData}).
 */
export function rawValue(
  data: ConfigData,
  name: string,
  option: string,
): string | undefined {
  return data instanceof KeptData
    ? data.rawValue(name, option)
    : data.get(name)?.get(option)?.value;
}
