import assert from "node:assert/strict";
import { carriedAssignments } from "../../lib/commands/carried_assignments.ts";
import { UserError } from "../../lib/errors.ts";

Deno.test("the assignments offline.cfg carries: merged as the command line merges them, the run's own settings left out", () => {
  const carried = carriedAssignments(
    [
      { section: "buildout", option: "parts", value: "a" },
      { section: "buildout", option: "offline", value: "false" },
      { section: "buildout", option: "verbosity", value: "10" },
      { section: "buildout", option: "newest+", value: "x" },
      { section: "a", option: "port", value: "80" },
      { section: "buildout", option: "parts", value: "b" },
      { section: "a", option: "eggs-", value: "spam" },
    ],
    "/srv",
    "/srv",
  );
  assert.deepEqual(
    carried.sections,
    new Map([
      ["buildout", new Map([["parts", "b"]])],
      ["a", new Map([["port", "80"], ["eggs-", "spam"]])],
    ]),
  );
  assert.deepEqual(carried.words, [
    "buildout:parts=b",
    "a:port=80",
    "a:eggs-=spam",
  ]);
});

Deno.test("files the command line extends are named from the buildout directory, URLs as given, the last assignment winning", () => {
  const carried = carriedAssignments(
    [
      { section: "buildout", option: "extends", value: "old.cfg" },
      {
        section: "buildout",
        option: "extends",
        value: "app/prod.cfg  http://h/v.cfg",
      },
    ],
    "/srv",
    "/srv/app",
  );
  assert.deepEqual(carried.extends, ["prod.cfg", "http://h/v.cfg"]);
  assert.deepEqual(carried.extendedFiles, ["/srv/app/prod.cfg"]);
  assert.deepEqual(carried.words, [
    "'buildout:extends=prod.cfg http://h/v.cfg'",
  ]);
});

Deno.test("an assignment offline.cfg would read otherwise is refused, naming it", () => {
  for (
    const [section, value] of [["a", "1\n2"], ["a", "1\r2"], ["a]b", "1"]]
  ) {
    assert.throws(
      () =>
        carriedAssignments([{ section, option: "x", value }], "/srv", "/srv"),
      (err: unknown) =>
        err instanceof UserError &&
        err.message.startsWith("bundle can't carry the assignment ") &&
        !err.message.includes("\n"),
    );
  }
});
