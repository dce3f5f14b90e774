/**
 * The links of an HTML page (`<a href>`), resolved against the page's
 * address or its `<base href>`, entities decoded (htmlparser2 does that;
 * a regular expression would not).
 */

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
  // Loaded on first use: most runs read no page.
  const { Parser } = await import("htmlparser2");
  let base = pageUrl;
  const hrefs: string[] = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      const href = attributes.href?.trim();
      if (!href) return;
      if (name === "a") hrefs.push(href);
      else if (name === "base" && !hrefs.length) {
        base = resolveUrl(href, pageUrl) ?? base;
      }
    },
  });
  parser.write(html);
  parser.end();
  const links: string[] = [];
  for (const href of hrefs) {
    const url = resolveUrl(href, base);
    if (url) links.push(url);
  }
  return links;
}

function resolveUrl(href: string, base: string): string | undefined {
  try {
    return new URL(href, base).href;
  } catch {
    return undefined;
  }
}
