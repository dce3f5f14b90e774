import assert from "node:assert/strict";
import {
  compareVersions,
  isFinal,
  isValidVersion,
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
