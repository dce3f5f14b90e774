/**
 * Getting distributions for requirements, as zc.buildout's easy_install
 * `Installer` does: each requirement is constrained by the `versions` pins,
 * satisfied from the eggs directory when that is good enough (a pinned
 * version, `newest = false`, or nothing newer available), otherwise the
 * best archive the finder offers is unpacked; then the requirements of
 * what was got are resolved the same way, breadth first. All calls share
 * one working set, so every project has one version per run.
 */
import { rmSync } from "node:fs";
import { doingAsync, UserError } from "../errors.ts";
import { logger } from "../log.ts";
import type { Candidate, Finder } from "./finder.ts";
import type { EggsDirectory, InstalledDist } from "./eggs.ts";
import type { Dist } from "./metadata.ts";
import {
  formatRequirement,
  parseRequirement,
  pinnedVersion,
  type Requirement,
  satisfiesRequirement,
} from "./requirement.ts";
import type { DistTransport } from "./transport.ts";
import { compareVersions, isFinal } from "./version.ts";

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
  /** The develop package a requirement names, if one is linked. */
  develop?: (requirement: Requirement) => Dist | undefined;
}

/** A version picked without a pin, for `show-picked-versions`. */
export interface PickedVersion {
  name: string;
  version: string;
  /** `demo==0.3` for each distribution that required it. */
  requiredBy: string[];
}

/** Gets distributions and remembers what it picked. */
export class Installer {
  private readonly workingSet = new Map<string, Dist>();
  /** Who first required each project in the working set. */
  private readonly requirers = new Map<string, string>();
  private readonly picks = new Map<string, PickedVersion>();
  private readonly required = new Map<string, Set<string>>();

  constructor(private readonly options: InstallerOptions) {}

  /**
   * The distributions for `specs` and everything they require, in
   * resolution order. `requirer` says who asked (`recipe spam`), for
   * conflict messages.
   *
   * @throws {UserError} for an invalid requirement, a pin inconsistent
   *   with a requirement, no matching distribution, a version conflict, a
   *   refused pick or a bad archive.
   */
  async install(specs: string[], requirer: string): Promise<Dist[]> {
    logger.debug(`Installing ${specs.map((s) => `'${s.trim()}'`).join(", ")}.`);
    const queue = specs.map((spec) => ({
      requirement: parseRequirement(spec),
      by: requirer,
      byDist: undefined as Dist | undefined,
    }));
    const result: Dist[] = [];
    const processed = new Set<string>();
    while (queue.length) {
      const { requirement: raw, by, byDist } = queue.shift()!;
      const requirement = this.constrain(raw);
      const text = formatRequirement(requirement);
      let dist = this.workingSet.get(requirement.key);
      if (!dist) {
        if (byDist) {
          logger.debug(`Getting required '${text}'`);
          logger.debug(`  required by ${byDist.name} ${byDist.version}.`);
        }
        dist = await doingAsync(
          `Getting distribution for '${text}'.`,
          () => this.getDist(requirement),
        );
        this.workingSet.set(requirement.key, dist);
        this.requirers.set(requirement.key, by);
      }
      if (byDist && !dist.develop) {
        const set = this.required.get(dist.key) ?? new Set();
        set.add(`${byDist.name}==${byDist.version}`);
        this.required.set(dist.key, set);
      }
      if (!satisfiesRequirement(requirement, dist.version)) {
        throw new UserError(
          `There is a version conflict: we already have ${dist.name} ` +
            `${dist.version} (required by ${
              this.requirers.get(dist.key)
            }), but ${by} requires '${text}'.`,
        );
      }
      if (!result.includes(dist)) result.push(dist);
      if (processed.has(text)) continue;
      processed.add(text);
      for (const requires of dist.requires) {
        queue.push({
          requirement: requires,
          by: `${dist.name} ${dist.version}`,
          byDist: dist,
        });
      }
    }
    return result;
  }

  /** Versions picked so far without a pin, in the order they were picked. */
  picked(): PickedVersion[] {
    return [...this.picks.entries()].map(([key, pick]) => ({
      ...pick,
      requiredBy: [...this.required.get(key) ?? []].sort(),
    }));
  }

  /**
   * The requirement pinned by `versions`, when a pin names its project.
   *
   * @throws {UserError} when the pin does not satisfy the requirement.
   */
  private constrain(requirement: Requirement): Requirement {
    const pin = this.options.versions.get(requirement.key);
    if (!pin) return requirement;
    if (!satisfiesRequirement(requirement, pin)) {
      throw new UserError(
        `The version, ${pin}, is not consistent with the ` +
          `requirement, '${formatRequirement(requirement)}'.`,
      );
    }
    return { ...requirement, clauses: [["==", pin]] };
  }

