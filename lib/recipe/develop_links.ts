/**
 * The `<name>.egg-link` files of a develop-eggs directory, found by project
 * name in any spelling (`Spam`, `spam_x` for `spam-x`), as zc.buildout
 * finds develop eggs by their project key.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { projectKey } from "../dists/requirement.ts";
import { eggLinkTarget } from "./package_json.ts";

const SUFFIX = ".egg-link";

/** Looks up links in one develop-eggs directory, read on first need. */
export class DevelopLinks {
  private names?: Set<string>;
  private byKey?: Map<string, string>;

  constructor(private readonly dir: string) {}

  /**
   * The link of project `name`: `<name>.egg-link` itself when it exists,
   * else the first (by name) whose project key is `name`'s.
   */
  find(name: string): string | undefined {
    this.read();
    const found = this.names!.has(name + SUFFIX)
      ? name + SUFFIX
      : this.byKey!.get(projectKey(name));
    return found && join(this.dir, found);
  }

  /**
   * The directory of project `name`'s develop package: what its link names,
   * when that holds a package.json. zc.buildout links Python projects the
   * same way: such a link left from it names no package of ours.
   *
   * @throws {UserError} when the link cannot be read.
   */
  packageDirectory(name: string): string | undefined {
    const link = this.find(name);
    if (!link) return undefined;
    const target = eggLinkTarget(link);
    return existsSync(join(target, "package.json")) ? target : undefined;
  }

  /** Every link, by name. */
  all(): string[] {
    this.read();
    return [...this.names!].map((entry) => join(this.dir, entry));
  }

  private read(): void {
    if (!this.names || !this.byKey) {
      let entries: string[] = [];
      try {
        entries = readdirSync(this.dir).filter((e) => e.endsWith(SUFFIX))
          .sort();
      } catch {
        // No develop-eggs directory yet: nothing is linked.
      }
      this.names = new Set(entries);
      this.byKey = new Map();
      for (const entry of entries.toReversed()) {
        this.byKey.set(projectKey(entry.slice(0, -SUFFIX.length)), entry);
      }
    }
  }

  /** Forgets what was read: the develop step wrote the links again. */
  reset(): void {
    this.names = undefined;
    this.byKey = undefined;
  }
}
