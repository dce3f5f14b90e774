import assert from "node:assert/strict";
import { checkOptions } from "../../lib/recipe/check_options.ts";
import { Logger } from "../../lib/log.ts";

Deno.test("checkOptions takes the options as written, undefined ones, and a class instance's own fields but not its methods", () => {
  class Checked {
    md5 = "d41d8cd98f00b204e9800998ecf8427e";
    describe() {
      return `md5 ${this.md5}`;
    }
  }
  checkOptions("download", new Checked());
  checkOptions("download", {
    path: "out.txt",
    hashName: true,
    sha256: undefined,
    logger: new Logger("part"),
  });
  checkOptions("extract", {});
  checkOptions("extract", {
    stripTopLevelDir: "auto",
    excludes: ["*.pyc"],
    onCreating: () => {},
  });
});

Deno.test("checkOptions refuses a logger without the methods a download calls, and excludes that are not all strings", () => {
  for (const logger of [{ info() {} }, { debug() {} }]) {
    assert.throws(
      () => checkOptions("download", { logger }),
      new TypeError(
        "Download option 'logger' must be a logger, such as " +
          "buildout.logger(name): download() was given object",
      ),
    );
  }
  assert.throws(
    () => checkOptions("extract", { excludes: ["*.pyc", /\.pyo$/] }),
    new TypeError(
      "Extract option 'excludes' must be an array of strings: extract() " +
        "was given an array",
    ),
  );
});

Deno.test("checkOptions refuses an array as the options, and a name every object inherits as an option", () => {
  assert.throws(
    () => checkOptions("download", []),
    new TypeError(
      "Download options must be an object, such as { md5 }: download() " +
        "was given an array",
    ),
  );
  assert.throws(
    () => checkOptions("extract", { constructor: "x" }),
    new TypeError(
      "Unknown extract option 'constructor': extract() takes " +
        "stripTopLevelDir, excludes, onUnpacked, onExisting and onCreating",
    ),
  );
});
