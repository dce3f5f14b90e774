/**
 * A distribution's `package.json`: the `buildout` field's entry points
 * (as for develop packages) and `buildout.requires`, the requirement
 * strings of the distributions it needs.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { UserError } from "../errors.ts";
import {
  type DevelopPackage,
  type EntryGroup,
  entryGroups,
} from "../recipe/load.ts";
import { parseRequirement, type Requirement } from "./requirement.ts";

/** A distribution in use: unpacked in the eggs directory, or a develop package. */
export interface Dist extends DevelopPackage {
  key: string;
  version: string;
  /** True for a develop package (signed by its contents, never picked). */
  develop: boolean;
  requires: Requirement[];
}

/** Entry points and requirements read from a package.json. */
export interface DistMetadata {
  entries: Record<EntryGroup, Record<string, string>>;
  requires: Requirement[];
}

/**
 * Reads `dir/package.json`; `label` names the distribution in messages
 * (its archive's location).
 *
 * @throws {UserError} for a missing or invalid package.json, an invalid
 *   `buildout` field or requirement.
 */
export function readMetadata(dir: string, label: string): DistMetadata {
  const file = join(dir, "package.json");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") {
      throw new UserError(
        `The distribution ${label} has no package.json at its top (or in its single top directory)`,
      );
    }
    throw new UserError(
      `Couldn't read the package.json of the distribution ${label}: ${
        (err as Error).message
      }`,
    );
  }
  const field = (json as { buildout?: unknown } | null)?.buildout;
  const where = `the package.json of the distribution ${label}`;
  const entries = entryGroups(field, where);
  const list = (field as { requires?: unknown } | undefined)?.requires ?? [];
  if (!Array.isArray(list) || !list.every((r) => typeof r === "string")) {
    throw new UserError(
      `Invalid "buildout.requires" in ${where}: expected a list of requirement strings`,
    );
  }
  const requires = list.map((text: string) => {
    try {
      return parseRequirement(text);
    } catch (err) {
      if (err instanceof UserError) {
        throw new UserError(
          `${err.message} (in "buildout.requires" of ${where})`,
        );
      }
      throw err;
    }
  });
  return { entries, requires };
}

/**
 * Checks that every entry point of `metadata` names a module inside `dir`
 * that exists: done once, when the distribution is unpacked.
 *
 * @throws {UserError} naming the first missing module.
 */
export function checkEntryModules(
  dir: string,
  label: string,
  metadata: DistMetadata,
): void {
  for (const [group, map] of Object.entries(metadata.entries)) {
    for (const [entry, target] of Object.entries(map)) {
      const colon = target.lastIndexOf(":");
      const module = colon > 0 ? target.slice(0, colon) : target;
      const path = resolve(dir, module);
      const inside = !relative(dir, path).startsWith("..");
      if (!inside || !existsSync(path)) {
        throw new UserError(
          `The distribution ${label} lacks the module ${module} of entry ` +
            `point '${entry}' in "buildout.${group}" of its package.json`,
        );
      }
    }
  }
}
