/**
 * Getting distributions for requirements, as zc.buildout's easy_install
 * `Installer` does: each requirement is constrained by the `versions` pins,
 * satisfied from the eggs directory when that is good enough (a pinned
 * version, `newest = false`, or nothing newer available), otherwise the
 * best archive the finder offers is unpacked; then the requirements of
 * what was got are resolved the same way, breadth first. All calls share
 * one working set, so every project has one version per run.
 */
import { existsSync } from "node:fs";
import {
  addDoing,
  clipped,
  DistributionNotFound,
  IncompatibleVersionError,
  UserError,
} from "../errors.ts";
import { pyRepr } from "../pyrepr.ts";
import { easyInstallLogger as logger, effectiveLevel, LEVELS } from "../log.ts";
import type { Candidate, Finder } from "./finder.ts";
import type { EggsDirectory, InstalledDist, Prepared } from "./eggs.ts";
import type { Call, ResolutionKeeper } from "./kept_resolution.ts";
import type { Dist } from "./metadata.ts";
import {
  type Clause,
  formatRequirement,
  parseRequirement,
  pinnedVersion,
  type Requirement,
  satisfiesRequirement,
} from "./requirement.ts";
import type { DownloadResult } from "../recipe/api.ts";
import { Slots, type Urgency } from "./slots.ts";
import type { DistTransport } from "./transport.ts";
import { compareVersions, isFinal } from "./version.ts";
import { removePath } from "../remove_path.ts";

/** How the installer picks. */
export interface InstallerOptions {
  eggs: EggsDirectory;
  finder: Finder;
  transport: DistTransport;
  /** Look for newer distributions than the ones unpacked (`newest`). */
  newest: boolean;
  /** Prefer final releases when one satisfies (`prefer-final`). */
  preferFinal: boolean;
  /** `allow-picked-versions`: false makes any unpinned pick an error. */
  allowPicked: boolean;
  /** `versions` pins: project key to version. */
  versions: Map<string, string>;
  /** Pins that are no version: project key to the error to report. */
  badPins?: Map<string, string>;
  /** `versions` constraints: project key to clauses every requirement gets. */
  constraints?: Map<string, Clause[]>;
  /** The develop package a requirement names, if one is linked. */
  develop?: (requirement: Requirement) => Dist | undefined;
  /** Downloads at once (8 when unset). */
  parallelDownloads?: number;
  /**
   * Search the dependency links of what is got (`use-dependency-links`,
   * off when installing from the cache).
   */
  useDependencyLinks?: boolean;
  /** Repeats the last run's resolution while it holds, and keeps this one. */
  keeper?: ResolutionKeeper;
}

/** A version picked without a pin, for `show-picked-versions`. */
export interface PickedVersion {
  name: string;
  version: string;
  /** `demo==0.3` for each distribution that required it. */
  requiredBy: string[];
}

/** Downloads running at once while looking ahead, unless told otherwise. */
const PARALLEL_DOWNLOADS = 8;

/** What satisfies a requirement, and what to log about it. */
type Decision =
  & { notes: string[]; pinned: boolean }
  & (
    | { kind: "develop"; dist: Dist }
    | { kind: "installed"; installed: InstalledDist }
    | { kind: "fetch"; candidate: Candidate }
    | { kind: "missing" }
  );

/** Gets distributions and remembers what it picked. */
export class Installer {
  private readonly workingSet = new Map<string, Dist>();
  /** Who first required each project in the working set. */
  private readonly requirers = new Map<string, string>();
  private readonly picks = new Map<string, PickedVersion>();
  private readonly required = new Map<string, Set<string>>();
  /** Decisions by requirement text; a promise while looking further. */
  private readonly decisions = new Map<
    string,
    Decision | Promise<Decision>
  >();
  private readonly downloads = new Map<string, Promise<DownloadResult>>();
  private readonly slots: Slots;
  /** One unpacking at a time, as in order: big archives stay one stream. */
  private readonly unpacking = new Slots(1);
  /** Projects looked ahead for (see {@link unclaimed}). */
  private readonly claimed = new Set<string>();
  /** Archives downloaded and unpacked (see {@link prepare}), by location. */
  private readonly prepared = new Map<string, Promise<Prepared>>();
  /** Unpacked ahead and not moved into place yet. */
  private readonly unused = new Set<Prepared>();
  private stopped = false;
  /** The call being made, whose effects the keeper records. */
  private call?: Call;

