/** An in-memory ConfigSource for unit tests of the config engine. */
import { type ConfigSource, UrlNotFound } from "../../lib/config/load.ts";

/**
 * Files by absolute path or URL; `urls` records the URLs read. A URL not
 * given is not found.
 */
export function fakeSource(
  files: Record<string, string>,
  conditions: Record<string, boolean> = {},
): ConfigSource & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    readFile: (path) => files[path],
    readUrl: (url) => {
      urls.push(url);
      const text = files[url];
      return text === undefined
        ? Promise.reject(new UrlNotFound(url, `no ${url}`))
        : Promise.resolve(text);
    },
    evaluate: (expression) => {
      if (expression in conditions) return conditions[expression];
      throw new Error(`unexpected condition ${expression}`);
    },
  };
}
