/** Where the shared corpus of real-world configs is, for tests. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** `../shared/corpus` beside the repository. */
export const CORPUS = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "shared",
  "corpus",
);

/** True when the corpus is present (it is beside every checkout and CI run). */
export const HAVE_CORPUS = existsSync(join(CORPUS, "MANIFEST.tsv"));

/** Every corpus `.cfg` file, relative to CORPUS, sorted. */
export function corpusFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== "_parsed") walk(path);
      } else if (name.endsWith(".cfg")) out.push(relative(CORPUS, path));
    }
  };
  walk(CORPUS);
  return out;
}
