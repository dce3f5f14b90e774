/** Credentials of URLs hidden in printed text. */
import assert from "node:assert/strict";
import { redactPasswords } from "../lib/redact_passwords.ts";

Deno.test("a URL's password is replaced, its user and the rest kept", () => {
  assert.equal(
    redactPasswords("Downloading https://me:s3cret@host:8080/x.tgz"),
    "Downloading https://me:****@host:8080/x.tgz",
  );
  assert.equal(
    redactPasswords("from 'http://a:b@h1/' and 'http://c:d@h2/'"),
    "from 'http://a:****@h1/' and 'http://c:****@h2/'",
  );
});

Deno.test("an unescaped @ in the password does not leave its tail", () => {
  assert.equal(
    redactPasswords("http://u:p@ss@host/a@b"),
    "http://u:****@host/a@b",
  );
});

Deno.test("quotes in a password or user are hidden with it", () => {
  assert.equal(
    redactPasswords(
      `Couldn't download "http://u:it's@host/x" in offline mode.`,
    ),
    `Couldn't download "http://u:****@host/x" in offline mode.`,
  );
  assert.equal(
    redactPasswords(`'http://u:p"w@host/x'`),
    `'http://u:****@host/x'`,
  );
  assert.equal(
    redactPasswords("Error downloading http://it's:pw@host/x: HTTP Error 404"),
    "Error downloading http://it's:****@host/x: HTTP Error 404",
  );
});

Deno.test("an http user name alone is a token and is hidden", () => {
  assert.equal(
    redactPasswords("https://ghp_token@github.com/x"),
    "https://****@github.com/x",
  );
  assert.equal(
    redactPasswords("ssh://git@github.com/x"),
    "ssh://git@github.com/x",
  );
});

Deno.test("text without credentials is unchanged", () => {
  for (
    const text of ["https://host/x@y", "file:///a@b", "mail me@host", "plain"]
  ) {
    assert.equal(redactPasswords(text), text);
  }
});

Deno.test("a password with spaces, as written in a configuration, is hidden whole", () => {
  assert.equal(
    redactPasswords("Error downloading http://me:pa ss@host/x.tgz: refused"),
    "Error downloading http://me:****@host/x.tgz: refused",
  );
  assert.equal(
    redactPasswords("'https://me:a  b c@host/x' and https://u:p w@h/"),
    "'https://me:****@host/x' and https://u:****@h/",
  );
  assert.equal(
    redactPasswords("https://me:p%20w@host/x"),
    "https://me:****@host/x",
  );
});

Deno.test("a password written with a raw /, ? or # is hidden, a port and its path kept", () => {
  assert.equal(
    redactPasswords(
      "Error downloading http://me:ab/cd@host/x.tgz: invalid URL",
    ),
    "Error downloading http://me:****@host/x.tgz: invalid URL",
  );
  assert.equal(
    redactPasswords("url = https://me:a?b#c/d@host/x and http://u:#@h/"),
    "url = https://me:****@host/x and http://u:****@h/",
  );
  for (const text of ["http://host:8080/a@b", "https://h:1/?to=me@host"]) {
    assert.equal(redactPasswords(text), text);
  }
});
