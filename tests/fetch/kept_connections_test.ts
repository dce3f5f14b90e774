/** `keepsConnection` (lib/fetch/kept_connections.ts): the first few servers only. */
import assert from "node:assert/strict";
import { keepsConnection } from "../../lib/fetch/kept_connections.ts";

Deno.test("connections stay open to the first four servers asked, and to no other", () => {
  const first = [
    "https://pypi.org/simple/spam/",
    "https://files.example/a.tgz",
    "http://127.0.0.1:8080/x",
    "http://127.0.0.1:8081/y",
  ];
  for (const url of first) assert.equal(keepsConnection(url), true, url);
  // Another port, or another scheme, is another server.
  assert.equal(keepsConnection("http://127.0.0.1:8082/x"), false);
  assert.equal(keepsConnection("http://pypi.org/simple/spam/"), false);
  assert.equal(keepsConnection("https://pypi.org/simple/eggs/"), true);
  assert.equal(keepsConnection("http://127.0.0.1:8080/other"), true);
});
