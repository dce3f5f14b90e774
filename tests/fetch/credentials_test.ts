/** Credentials of a URL: the header they make, the redirects they follow. */
import assert from "node:assert/strict";
import { redirectTarget } from "../../lib/fetch/credentials.ts";

Deno.test("a redirect on the same server keeps the credentials, to another never", () => {
  const from = "http://me:pw@h:8080/a";
  assert.equal(
    redirectTarget(from, "http://h:8080/a/"),
    "http://me:pw@h:8080/a/",
  );
  assert.equal(
    redirectTarget(from, "http://other:8080/a/"),
    "http://other:8080/a/",
  );
  assert.equal(redirectTarget(from, "http://h:8081/a/"), "http://h:8081/a/");
  assert.equal(redirectTarget(from, "https://h:8080/a/"), "https://h:8080/a/");
  assert.equal(
    redirectTarget(from, "http://u:x@h:8080/"),
    "http://u:x@h:8080/",
  );
  // Up to https on the default ports, as pip allows; never down to http.
  assert.equal(
    redirectTarget("http://me:pw@h/a", "https://h/a"),
    "https://me:pw@h/a",
  );
  assert.equal(redirectTarget("https://me:pw@h/a", "http://h/a"), "http://h/a");
});

Deno.test("up to https carries the credentials only between default ports", () => {
  assert.equal(
    redirectTarget("http://me:pw@h/a", "https://h:8443/a"),
    "https://h:8443/a",
  );
  assert.equal(
    redirectTarget("http://me:pw@h:8080/a", "https://h/a"),
    "https://h/a",
  );
});
