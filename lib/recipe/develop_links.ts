/**
 * The `<name>.egg-link` files of a develop-eggs directory, found by project
 * name in any spelling (`Spam`, `spam_x` for `spam-x`), as zc.buildout
 * finds develop eggs by their project key.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { projectKey } from "../dists/requirement.ts";

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
