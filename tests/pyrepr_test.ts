import assert from "node:assert/strict";
import { pyRepr } from "../lib/pyrepr.ts";

Deno.test("pyRepr quotes and escapes as Python 3's repr", () => {
  assert.equal(pyRepr("abc"), "'abc'");
  assert.equal(pyRepr("a\nb\tc\\"), "'a\\nb\\tc\\\\'");
  assert.equal(pyRepr("it's"), `"it's"`);
  assert.equal(pyRepr(`"it's"`), `'"it\\'s"'`);
  assert.equal(pyRepr("it's\r\n"), `"it's\\r\\n"`);
  assert.equal(pyRepr("a'\"\\\tb"), `'a\\'"\\\\\\tb'`);
  assert.equal(pyRepr("\x00\x7f"), "'\\x00\\x7f'");
  // Latin-1's controls, no-break space and soft hyphen: two hex digits.
  assert.equal(pyRepr("\x85\xa0\xad"), "'\\x85\\xa0\\xad'");
  assert.equal(pyRepr("é ü"), "'é ü'");
  assert.equal(pyRepr("\u2028"), "'\\u2028'");
});

Deno.test("pyRepr of plain ASCII only adds quotes", () => {
  assert.equal(pyRepr(""), "''");
  assert.equal(
    pyRepr(" ~!#$%&()*+,-./09:;<=>?@AZ[]^_`az{|}"),
    "' ~!#$%&()*+,-./09:;<=>?@AZ[]^_`az{|}'",
  );
  assert.equal(pyRepr('say "hi"'), `'say "hi"'`);
});
