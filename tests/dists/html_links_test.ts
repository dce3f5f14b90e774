import assert from "node:assert/strict";
import { htmlLinks } from "../../lib/dists/html_links.ts";

Deno.test("links resolve against the page, entities decoded", async () => {
  const html = `<html><body>
<a href="demo-0.2.tgz">demo</a><br>
<A HREF='sub/spam-1.zip#md5=abc'>x</A>
<a href="/abs/x-1.tgz">y</a>
<a href="http://other/y-2.tgz">z</a>
<a href="q-1.tgz?a=1&amp;b=2">amp</a>
<a name="no-href">n</a>
</body></html>`;
  assert.deepEqual(await htmlLinks(html, "http://host/links/"), [
    "http://host/links/demo-0.2.tgz",
    "http://host/links/sub/spam-1.zip#md5=abc",
    "http://host/abs/x-1.tgz",
    "http://other/y-2.tgz",
    "http://host/links/q-1.tgz?a=1&b=2",
  ]);
});

Deno.test("<base href> changes where relative links point", async () => {
  const html = `<head><base href="http://cdn/dists/"></head>
<a href="spam-1.tgz">s</a>`;
  assert.deepEqual(await htmlLinks(html, "http://host/page"), [
    "http://cdn/dists/spam-1.tgz",
  ]);
});