  constructor(private readonly options: InstallerOptions) {
    this.slots = new Slots(options.parallelDownloads ?? PARALLEL_DOWNLOADS);
  }

  /**
   * The distributions for `specs` and everything they require, in
   * resolution order. `requirer` says who asked (`recipe spam`), for
   * conflict messages: one for all, or one per spec.
   *
   * @throws {UserError} for an invalid requirement, a pin inconsistent
   *   with a requirement, no matching distribution, a version conflict, a
   *   refused pick or a bad archive.
   */
  async install(
    specs: string[],
    requirer: string | string[],
  ): Promise<Dist[]> {
    const { keeper } = this.options;
    const kept = keeper?.repeat(specs, requirer);
    // Each call starts from the configured locations, as each of
    // zc.buildout's easy_install.install() calls does: the links an earlier
    // call's distributions added are not searched, and what was decided
    // with them is decided again.
    if (this.options.finder.dropAddedLinks()) this.decisions.clear();
    if (kept) return this.repeat(kept);
    logger.debug(`Installing ${specs.map((s) => `'${s.trim()}'`).join(", ")}.`);
    const call = this.call = keeper?.record(specs, requirer);
    try {
      const result = await this.resolve(specs, requirer);
      if (call) call.result = [...result];
      return result;
    } catch (err) {
      keeper?.spoil();
      throw err;
    } finally {
      this.call = undefined;
    }
  }

  /** What a kept call did, done again; its result. */
  private repeat(call: Call): Dist[] {
    for (const effect of call.effects) {
      if (effect[0] === "got") this.have(effect[1], effect[2], effect[3]);
      else if (effect[0] === "picked") this.pick(effect[1]);
      else this.require(effect[1], effect[2]);
    }
    return [...call.result];
  }

  /** Project `key` has `dist`, first required by `by`. */
  private have(key: string, dist: Dist, by: string): void {
    this.call?.effects.push(["got", key, dist, by]);
    this.workingSet.set(key, dist);
    this.requirers.set(key, by);
    this.addDependencyLinks(dist);
  }

  /** `dist` was picked, not pinned. */
  private pick(dist: Dist): void {
    this.call?.effects.push(["picked", dist]);
    this.picks.set(dist.key, {
      name: dist.name,
      version: dist.version,
      requiredBy: [],
    });
  }

  /** Project `key` is required by `by` (`name==version`). */
  private require(key: string, by: string): void {
    this.call?.effects.push(["required", key, by]);
    const set = this.required.get(key) ?? new Set();
    set.add(by);
    this.required.set(key, set);
  }

  /** {@link install}, made anew. */
  private async resolve(
    specs: string[],
    requirer: string | string[],
  ): Promise<Dist[]> {
    const queue = specs.map((spec, i) => ({
      requirement: parseRequirement(spec),
      by: typeof requirer === "string" ? requirer : requirer[i],
      byDist: undefined as Dist | undefined,
    }));
    // What this call meets next is needed before what was looked ahead
    // for earlier.
    const lookAhead = (requirements: Requirement[]) =>
      this.lookAheadFor(this.unclaimed(requirements), "soon");
    lookAhead(queue.map((item) => item.requirement));
    const result: Dist[] = [];
    const processed = new Set<string>();
    while (queue.length) {
      const { requirement: raw, by, byDist } = queue.shift()!;
      let requirement: Requirement;
      try {
        requirement = this.constrain(raw);
      } catch (err) {
        // Logged here, not where looking ahead met the pin too.
        if (err instanceof IncompatibleVersionError) logger.error(err.reason);
        throw err;
      }
      const text = formatRequirement(requirement);
      let dist = this.workingSet.get(requirement.key);
      if (!dist) {
        // Finding the requirers reads every requirement got so far: not
        // for lines that are not shown.
        if (byDist && effectiveLevel() <= LEVELS.DEBUG) {
          logger.debug(`Getting required '${text}'`);
          for (const requirer of this.requiring(raw)) {
            logger.debug(`  required by ${requirer.name} ${requirer.version}.`);
          }
        }
        try {
          // Settled by what is unpacked, the common case, without a wait.
          const got = this.getDist(requirement);
          dist = got instanceof Promise ? await got : got;
        } catch (err) {
          addDoing(err, `Getting distribution for '${text}'.`);
          throw err;
        }
        this.have(requirement.key, dist, by);
      }
      if (!satisfiesRequirement(requirement, dist.version)) {
        throw new UserError(
          `There is a version conflict: we already have ${dist.name} ` +
            `${dist.version} (required by ${
              this.requirers.get(dist.key)
            }), but ${by} requires '${text}'.`,
        );
      }
      // Only now: a requirer in conflict does not require what we have.
      if (byDist && !dist.develop) {
        this.require(dist.key, `${byDist.name}==${byDist.version}`);
      }
      if (!result.includes(dist)) result.push(dist);
      if (processed.has(text)) continue;
      processed.add(text);
      // Last first, as zc.buildout queues them: it reverses the list as
      // pkg_resources does for a stack, but takes from the front.
      const next = [...dist.requires].reverse();
      lookAhead(next);
      for (const requires of next) {
        queue.push({
          requirement: requires,
          by: `${dist.name} ${dist.version}`,
          byDist: dist,
        });
      }
    }
    return result;
  }

