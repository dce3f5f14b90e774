import assert from "node:assert/strict";
import {
  compareVersions,
  isFinal,
  isValidVersion,
  satisfiesSpecifier,
} from "../../lib/dists/version.ts";

Deno.test("PEP 440 ordering, including npm-style pre-releases", () => {
  assert.ok(compareVersions("0.4c1", "0.4") < 0);
  assert.ok(compareVersions("0.4c1", "0.3") > 0);
  assert.ok(compareVersions("1.0.0-beta.1", "1.0.0") < 0);
  assert.ok(compareVersions("1.0.0-beta.1", "1.0.0-beta.2") < 0);
  assert.ok(compareVersions("1.10", "1.9") > 0);
  assert.equal(compareVersions("1.0", "1.0.0"), 0);
  assert.ok(compareVersions("1.0.post1", "1.0") > 0);
  assert.ok(compareVersions("1.0.dev1", "1.0a1") < 0);
});

Deno.test("final releases exclude alphas, betas, candidates and dev", () => {
  assert.ok(isFinal("1.0"));
  assert.ok(isFinal("1.0.post2"));
  for (const v of ["0.4c1", "1.2c1", "1.0.0-beta.1", "2a1", "1.0.dev3"]) {
    assert.ok(!isFinal(v), v);
  }
});

Deno.test("validity", () => {
  assert.ok(isValidVersion("1.0.0-rc.1"));
  assert.ok(isValidVersion("2"));
  assert.ok(!isValidVersion("latest"));
  assert.ok(!isValidVersion("1.0-py2.4"));
});

Deno.test("exclusive > and < follow PEP 440, not whole releases", () => {
  const ok = (version: string, specifier: string) =>
    satisfiesSpecifier(version, specifier);
  assert.ok(ok("1.0", ">1.0a1"));
  assert.ok(ok("1.0b3", ">1.0b2"));
  assert.ok(ok("2!1.0a5", ">1.0c1"));
  assert.ok(ok("1.0.post2", ">1.0.post1"));
  assert.ok(!ok("1.0.post1", ">1.0"));
  assert.ok(!ok("1.0+local", ">1.0"));
  assert.ok(ok("1.0", "<1.0.post1"));
  assert.ok(ok("1.0a1", "<1.0b1"));
  assert.ok(!ok("1.0a1", "<1.0"));
  assert.ok(!ok("1.0.dev1", "<1.0"));
});

Deno.test("prefix matches pad the release with zeros; === is exact", () => {
  assert.ok(satisfiesSpecifier("1", "==1.0.*"));
  assert.ok(satisfiesSpecifier("2b1", "==2.0.*"));
  assert.ok(!satisfiesSpecifier("2", "!=2.0.*"));
  assert.ok(satisfiesSpecifier("1", "~=1.0.0"));
  assert.ok(!satisfiesSpecifier("1!1.0", "==1.*"));
  assert.ok(!satisfiesSpecifier("1.0+local", "===1.0"));
});

Deno.test("versions with numbers past 2^53 are not accepted", () => {
  assert.ok(isValidVersion("9007199254740991"));
  assert.ok(!isValidVersion("9007199254740993"));
  assert.ok(!isValidVersion("1000000000000000000000.1"));
  assert.ok(!isValidVersion("1.0+build.1000000000000000000000"));
});

// Expected orders and matches are those of Python's `packaging` 26.
Deno.test("ordering and normalisation agree with packaging", () => {
  const cases: Array<[string, string, number]> = [
    ["1.0", "1.0.0", 0],
    ["1.0.0.0", "1", 0],
    ["1.0-rc1", "1.0rc1", 0],
    ["1.0c1", "1.0rc1", 0],
    ["1.0alpha1", "1.0a1", 0],
    ["1.0-1", "1.0.post1", 0],
    ["1.0_dev_1", "1.0.dev1", 0],
    ["v1.0", "1.0", 0],
    ["01.0", "1.0", 0],
    ["1.0a", "1.0a0", 0],
    ["1.0.post", "1.0.post0", 0],
    ["0!1.0", "1.0", 0],
    ["1.0+ABC", "1.0+abc", 0],
    ["1.0.dev0", "1.0a1", -1],
    ["1.0a1.dev1", "1.0a1", -1],
    ["1.0a1", "1.0a1.post1", -1],
    ["1.0a1.post1", "1.0b1", -1],
    ["1.0.post1.dev1", "1.0.post1", -1],
    ["1.0", "1.0.post1.dev1", -1],
    ["1.0", "1.0+abc", -1],
    ["1.0+abc", "1.0+abc.1", -1],
    ["1.0+abc.1", "1.0+abc.2", -1],
    ["1.0+abc.5", "1.0+1", -1],
    ["1.0.post1", "1.1.dev1", -1],
    ["2012.10", "1!0.1", -1],
    ["1!0.1", "2.0", 1],
    ["1.10", "1.9", 1],
  ];
  for (const [a, b, order] of cases) {
    assert.equal(Math.sign(compareVersions(a, b)), order, `${a} vs ${b}`);
  }
});

