/**
 * Reusing the last resolution of a buildout's distributions, as a rerun
 * with everything unpacked would repeat it (`-N`, or every version
 * pinned): the installer's calls, what each returned and what it did to
 * the working set, the picks and the requirers are kept in one file per
 * buildout, settings and program, beside the kept configuration loads.
 *
 * A kept resolution is repeated only while nothing it depended on
 * changed: the eggs directory lists the same entries, every develop
 * package it consulted reads the same (or is still absent), and each
 * unpacked distribution's package.json is the same file, unchanged. That
 * is checked by its identity and times, ctime included, which no one can
 * set back: the eggs directory's distributions are never modified once
 * unpacked, and one unpacked again is a new file. The calls are repeated
 * in order while this run makes the same ones; from the first that
 * differs, the installer resolves anew, from the state the repeated calls
 * left, and keeps the whole run's resolution at its end.
 *
 * Only resolutions that never looked beyond what is unpacked are kept (no
 * find-links page or index read, nothing fetched, no error), and none is
 * repeated at debug level, whose notes tell how each was decided.
 */
import type { ConfigCache } from "../config/load_cache.ts";
import { hiddenTemp } from "../fetch/hidden_temp.ts";
import { keptFilePath, readKeptFile, writeKeptFile } from "../kept_file.ts";
import { type EggsDirectory, packageStat } from "./eggs.ts";
import type { Dist } from "./metadata.ts";
import type { Clause } from "./requirement.ts";

/** Changes whenever what a kept file holds does. */
const FORMAT = 1;

/** What an install call did to the installer's state, in order. */
export type Effect =
  /** Project `key` got `dist`, first required by `by`. */
  | [kind: "got", key: string, dist: Dist, by: string]
  /** `dist` was picked, not pinned. */
  | [kind: "picked", dist: Dist]
  /** Project `key` was required by `by` (`name==version`). */
  | [kind: "required", key: string, by: string];

/** One call of the installer and what it did. */
export interface Call {
  specs: string[];
  requirer: string | string[];
  result: Dist[];
  effects: Effect[];
}

/**
 * A distribution in a kept file: an unpacked one, its package.json's
 * identity first, or a develop package's name.
 */
type KeptDist =
  | [
    stat: number[],
    name: string,
    key: string,
    version: string,
    dir: string,
    entries: Dist["entries"],
    requires: [name: string, key: string, clauses: Clause[]][],
    dependencyLinks: string[],
  ]
  | { develop: string };

/**
 * A call in a kept file, distributions as numbers into its table and
 * effects by number: 0 got, 1 picked, 2 required.
 */
type KeptCall = [
  specs: string[],
  requirer: string | string[],
  result: number[],
  effects: (string | number)[][],
];

/** What a kept file holds. */
interface Kept {
  key: string;
  /** The eggs directory's entries, hidden ones left out, sorted. */
  eggs: string[];
  /** Each develop package consulted, by name: its JSON, null for none. */
  develop: [string, string | null][];
  dists: KeptDist[];
  calls: KeptCall[];
}

/** What a {@link ResolutionKeeper} needs of the eggs directory. */
export type KeptEggs = Pick<EggsDirectory, "listing" | "statOf" | "adopt">;

/**
 * The keeper for a buildout whose distribution settings are `settings`
 * (any JSON-able value, Maps allowed), kept in `cache`; `develop` gives
 * the develop package linked for a project name, and `mayRepeat` says
 * whether a kept resolution may be repeated (not at debug level).
 */
export function resolutionKeeper(
  cache: ConfigCache,
  settings: unknown,
  eggs: KeptEggs,
  develop: (name: string) => Dist | undefined,
  mayRepeat: () => boolean,
): ResolutionKeeper {
  const key = JSON.stringify(
    [FORMAT, "resolution", cache.program, settings],
    (_, value) => value instanceof Map ? [...value] : value,
  );
  return new ResolutionKeeper(
    keptFilePath(cache.directory, key),
    key,
    eggs,
    develop,
    mayRepeat,
  );
}

/** Repeats a kept resolution while it holds, and records this run's. */
export class ResolutionKeeper {
  /** The calls of the kept resolution that holds; null when none does. */
  private kept?: Call[] | null;
  /** The next kept call to repeat; -1 once a call differed. */
  private cursor = 0;
  /** This run's calls, repeated or made anew. */
  private readonly calls: Call[] = [];
  private madeAnew = false;
  private spoiled = false;
  /** Develop packages consulted, by name, as first read. */
  private readonly develops = new Map<string, Dist | undefined>();
  /** The name each develop package was consulted by. */
  private readonly developNames = new Map<Dist, string>();

  constructor(
    private readonly path: string,
    private readonly key: string,
    private readonly eggs: KeptEggs,
    private readonly develop: (name: string) => Dist | undefined,
    private readonly mayRepeat: () => boolean,
  ) {}

  /**
   * The kept call to repeat for this call of the installer, or undefined:
   * it is then made anew, as are all after it.
   */
  repeat(specs: string[], requirer: string | string[]): Call | undefined {
    const kept = this.cursor >= 0 ? this.load() : undefined;
    const next = kept?.[this.cursor];
    if (
      !next || !sameJson(next.specs, specs) ||
      !sameJson(next.requirer, requirer)
    ) {
      this.cursor = -1;
      return undefined;
    }
    this.cursor++;
    this.calls.push(next);
    return next;
  }

