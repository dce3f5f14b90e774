/**
 * `plainLinks` (lib/dists/_plain_links.ts): on plain pages exactly the tags
 * htmlparser2 reports; anything it could misread is left to htmlparser2.
 */
import assert from "node:assert/strict";
import { parsedLinks } from "../../lib/dists/html_links.ts";
import { plainLinks } from "../../lib/dists/_plain_links.ts";

const PLAIN = [
  '<html><body>\n<a href="demo-0.2.tgz">demo</a><br>\n</body></html>\n',
  '<!DOCTYPE html>\n<html><head><meta name="api-version" value="2" />' +
  "</head><body><h1>Links for demo</h1>\n" +
  '<a href="../../d/demo-1.0.tgz#sha256=ab12" data-requires-python="3">' +
  "demo-1.0.tgz</a><br/>\n</body></html>",
  "<A HREF='UPPER-1.tgz'>x</A><a\nhref\n=\n\"spaced-1.tgz\"\n>y</a>",
  "<a href=unquoted-1.tgz>u</a><a href=slash/x-1.tgz/>s</a>",
  '<a name=first href=" padded-1.tgz ">p</a><a href="one" HREF="two">d</a>',
  "<a href>empty</a><a href=''>also</a><a>none</a><abbr href=x>no</abbr>",
  '<area href="map"><base href="http://cdn/"><a href="after">a</a>',
  '<p class="x>y">gt in a value</p><a href="q?x=1>2">q</a></a foo>',
  "text > with angle brackets, and \"quotes\" and 'apostrophes'",
  "",
];

const NOT_PLAIN = [
  '<a href="x?a=1&amp;b=2">entity</a>',
  "<!-- <a href=hidden> --><a href=shown>s</a>",
  "<script>var s = \"<a href='y'>\";</script><a href=z>z</a>",
  "<title><a href=t></title>",
  "<textarea><a href=t></textarea>",
  "1 < 2 <a href=x>x</a>",
  '<a href="x"title="no space">x</a>',
  "<a href='unterminated>x</a>",
  '<?xml version="1.0"?><a href=x>x</a>',
  "<svg><a href=x>x</a></svg>",
  "<![CDATA[<a href=x>]]>",
  "<a / href=x>x</a>",
  "<a href=x",
];

Deno.test("plain pages give exactly what htmlparser2 reads", async () => {
  for (const html of PLAIN) {
    assert.deepEqual(plainLinks(html), await parsedLinks(html), html);
  }
  assert.deepEqual(plainLinks(PLAIN[4]), [["a", "padded-1.tgz"], ["a", "one"]]);
});

Deno.test("pages it could misread are left to htmlparser2", () => {
  for (const html of NOT_PLAIN) {
    assert.equal(plainLinks(html), undefined, html);
  }
});