  /**
   * The distributions got so far that require `requirement`: the same
   * project (whatever the case of its name) with the same clauses, as
   * pkg_resources compares requirements. zc.buildout's `-v` names them all,
   * not only the first one met, sorted as pkg_resources sorts distributions
   * (by version, then by name).
   */
  private requiring(requirement: Requirement): Dist[] {
    const clauses = (required: Requirement) =>
      required.clauses.map(([op, version]) => op + version).join(",");
    const wanted = clauses(requirement);
    return [...this.workingSet.values()]
      .filter((dist) =>
        dist.requires.some((required) =>
          required.key === requirement.key && clauses(required) === wanted
        )
      )
      .sort((a, b) =>
        compareVersions(a.version, b.version) ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
      );
  }

  /**
   * As zc.buildout does with a distribution's `dependency_links`: its
   * dependency links are searched, after the configured locations, for
   * everything this call resolves from now on.
   */
  private addDependencyLinks(dist: Dist): void {
    if (!this.options.useDependencyLinks) return;
    let added = false;
    for (const link of dist.dependencyLinks) {
      if (!this.options.finder.addFindLink(link)) continue;
      logger.debug(
        `Adding find link ${pyRepr(link)} from ${dist.name} ${dist.version}`,
      );
      added = true;
    }
    // What was decided before (looking ahead) did not search them.
    if (added) this.decisions.clear();
  }

  /** True when getting a distribution with `links` would add some. */
  private bringsLinks(links: string[]): boolean {
    return !!this.options.useDependencyLinks &&
      links.some((link) => !this.options.finder.searches(link));
  }

  /** The distributions got so far (develop packages left out). */
  got(): Dist[] {
    return [...this.workingSet.values()].filter((dist) => !dist.develop);
  }

  /**
   * Stops looking ahead: downloads not started yet are dropped, and what
   * was unpacked ahead but not used is removed.
   */
  stopLookAhead(): void {
    this.stopped = true;
    this.slots.drop();
    this.unpacking.drop();
    for (const prepared of this.unused) this.options.eggs.discard(prepared);
    this.unused.clear();
  }

  /**
   * The requirements whose projects were not looked ahead for yet, now
   * claimed: a project's first requirement is the one decided, so only
   * that one is worth it.
   */
  private unclaimed(requirements: Requirement[]): Requirement[] {
    return requirements.filter((r) => {
      const fresh = !this.claimed.has(r.key);
      this.claimed.add(r.key);
      return fresh;
    });
  }

  /**
   * Versions picked so far without a pin, by name as zc.buildout sorts
   * them (code point order: `Beta` before `alpha`).
   */
  picked(): PickedVersion[] {
    return [...this.picks.entries()].map(([key, pick]) => ({
      ...pick,
      requiredBy: [...this.required.get(key) ?? []].sort(),
    })).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }

