/**
 * The `<a href>` and `<base href>` tags of a plain HTML page, read with
 * regular expressions: link pages are long lists of plain tags, which this
 * reads in a fraction of htmlparser2's time. A page is plain when every
 * `<` opens a well-formed tag, an end tag or a `<!DOCTYPE>`, and nothing
 * needs decoding or changes how the rest is read (entities, comments,
 * CDATA, `<script>`, `<title>` and the like, SVG and MathML); for it the
 * result is exactly what htmlparser2 reports. Any other page is left to
 * htmlparser2.
 */

/** A tag that matters for links: its name and its trimmed, non-empty href. */
export type LinkTag = ["a" | "base", string];

const NOT_PLAIN =
  /&|<[!?](?![A-Za-z])|<(?:script|style|title|textarea|xmp|iframe|noembed|noframes|plaintext|svg|math)/i;

// White space as HTML (and htmlparser2) knows it.
const WS = "[\\t\\n\\f\\r ]";
const NAME = `[^\\t\\n\\f\\r "'<>/=]+`;
const VALUE = `"[^"]*"|'[^']*'|[^\\t\\n\\f\\r "'=<>\`]+`;
const ATTRIBUTE = `${WS}+${NAME}(?:${WS}*=${WS}*(?:${VALUE}))?`;
/** A start tag (name, attributes), an end tag or a declaration. */
const TAG = new RegExp(
  `<([A-Za-z][^\\t\\n\\f\\r />]*)((?:${ATTRIBUTE})*)${WS}*/?>` +
    `|</[A-Za-z][^<>]*>|<![A-Za-z][^<>]*>`,
  "y",
);
const ATTRIBUTES = new RegExp(
  `${WS}+(${NAME})(?:${WS}*=${WS}*(?:"([^"]*)"|'([^']*)'|([^\\t\\n\\f\\r "'=<>\`]+)))?`,
  "g",
);

/**
 * The link tags of `html` in document order, or undefined when the page
 * is not plain (see the module documentation).
 *
 * ```ts
 * plainLinks('<a href=" spam-1.tgz ">s</a><a name=x>') // [["a", "spam-1.tgz"]]
 * plainLinks("<a href='x?a=1&amp;b=2'>") // undefined: an entity
 * ```
 */
export function plainLinks(html: string): LinkTag[] | undefined {
  if (NOT_PLAIN.test(html)) return undefined;
  const tags: LinkTag[] = [];
  for (let at = html.indexOf("<"); at >= 0; at = html.indexOf("<", at)) {
    TAG.lastIndex = at;
    const match = TAG.exec(html);
    if (!match) return undefined;
    at = TAG.lastIndex;
    const name = match[1]?.toLowerCase();
    if (name !== "a" && name !== "base") continue;
    const href = firstHref(match[2])?.trim();
    if (href) tags.push([name, href]);
  }
  return tags;
}

/** The value of the first `href` attribute (names are case-insensitive). */
function firstHref(attributes: string): string | undefined {
  for (const attribute of attributes.matchAll(ATTRIBUTES)) {
    if (attribute[1].toLowerCase() === "href") {
      return attribute[2] ?? attribute[3] ?? attribute[4] ?? "";
    }
  }
  return undefined;
}