  /**
   * True when `spec` is among the kept calls still to repeat: looking
   * ahead for it would be wasted.
   */
  expects(spec: string): boolean {
    const kept = this.cursor >= 0 ? this.load() : undefined;
    return !!kept?.slice(this.cursor).some((call) => call.specs.includes(spec));
  }

  /** A call made anew, whose result and effects the installer fills in. */
  record(specs: string[], requirer: string | string[]): Call {
    const call: Call = { specs, requirer, result: [], effects: [] };
    this.calls.push(call);
    this.madeAnew = true;
    return call;
  }

  /** Notes that the installer consulted the develop package of `name`. */
  consulted(name: string, dist: Dist | undefined): void {
    // Each consultation reads the package anew, into another object.
    if (dist) this.developNames.set(dist, name);
    if (!this.develops.has(name)) this.develops.set(name, dist);
  }

  /**
   * Notes that this run's resolution went beyond what is unpacked, or
   * failed: it is not kept.
   */
  spoil(): void {
    this.spoiled = true;
  }

  /**
   * Keeps this run's resolution, unless it was spoiled or repeated the
   * kept one whole.
   */
  keep(): void {
    if (this.spoiled || !this.calls.length) return;
    if (!this.madeAnew && this.calls.length === this.kept?.length) {
      return;
    }
    const numbers = new Map<Dist, number>();
    const dists: KeptDist[] = [];
    const number = (dist: Dist) => {
      let n = numbers.get(dist);
      if (n === undefined) {
        let entry: KeptDist | undefined;
        if (dist.develop) {
          const name = this.developNames.get(dist);
          if (name !== undefined) entry = { develop: name };
        } else {
          const stat = this.eggs.statOf(dist.dir);
          if (stat) {
            entry = [
              stat,
              dist.name,
              dist.key,
              dist.version,
              dist.dir,
              dist.entries,
              dist.requires.map((r) => [r.name, r.key, r.clauses]),
              dist.dependencyLinks,
            ];
          }
        }
        if (!entry) throw new Unkeepable();
        numbers.set(dist, n = dists.length);
        dists.push(entry);
      }
      return n;
    };
    let calls: KeptCall[];
    try {
      calls = this.calls.map((call) => [
        call.specs,
        call.requirer,
        call.result.map(number),
        call.effects.map((e) =>
          e[0] === "got"
            ? [0, e[1], number(e[2]), e[3]]
            : e[0] === "picked"
            ? [1, number(e[1])]
            : [2, e[1], e[2]]
        ),
      ]);
    } catch (err) {
      // A distribution read without its identity: nothing to check it by.
      if (err instanceof Unkeepable) return;
      throw err;
    }
    const kept: Kept = {
      key: this.key,
      eggs: this.eggs.listing(),
      develop: [...this.develops].map((
        [name, dist],
      ) => [name, dist ? JSON.stringify(dist) : null]),
      dists,
      calls,
    };
    writeKeptFile(this.path, kept, hiddenTemp);
  }

  /** The kept resolution, read and checked once; undefined when none holds. */
  private load() {
    if (this.kept === undefined) this.kept = this.read() ?? null;
    return this.kept ?? undefined;
  }

  private read() {
    if (!this.mayRepeat()) return undefined;
    const kept = readKeptFile<Kept>(this.path, this.key);
    if (!kept) return undefined;
    const { eggs } = this;
    try {
      if (!sameList(eggs.listing(), kept.eggs)) return undefined;
      const develops = new Map<string, Dist | undefined>();
      for (const [name, json] of kept.develop) {
        const dist = this.develop(name);
        if ((dist ? JSON.stringify(dist) : null) !== json) return undefined;
        develops.set(name, dist);
      }
      const dists: Dist[] = [];
      for (const entry of kept.dists) {
        if (!Array.isArray(entry)) {
          const dist = develops.get(entry.develop);
          if (!dist) return undefined;
          dists.push(dist);
          continue;
        }
        const [stat, name, key, version, dir, entries, requires, links] = entry;
        const now = packageStat(dir);
        if (!now || !sameList(now, stat)) return undefined;
        dists.push({
          name,
          key,
          version,
          dir,
          develop: false,
          entries,
          requires: requires.map(([name, key, clauses]) => ({
            name,
            key,
            clauses,
          })),
          dependencyLinks: links,
        });
      }
      const dist = (n: unknown) => {
        if (typeof n !== "number" || !dists[n]) throw new Unkeepable();
        return dists[n];
      };
      const calls = kept.calls.map(([specs, requirer, result, effects]) => ({
        specs,
        requirer,
        result: result.map(dist),
        effects: effects.map((e): Effect =>
          e[0] === 0
            ? ["got", String(e[1]), dist(e[2]), String(e[3])]
            : e[0] === 1
            ? ["picked", dist(e[1])]
            : ["required", String(e[1]), String(e[2])]
        ),
      }));
      // Only now: a kept resolution that does not hold changes nothing.
      for (const [name, dist] of develops) this.consulted(name, dist);
      kept.dists.forEach((entry, i) => {
        if (Array.isArray(entry)) eggs.adopt(dists[i], entry[0]);
      });
      return calls;
    } catch {
      // Damaged yet still JSON, or a develop package that cannot be read
      // (which resolving anew reports).
      return undefined;
    }
  }
}

/** Thrown for a distribution that cannot be kept, or a kept one damaged. */
class Unkeepable extends Error {}

/** Whether lists `a` and `b` hold the same items, in the same order. */
function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