  /**
   * The requirement pinned by `versions`, when a pin names its project.
   *
   * @throws {UserError} when the pin is no version.
   * @throws {IncompatibleVersionError} when it does not satisfy the
   *   requirement.
   */
  private constrain(requirement: Requirement): Requirement {
    const bad = this.options.badPins?.get(requirement.key);
    if (bad) throw new UserError(bad);
    const constraint = this.options.constraints?.get(requirement.key);
    if (constraint) {
      return {
        ...requirement,
        clauses: [...requirement.clauses, ...constraint],
      };
    }
    const pin = this.options.versions.get(requirement.key);
    if (!pin) return requirement;
    if (!satisfiesRequirement(requirement, pin)) {
      throw new IncompatibleVersionError(
        pin,
        `The version, ${pin}, is not consistent with the ` +
          `requirement, '${formatRequirement(requirement)}'.`,
      );
    }
    return { ...requirement, clauses: [["==", pin]] };
  }

  /**
   * Starts looking up, and downloading, what `requirements` will need, so
   * transfers overlap; what is logged and installed is still decided in
   * order by {@link install}. Failures wait for that too.
   */
  prefetch(requirements: Requirement[]): void {
    this.lookAheadFor(requirements, "later");
  }

  /** {@link prefetch}, its downloads started when `urgency` says. */
  private lookAheadFor(requirements: Requirement[], urgency: Urgency): void {
    if (this.stopped) return;
    for (const raw of requirements) {
      let requirement: Requirement;
      try {
        requirement = this.constrain(raw);
      } catch {
        continue;
      }
      if (this.workingSet.has(requirement.key)) continue;
      let decided: Decision | Promise<Decision>;
      try {
        decided = this.decide(requirement);
      } catch {
        continue; // reported when the requirement is processed
      }
      // Settled by what is unpacked: nothing to fetch.
      if (!(decided instanceof Promise)) continue;
      decided.then(async (decision) => {
        if (decision.kind !== "fetch" || decision.candidate.local) return;
        if (!decision.pinned && !this.options.allowPicked) return;
        const prepared = await this.prepare(decision.candidate, urgency);
        // Its requirements will be searched in its new dependency links
        // too: looked for now, they would be decided without them.
        if (this.bringsLinks(prepared.metadata.dependencyLinks)) return;
        this.lookAheadFor(this.unclaimed(prepared.metadata.requires), "soon");
      }).catch(() => {/* reported when the requirement is processed */});
    }
  }

  /** The distribution for `requirement`, as {@link decide} says. */
  private getDist(requirement: Requirement): Dist | Promise<Dist> {
    const decided = this.decide(requirement);
    return decided instanceof Promise
      ? decided.then((decision) => this.follow(requirement, decision))
      : this.follow(requirement, decided);
  }

  /** Logs and carries out `decision`; waits only to fetch. */
  private follow(
    requirement: Requirement,
    decision: Decision,
  ): Dist | Promise<Dist> {
    for (const note of decision.notes) logger.debug(note);
    if (decision.kind === "develop") return decision.dist;
    if (decision.kind === "missing") return this.notFound(requirement);
    const chosen = decision.kind === "fetch"
      ? decision.candidate
      : decision.installed;
    if (!decision.pinned && !this.options.allowPicked) {
      // Reported, as zc.buildout logs a pick before refusing it.
      const picked = `Picked: ${chosen.name} = ${chosen.version}`;
      logger.debug(picked);
      throw new UserError(picked);
    }
    if (decision.kind === "fetch") {
      return this.fetchDist(requirement, decision.candidate, decision.pinned);
    }
    return this.remember(
      this.options.eggs.read(decision.installed),
      decision.pinned,
    );
  }

  private async fetchDist(
    requirement: Requirement,
    candidate: Candidate,
    pinned: boolean,
  ): Promise<Dist> {
    logger.info(
      `Getting distribution for '${formatRequirement(requirement)}'.`,
    );
    const dist = await this.unpack(candidate);
    logger.info(`Got ${dist.name} ${dist.version}.`);
    return this.remember(dist, pinned);
  }

  private async notFound(requirement: Requirement): Promise<never> {
    throw await this.missing(requirement);
  }

  /** Records `dist` as picked unless a pin chose it; returns it. */
  private remember(dist: Dist, pinned: boolean): Dist {
    if (!pinned) {
      logger.debug(`Picked: ${dist.name} = ${dist.version}`);
      this.pick(dist);
    }
    return dist;
  }