Deno.test("specifier matches agree with packaging", () => {
  const cases: Array<[string, string, boolean]> = [
    ["1.5", "==1.*", true],
    ["2.0", "==1.*", false],
    ["1.0a1", "==1.*", true],
    ["1.0.5", "==1.0.*", true],
    ["1.1", "==1.0.*", false],
    ["1", "==1.0.*", true],
    ["1.0.post1", "==1.0.*", true],
    ["1.0+abc", "==1.0.*", true],
    ["1.5", "!=1.*", false],
    ["2.0", "!=1.*", true],
    ["1.1", "!=1.0.*", true],
    ["1!1.2", "==1!1.*", true],
    ["1.2", "==1!1.*", false],
    ["1.9", "~=1.4", true],
    ["2.0", "~=1.4", false],
    ["1.3", "~=1.4", false],
    ["1.4.9", "~=1.4.5", true],
    ["1.5.0", "~=1.4.5", false],
    ["2.9", "~=2.2.post3", true],
    ["2.2", "~=2.2.post3", false],
    ["1.0", "~=1.0a1", true],
    ["1.0a0", "~=1.0a1", false],
    ["1!1.5", "~=1!1.0", true],
    ["1.5", "~=1!1.0", false],
    ["1.0", "===1.0", true],
    ["1.0.0", "===1.0", false],
    ["1.0+local", "===1.0", false],
    ["1.0+abc", "==1.0", true],
    ["1.0+abc", "==1.0+abc", true],
    ["1.0", "==1.0+abc", false],
    ["1.0+abc.1", "==1.0+abc", false],
    ["1.0+abc", "!=1.0", false],
    ["1.0", "!=1.0+abc", true],
    ["1.0+abc", "!=1.0+abc", false],
    ["1.0", "==1.0.0", true],
    ["1.0rc1", "==1.0-rc1", true],
    ["1.0rc1", "==1.0c1", true],
    ["1.0.post1", "==1.0", false],
    ["1.0.post1", ">1.0", false],
    ["1.0+abc", ">1.0", false],
    ["1.0.1", ">1.0", true],
    ["1.1.dev1", ">1.0", true],
    ["1.0.post2", ">1.0.post1", true],
    ["1.0", ">1.0a1", true],
    ["1.0a1.post1", ">1.0a1", false],
    ["1.0a1", ">1.0.dev0", true],
    ["2.0", ">1!0", false],
    ["1.0a1", "<1.0", false],
    ["1.0.dev1", "<1.0", false],
    ["0.9", "<1.0", true],
    ["0.9.dev1", "<1.0", true],
    ["1.0b1", "<1.0rc1", true],
    ["1.0", "<1.0.post1", true],
    ["1.0a1", "<1.0.post1", true],
    ["1.0+abc", "<=1.0", true],
    ["1.0+abc", ">=1.0", true],
    ["1.5", ">=1.0,<2.0", true],
    ["2.0a1", ">=1.0,<2.0", false],
    ["1.5.0", ">=1.0,!=1.5", false],
    ["0.9.1", ">0.9,<1.0", true],
    ["0.9.post1", ">0.9,<1.0", false],
  ];
  for (const [version, specifier, match] of cases) {
    assert.equal(
      satisfiesSpecifier(version, specifier),
      match,
      `${version} ${specifier}`,
    );
  }
});
