/**
 * A fake fetch and extract layer for unit tests of distribution lookup:
 * pages and remote archives live in memory or in a temporary directory,
 * and an "archive" is a JSON file listing the files it holds (or
 * `{"corrupt": true}`). Every page read, remote archive fetched and
 * archive extracted is recorded.
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { UserError } from "../../lib/errors.ts";
import type { DistTransport, Page } from "../../lib/dists/transport.ts";

/** Files of a fake archive, by relative path. */
export type Files = Record<string, string>;

/**
 * The files of a recipe distribution requiring `requires`, found also in
 * `dependencyLinks`.
 */
export function recipeFiles(
  name: string,
  version: string,
  requires: string[] = [],
  dependencyLinks: string[] = [],
): Files {
  return {
    "package.json": JSON.stringify({
      name,
      version,
      buildout: {
        recipes: { default: "./recipe.js" },
        requires,
        "dependency-links": dependencyLinks,
      },
    }),
    "recipe.js":
      `export default class R { install() { return "${name} ${version}"; } }\n`,
  };
}

/** The fake world: a temporary directory, pages, remote archives. */
export class FakeWorld implements Disposable {
  readonly dir = mkdtempSync(join(tmpdir(), "dists-test-"));
  readonly pages = new Map<string, Page>();
  readonly remote = new Map<string, string>();
  /** URLs of pages read, in order. */
  readonly pageReads: string[] = [];
  /** URLs of archives fetched, in order. */
  readonly fetched: string[] = [];
  /** Paths of archives extracted, in order. */
  readonly extracted: string[] = [];
  /** Archive fetches under way, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** When set, every archive fetch waits for it. */
  gate?: Promise<void>;
  /** Page reads under way, and the most there ever were at once. */
  pagesInFlight = 0;
  maxPagesInFlight = 0;
  /** When set, every page read waits for it. */
  pageGate?: Promise<void>;

  /** Writes a fake archive at `path` (relative to the world) and returns it. */
  archive(path: string, files: Files | "corrupt"): string {
    const full = join(this.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    const body = files === "corrupt" ? { corrupt: true } : { files };
    writeFileSync(full, JSON.stringify(body));
    return full;
  }

  /** Serves `html` at `url`. */
  page(url: string, html: string, contentType = "text/html"): void {
    this.pages.set(url, { url, text: html, contentType });
  }

  /** Serves a fake archive at `url`. */
  remoteArchive(url: string, files: Files | "corrupt"): void {
    const name = url.split("/").pop()!;
    this.remote.set(
      url,
      this.archive(join("remote", String(this.remote.size), name), files),
    );
  }

  /** A link page listing `urls` relative to `base`. */
  linkPage(base: string, names: string[]): void {
    this.page(
      base,
      "<html><body>\n" +
        names.map((n) => `<a href="${n}">${n}</a><br>\n`).join("") +
        "</body></html>\n",
    );
  }

  readonly transport: DistTransport = {
    readPage: async (url) => {
      this.pageReads.push(url);
      if (this.pageGate) {
        this.pagesInFlight++;
        this.maxPagesInFlight = Math.max(
          this.maxPagesInFlight,
          this.pagesInFlight,
        );
        try {
          await this.pageGate;
        } finally {
          this.pagesInFlight--;
        }
      }
      return this.pages.get(url);
    },
    fetchArchive: async (url) => {
      // A local archive is used where it is, as without a download cache.
      if (url.startsWith("/")) return { path: url, isTemp: false };
      this.fetched.push(url);
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        await this.gate;
        // A turn of the event loop, as a real transfer takes.
        await new Promise((done) => setTimeout(done, 1));
      } finally {
        this.inFlight--;
      }
      const path = this.remote.get(url);
      if (!path) throw new UserError(`Couldn't download ${url}: 404`);
      return { path, isTemp: false };
    },
    allows: () => Promise.resolve(true),
    extract: (archive, destination) => {
      this.extracted.push(archive);
      const body = JSON.parse(readFileSync(archive, "utf8"));
      mkdirSync(destination);
      if (body.corrupt) {
        writeFileSync(join(destination, "partial"), "x");
        return Promise.reject(
          new UserError(`Couldn't extract ${archive}: unexpected end of data`),
        );
      }
      for (const [path, text] of Object.entries(body.files as Files)) {
        mkdirSync(dirname(join(destination, path)), { recursive: true });
        writeFileSync(join(destination, path), text);
      }
      return Promise.resolve();
    },
  };

  [Symbol.dispose](): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