  /** What to do for `requirement`, decided once (see {@link decideNow}). */
  private decide(requirement: Requirement): Decision | Promise<Decision> {
    const text = formatRequirement(requirement);
    let decision = this.decisions.get(text);
    if (!decision) {
      decision = this.decideNow(requirement, text);
      this.decisions.set(text, decision);
    }
    return decision;
  }

  /**
   * zc.buildout's `_satisfied`: a develop package, else what is unpacked
   * when that is good enough, else the best archive offered (looking for
   * it is the only wait).
   */
  private decideNow(
    requirement: Requirement,
    text: string,
  ): Decision | Promise<Decision> {
    const { eggs, newest, preferFinal } = this.options;
    const develop = this.options.develop?.(requirement);
    this.options.keeper?.consulted(requirement.name, develop);
    if (develop && satisfiesRequirement(requirement, develop.version)) {
      const note = `We have a develop egg: ${develop.name} ${develop.version}.`;
      return { kind: "develop", dist: develop, notes: [note], pinned: true };
    }
    const pinned = pinnedVersion(requirement) !== undefined;
    const fetch = (candidate: Candidate | undefined, notes: string[]) =>
      candidate
        ? { kind: "fetch" as const, candidate, notes, pinned }
        : { kind: "missing" as const, notes, pinned };
    let have = eggs.installed(requirement.key).filter((d) =>
      satisfiesRequirement(requirement, d.version)
    );
    if (!have.length) {
      const note =
        `We have no distributions for ${requirement.name} that satisfies '${text}'.`;
      return this.obtain(requirement).then((found) => fetch(found, [note]));
    }
    const installed = (dist: InstalledDist, notes: string[]) => ({
      kind: "installed" as const,
      installed: dist,
      notes,
      pinned,
    });
    if (pinned) {
      return installed(have[0], [
        `We have the distribution that satisfies '${text}'.`,
      ]);
    }
    if (preferFinal && have.some((d) => isFinal(d.version))) {
      have = have.filter((d) => isFinal(d.version));
    }
    const best = have[0];
    if (!newest) return installed(best, []);
    return this.obtain(requirement).then((available): Decision => {
      if (!available) {
        return installed(best, [
          `There are no distros available that meet '${text}'.\nUsing our best, ${best.name} ${best.version}.`,
        ]);
      }
      if (isBetter(available.version, best.version, preferFinal)) {
        return fetch(available, []);
      }
      return installed(best, [
        `We have the best distribution that satisfies '${text}'.`,
      ]);
    });
  }

  /** The best archive satisfying `requirement`, if any is offered. */
  private async obtain(
    requirement: Requirement,
  ): Promise<Candidate | undefined> {
    // Found beyond what is unpacked: a later run may find otherwise.
    this.options.keeper?.spoil();
    let offered = (await this.options.finder.candidates(requirement.key))
      .filter((c) => satisfiesRequirement(requirement, c.version));
    if (this.options.preferFinal && offered.some((c) => isFinal(c.version))) {
      offered = offered.filter((c) => isFinal(c.version));
    }
    let best: Candidate | undefined;
    for (const candidate of offered) {
      if (!best) {
        best = candidate;
        continue;
      }
      const order = compareVersions(candidate.version, best.version);
      // Among equal versions a local archive saves a transfer.
      if (order > 0 || (order === 0 && candidate.local && !best.local)) {
        best = candidate;
      }
    }
    return best;
  }

  /**
   * `candidate` unpacked into the eggs directory. A local archive goes
   * through the download utility too, as zc.buildout copies what local
   * find-links offer into the download cache (1.0.0b31): installing solely
   * from the cache, and a bundle, find it there.
   */
  private async unpack(candidate: Candidate): Promise<Dist> {
    const prepared = await this.prepare(candidate, "now");
    this.unused.delete(prepared);
    return this.options.eggs.commit(prepared);
  }

  /**
   * The archive of `candidate` downloaded and unpacked beside the eggs
   * directory's entries, once: the look-ahead learns its requirements
   * early, and {@link unpack} only moves it into place.
   */
  private prepare(candidate: Candidate, urgency: Urgency): Promise<Prepared> {
    const { location } = candidate;
    const download = this.download(candidate, urgency);
    let prepared = this.prepared.get(location);
    if (prepared) {
      this.unpacking.hurry(location, urgency);
    } else {
      prepared = download.then((fetched) =>
        this.unpacking.run(
          location,
          urgency,
          () => this.unpackDownload(candidate, fetched),
        )
      );
      this.prepared.set(location, prepared);
    }
    return prepared;
  }