  private async getDist(requirement: Requirement): Promise<Dist> {
    const { eggs, newest, preferFinal } = this.options;
    const text = formatRequirement(requirement);
    const develop = this.options.develop?.(requirement);
    if (develop && satisfiesRequirement(requirement, develop.version)) {
      logger.debug(
        `We have a develop egg: ${develop.name} ${develop.version}.`,
      );
      return develop;
    }
    const pinned = pinnedVersion(requirement) !== undefined;
    let have = eggs.installed(requirement.key).filter((d) =>
      satisfiesRequirement(requirement, d.version)
    );
    let chosen: InstalledDist | Candidate | undefined;
    if (!have.length) {
      logger.debug(
        `We have no distributions for ${requirement.name} that satisfies '${text}'.`,
      );
      chosen = await this.obtain(requirement);
    } else if (pinned) {
      logger.debug(`We have the distribution that satisfies '${text}'.`);
      chosen = have[0];
    } else {
      if (preferFinal && have.some((d) => isFinal(d.version))) {
        have = have.filter((d) => isFinal(d.version));
      }
      const best = have[0];
      const available = newest ? await this.obtain(requirement) : undefined;
      if (!newest) {
        chosen = best;
      } else if (!available) {
        logger.debug(
          `There are no distros available that meet '${text}'.\nUsing our best, ${best.name} ${best.version}.`,
        );
        chosen = best;
      } else if (isBetter(available.version, best.version, preferFinal)) {
        chosen = available;
      } else {
        logger.debug(`We have the best distribution that satisfies '${text}'.`);
        chosen = best;
      }
    }
    if (!chosen) throw await this.missing(requirement);
    if (!pinned && !this.options.allowPicked) {
      throw new UserError(`Picked: ${chosen.name} = ${chosen.version}`);
    }
    let dist: Dist;
    if ("dir" in chosen) {
      dist = eggs.read(chosen);
    } else {
      logger.info(`Getting distribution for '${text}'.`);
      dist = await this.unpack(chosen);
      logger.info(`Got ${dist.name} ${dist.version}.`);
    }
    if (!pinned) {
      logger.debug(`Picked: ${dist.name} = ${dist.version}`);
      this.picks.set(dist.key, {
        name: dist.name,
        version: dist.version,
        requiredBy: [],
      });
    }
    return dist;
  }

  /** The best archive satisfying `requirement`, if any is offered. */
  private async obtain(
    requirement: Requirement,
  ): Promise<Candidate | undefined> {
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

  private async unpack(candidate: Candidate): Promise<Dist> {
    const { transport, eggs } = this.options;
    if (candidate.local) {
      return await eggs.unpack(
        candidate.location,
        candidate,
        candidate.location,
        (a, d) => transport.extract(a, d),
      );
    }
    const { md5, sha256 } = candidate;
    const fetched = await transport.fetchArchive(candidate.location, {
      md5,
      sha256,
    });
    try {
      return await eggs.unpack(
        fetched.path,
        candidate,
        candidate.location,
        (a, d) => transport.extract(a, d),
      );
    } catch (err) {
      // The local copy may be a temporary file: say where it came from.
      if (err instanceof UserError && err.message.includes(fetched.path)) {
        err.message += ` (downloaded from ${candidate.location})`;
      }
      throw err;
    } finally {
      if (fetched.isTemp) rmSync(fetched.path, { force: true });
    }
  }

  /**
   * `Couldn't find a distribution for 'spam'`, saying which versions
   * exist and where it looked.
   */
  private async missing(requirement: Requirement): Promise<UserError> {
    const text = formatRequirement(requirement);
    const { finder, eggs } = this.options;
    const versions = new Set([
      ...eggs.installed(requirement.key).map((d) => d.version),
      ...(await finder.candidates(requirement.key)).map((c) => c.version),
    ]);
    const found = versions.size
      ? `only ${[...versions].sort(compareVersions).join(", ")} exist; `
      : "";
    const searched = finder.searched(requirement.key);
    const where = searched.length
      ? `looked in ${searched.join(", ")}`
      : "no find-links or index is configured";
    const offline = finder.offline
      ? "; offline, so only local locations and the download cache count"
      : "";
    return new UserError(
      `Couldn't find a distribution for '${text}' (${found}${where}${offline}).`,
    );
  }
}

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
