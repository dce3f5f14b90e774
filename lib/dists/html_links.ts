/**
 * The links of an HTML page (`<a href>`), resolved against the page's
 * address or its `<base href>`, entities decoded (htmlparser2 does that;
 * a regular expression would not, so only plain pages are read without
 * it: see `_plain_links.ts`).
 */
import { type LinkTag, plainLinks } from "./_plain_links.ts";

/**
 * Absolute URLs of the page's `<a href>` links, in document order; hrefs
 * that do not form a URL are skipped.
 *
 * ```ts
 * await htmlLinks('<a href="spam-1.tgz">', "http://host/dist/")
 * // ["http://host/dist/spam-1.tgz"]
 * ```
 */
export async function htmlLinks(
  html: string,
  pageUrl: string,
): Promise<string[]> {
  const tags = plainLinks(html) ?? await parsedLinks(html);
  let base = pageUrl;
  const links: string[] = [];
  let linked = false;
  for (const [name, href] of tags) {
    if (name === "a") {
      linked = true;
      const url = resolveUrl(href, base);
      if (url) links.push(url);
    } else if (!linked) {
      base = resolveUrl(href, pageUrl) ?? base;
    }
  }
  return links;
}

/** @internal the link tags of any page, through htmlparser2. */
export async function parsedLinks(html: string): Promise<LinkTag[]> {
  // Loaded on first use: most runs read no page.
  const { Parser } = await import("htmlparser2");
  const tags: LinkTag[] = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      const href = attributes.href?.trim();
      if (href && (name === "a" || name === "base")) tags.push([name, href]);
    },
  });
  parser.write(html);
  parser.end();
  return tags;
}

function resolveUrl(href: string, base: string): string | undefined {
  try {
    return new URL(href, base).href;
  } catch {
    return undefined;
  }
}