  private async unpackDownload(
    candidate: Candidate,
    fetched: DownloadResult,
  ): Promise<Prepared> {
    const { transport, eggs } = this.options;
    let prepared: Prepared;
    try {
      prepared = await eggs.prepare(
        fetched.path,
        candidate,
        candidate.location,
        (a, d) => transport.extract(a, d),
      );
    } catch (err) {
      // A copy that is gone (a temporary, or this run's download, removed
      // as unusable) is named by its URL; one kept in the cache by path.
      // A local archive used where it is is named as it is.
      if (
        err instanceof UserError && fetched.path !== candidate.location &&
        err.message.includes(fetched.path)
      ) {
        if (fetched.isTemp || !existsSync(fetched.path)) {
          err.message = err.message.replace(fetched.path, candidate.location);
        } else {
          err.message += ` (downloaded from ${candidate.location})`;
        }
      }
      throw err;
    } finally {
      if (fetched.isTemp) removePath(fetched.path, { force: true });
    }
    // The run is over: nothing will move it into place.
    if (this.stopped) eggs.discard(prepared);
    else this.unused.add(prepared);
    return prepared;
  }

  /**
   * The archive of `candidate` downloaded, once; at most
   * `parallelDownloads` at a time, started in order of `urgency`.
   */
  private download(
    candidate: Candidate,
    urgency: Urgency,
  ): Promise<DownloadResult> {
    const { location, md5, sha256 } = candidate;
    let download = this.downloads.get(location);
    if (download) {
      this.slots.hurry(location, urgency);
    } else {
      download = this.slots.run(
        location,
        urgency,
        () => this.options.transport.fetchArchive(location, { md5, sha256 }),
      );
      this.downloads.set(location, download);
    }
    return download;
  }

  /**
   * `Couldn't find a distribution for 'spam'`, saying which versions
   * exist and where it looked.
   */
  private async missing(
    requirement: Requirement,
  ): Promise<DistributionNotFound> {
    const text = formatRequirement(requirement);
    const { finder, eggs } = this.options;
    const versions = new Set([
      ...eggs.installed(requirement.key).map((d) => d.version),
      ...(await finder.candidates(requirement.key)).map((c) => c.version),
    ]);
    const found = versions.size
      ? `only ${[...versions].sort(compareVersions).join(", ")} ${
        versions.size === 1 ? "exists" : "exist"
      }; `
      : "";
    const searched = finder.searched(requirement.key);
    const where = searched.length
      ? `looked in ${searched.join(", ")}`
      // Offline, remote locations are configured but not searched.
      : finder.hasLocations
      ? "the find-links and index are all remote"
      : "no find-links or index is configured";
    const offline = finder.offline
      ? `; ${finder.offlineBy}, so only local locations and the download ` +
        "cache count"
      : "";
    const python = finder.pythonOffered(requirement.key);
    return new DistributionNotFound(
      `Couldn't find a distribution for '${
        clipped(text)
      }' (${found}${where}${offline}${pythonHint(python)}).`,
      requirement.key,
      python.length > 0,
    );
  }
}

/**
 * `; the Python distributions offered for it (...)` naming the first few
 * `files`, which zc.buildout would have installed.
 */
function pythonHint(files: string[]): string {
  if (!files.length) return "";
  const shown = files.slice(0, PYTHON_FILES_SHOWN).map((f) => clipped(f));
  if (files.length > shown.length) {
    shown.push(`${files.length - shown.length} more`);
  }
  return `; the Python distributions offered for it (${shown.join(", ")}) ` +
    "cannot be installed: this buildout's recipes and extensions are " +
    "TypeScript or JavaScript packages";
}

/** How many Python distribution files a message names. */
const PYTHON_FILES_SHOWN = 3;

/** zc.buildout's rule for replacing what we have with what is offered. */
function isBetter(
  available: string,
  have: string,
  preferFinal: boolean,
): boolean {
  const newer = compareVersions(have, available) < 0;
  if (!preferFinal) return newer;
  if (isFinal(available)) return !isFinal(have) || newer;
  return !isFinal(have) && newer;
}
