import assert from "node:assert/strict";
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { arch, endianness, machine, release, tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import {
  _setPythonForTests,
  evaluateCondition,
  type PythonInfo,
} from "../../lib/config/condition.ts";
import { UserError } from "../../lib/errors.ts";

const PY311: PythonInfo = {
  versionInfo: [3, 11, 7, "final", 0],
  implementation: "CPython",
  implementationVersion: "3.11.7",
};
const PY27: PythonInfo = {
  versionInfo: [2, 7, 18, "final", 0],
  implementation: "CPython",
  implementationVersion: "2.7.18",
};
const PY313RC: PythonInfo = {
  versionInfo: [3, 13, 0, "candidate", 1],
  implementation: "CPython",
  implementationVersion: "3.13.0c1",
};

const linux = process.platform === "linux";
const windows = process.platform === "win32";
const bits64 = ["arm64", "loong64", "ppc64", "riscv64", "s390x", "x64"]
  .includes(arch());
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** Runs `fn` with the python probe replaced by `info`. */
function withPython(info: PythonInfo | null, fn: () => void): void {
  _setPythonForTests(info);
  try {
    fn();
  } finally {
    _setPythonForTests(undefined);
  }
}

function check(cases: [string, boolean][]): void {
  for (const [expression, expected] of cases) {
    assert.equal(evaluateCondition(expression), expected, expression);
  }
}

function throwsUserError(expression: string, message: RegExp): void {
  assert.throws(
    () => evaluateCondition(expression),
    (err: unknown) => err instanceof UserError && message.test(err.message),
    expression,
  );
}

Deno.test("python version names follow python3 on PATH", () => {
  withPython(PY311, () =>
    check([
      ["python3", true],
      ["python2", false],
      ["not python2", true],
      ["python27", false],
      ["python36", false],
      ["python310", false],
      ["python311", true],
      ["  python311  ", true],
      ["python315", false],
      ["cpython and not pypy", true],
      ["sys.version_info < (3,10)", false],
      ["sys.version_info >= (3, 8)", true],
      ["sys.version_info[:2] == (3, 11)", true],
      ["sys.version_info.major == 3", true],
      ["platform.python_version() == '3.11.7'", true],
    ]));
  withPython(PY27, () =>
    check([
      ["python2", true],
      ["python27", true],
      ["python3", false],
      ["sys.version_info < (3,10)", true],
    ]));
  withPython(
    { ...PY311, versionInfo: [3, 10, 2, "final", 0] },
    () => check([["python310", true], ["python31", false]]),
  );
});

Deno.test("python316..python319 are defined, as configparser.test's default-globals section expects", () => {
  // zc.buildout's configparser.test: `[s2: any([python2, python3, python24,
  // ..., python319])]` is kept, so every name up to python319 is defined.
  const names = ["python2", "python3"];
  for (const minor of [4, 5, 6, 7]) names.push(`python2${minor}`);
  for (let minor = 0; minor <= 19; minor++) names.push(`python3${minor}`);
  withPython(PY311, () => check([[`any([${names.join(", ")}])`, true]]));
  withPython(
    { ...PY311, versionInfo: [3, 19, 0, "final", 0] },
    () =>
      check([["python319", true], ["python316", false], ["python31", false]]),
  );
});

Deno.test("platform.python_version_tuple(), as in configparser.test's [s1: str(platform.python_version_tuple()[0]) in ('2', '3',)]", () => {
  withPython(PY311, () =>
    check([
      ["str(platform.python_version_tuple()[0]) in ('2', '3',)", true],
      ["platform.python_version_tuple() == ('3', '11', '7')", true],
    ]));
  withPython(
    PY313RC,
    () =>
      check([["platform.python_version_tuple() == ('3', '13', '0rc1')", true]]),
  );
});

Deno.test("without python3 every python name is false", () => {
  withPython(null, () =>
    check([
      ["python3", false],
      ["python2", false],
      ["python311", false],
      ["cpython", false],
      ["sys.version_info == (0, 0, 0, 'final', 0)", true],
      ['python_version == "0.0"', true],
    ]));
});

Deno.test("platform names come from node:os", () => {
  check([
    ["bits64", bits64],
    ["bits32", !bits64],
    ["posix", !windows],
    ["windows", windows],
    ["linux", linux],
    ["little_endian", endianness() === "LE"],
    ["big_endian", endianness() === "BE"],
    [
      'linux and platform.machine() == "x86_64"',
      linux && machine() === "x86_64",
    ],
    ['linux and platform.machine() == "i386"', linux && machine() === "i386"],
    [
      "not linux or platform.machine() != 'riscv64'",
      !linux || machine() !== "riscv64",
    ],
    ['os.path.isdir("/tmp") and linux', isDir("/tmp") && linux],
    ["os.name == 'posix'", !windows],
    [`sys.platform == ${JSON.stringify(process.platform)}`, true],
    [`platform.release() == ${JSON.stringify(release())}`, true],
  ]);
});

Deno.test("list comprehensions, slices and list comparison", () => {
  const [major, minor] = release().split(".").slice(0, 2).map(Number);
  check([
    [
      '[int(q) for q in platform.release().split(".")[:2]]<[4,14]',
      major < 4 || (major === 4 && minor < 14),
    ],
    ["[int(q) for q in '4.9.0'.split('.')[:2]] < [4, 14]", true],
    ["[int(q) for q in '4.14'.split('.') if q != '4'] == [14]", true],
    ["[1, 2] < [1, 2, 0]", true],
    ["(1, 'a') < (1, 'b')", true],
    ["'abcdef'[1:4] == 'bcd' and 'abc'[::-1] == 'cba'", true],
    ["'abc'[-1] == 'c'", true],
    ["any(x > 2 for x in [1, 2, 3]) and not all([1, 0])", true],
    ["len(' a  b '.split()) == 2 and ' x '.strip() == 'x'", true],
    ["'A-b'.lower().startswith(('x', 'a-'))", true],
  ]);
});

Deno.test("python operators keep python semantics", () => {
  check([
    ["(0 or '') == ''", true],
    ["('a' and [1]) == [1]", true],
    ["[] or ()", false],
    ["1 < 2 < 3", true],
    ["3 > 2 > 2", false],
    ["'in' in 'inside' and 4 not in (1, 2)", true],
    ["None is None and 1 is not None", true],
    ["-1 < 0 == False", true],
    ["True == 1", true],
    ["str(3) == '3' and str(None) == 'None'", true],
    ["'a\\x23b' == 'a#b' and r'\\n' != '\\n'", true],
    ["int(' 42 ') == 42 and bool('') == False", true],
    ["tuple([1]) == (1,) and list((1,)) == [1]", true],
    ["re.match('lin', 'linux') and not re.match('nux', 'linux')", true],
    ["re.search('nux', 'linux').group(0) == 'nux'", true],
    ["re.match('(?i)LIN(?P<rest>.*)\\Z', 'linux').group(1) == 'ux'", true],
  ]);
});

Deno.test("arithmetic follows Python's (zc.buildout's configparser.test: [s1: 2 + 2 == 4])", () => {
  check([
    ["2 + 2 == 4", true],
    ["2 + 2 == 5", false],
    ["41 + 1 == 42", true],
    ["1 + 2 * 3 - 4 / 2 == 5", true],
    ["not 1 + 1 == 2", false],
    ["-7 // 2 == -4 and -7 % 3 == 2 and 7 % -3 == -2 and 7.5 // 2 == 3", true],
    ["-2 ** 2 == -4 and 2 ** 3 ** 2 == 512 and 2 ** -1 == 0.5", true],
    ["- -1 == 1 and +True == 1 and True + True == 2", true],
    ["(1, 2) + (3,) == (1, 2, 3) and [1] * 2 == [1, 1]", true],
    ["3 * 'ab' == 'ababab' and 'a' + 'b' == 'ab' and 'a' * -1 == ''", true],
    ["sys.maxsize > 2 ** 32", bits64],
    ["sys.version_info[:2] + (0,) >= (2, 0, 0)", true],
  ]);
  throwsUserError("1 / 0", /^division by zero$/);
  throwsUserError("1 // 0", /^integer division or modulo by zero$/);
  throwsUserError("1 % 0", /^integer division or modulo by zero$/);
  throwsUserError("0 ** -1", /^0\.0 cannot be raised to a negative power$/);
  throwsUserError(
    "1 - 'a'",
    /^unsupported operand type\(s\) for -: 'int' and 'str'$/,
  );
  throwsUserError(
    "'a' + 1",
    /^unsupported operand type\(s\) for \+: 'str' and 'int'$/,
  );
  throwsUserError("'a' * 'b'", /^can't multiply sequence by non-int/);
  throwsUserError("+'a'", /^bad operand type for unary \+: 'str'$/);
  throwsUserError("'%s' % 1", /^string formatting .*not supported/);
  throwsUserError("(-8) ** 0.5", /complex/);
  throwsUserError("'ab' * 10 ** 9", /too large/);
});

Deno.test("conditional expressions: x if c else y", () => {
  check([
    ["1 if True else 0", true],
    ["1 if False else 0", false],
    ["(python2 if False else linux) == linux", true],
    ["0 if False else 1 if False else 2", true],
    ["[x for x in [0, 1, 2] if x if x > 1] == [2]", true],
    ["[(1 if x else 0) for x in [0, 2]] == [0, 1]", true],
    ["not (1 if True else 0)", false],
  ]);
  throwsUserError("1 if True", /^invalid syntax in condition: 1 if True$/);
});

Deno.test("valid Python the evaluator does not implement is called unsupported, not invalid or undefined", () => {
  throwsUserError(
    "max(1, 2) == 2",
    /^the builtin 'max' is not supported in conditions$/,
  );
  throwsUserError(
    "hasattr(sys, 'pypy_version_info')",
    /^the builtin 'hasattr' is not supported in conditions$/,
  );
  throwsUserError(
    "[x for x in 'ab' for y in 'c']",
    /^unsupported syntax in condition/,
  );
  throwsUserError("x for x in 'ab'", /^unsupported syntax in condition/);
  throwsUserError("for", /^invalid syntax in condition/);
  throwsUserError("nosuchname", /^name 'nosuchname' is not defined$/);
});

Deno.test("number literals follow Python's grammar", () => {
  check([
    ["0x_1f == 31 and 0o17 == 15 and 0b_1 == 1 and 0X1F == 31", true],
    ["1_000 == 1000 and 00 == 0 and 0_0 == 0 and 09.5 == 9.5", true],
    ["1e1_0 == 10000000000 and 1_0.5 == 10.5 and .5e1 == 5 and 1. == 1", true],
  ]);
  for (const literal of ["01", "1_", "1__0", "0b2", "0o8", "0x1__0", "1._5"]) {
    throwsUserError(literal, /^invalid syntax in condition/);
  }
});

Deno.test("string escapes follow Python's", () => {
  check([
    ["'\\a\\b\\f\\v' == '\\x07\\x08\\x0c\\x0b'", true],
    ["'\\U00000041' == 'A' and len('\\U0001F600') == 1", true],
    ["r'\\x4' == '\\\\x4' and '\\q' == '\\\\q'", true],
  ]);
  for (const escape of ["\\x4", "\\u12", "\\U0041", "\\U00110000"]) {
    throwsUserError(`'${escape}'`, /^invalid escape \\[xuU]/);
  }
  throwsUserError("'\\N{DIGIT ONE}' == '1'", /\\N\{\.\.\.\} .*not supported/);
});

Deno.test("triple-quoted strings are one literal", () => {
  check([
    [`r'''\\d''' == '\\\\d' and R"""\\n""" == '\\\\n'`, true],
    [`'''it's''' == "it's" and """say "hi\\"""" == 'say "hi"'`, true],
    [`'''''' == '' and '' '' == ''`, true],
  ]);
  throwsUserError(`'''a'`, /^invalid syntax/);
});

Deno.test("files: os.path, os.access and open().read()", () => {
  const dir = mkdtempSync(join(tmpdir(), "condition-"));
  try {
    const model = join(dir, "model");
    writeFileSync(model, "Olimex OLinuXino A20\n");
    const p = JSON.stringify;
    check([
      [`os.path.isdir(${p(dir)}) and not os.path.isfile(${p(dir)})`, true],
      [`os.path.isfile(${p(model)}) and os.path.exists(${p(model)})`, true],
      [`os.path.exists(${p(join(dir, "nope"))})`, false],
      [
        `os.path.isdir(${p(dir)}) and os.access(${p(model)}, os.R_OK) and ` +
        `'OLinuXino' in open(${p(model)}).read()`,
        true,
      ],
    ]);
    // The corpus expression, evaluated against this machine.
    const modelPath = "/proc/device-tree/model";
    let expected = isDir("/usr/lib/arm-linux-gnueabihf");
    try {
      accessSync(modelPath, constants.R_OK);
      expected &&= readFileSync(modelPath, "utf8").includes("OLinuXino");
    } catch {
      expected = false;
    }
    check([[
      "os.path.isdir('/usr/lib/arm-linux-gnueabihf') and " +
      "os.access('/proc/device-tree/model', os.R_OK) and " +
      "'OLinuXino' in open('/proc/device-tree/model').read()",
      expected,
    ]]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

Deno.test("the probe asks the python3 on PATH", () => {
  _setPythonForTests(undefined);
  const run = spawnSync("python3", [
    "-c",
    "import sys; print('%d.%d' % sys.version_info[:2])",
  ], { encoding: "utf8" });
  const version = run.error || run.status !== 0 ? "0.0" : run.stdout.trim();
  const [major, minor] = version.split(".");
  check([
    ["python3", major === "3"],
    [`python${major}${minor}`, version !== "0.0"],
    [`python_version == ${JSON.stringify(version)}`, true],
    [`sys.version_info[:2] == (${major}, ${minor})`, true],
  ]);
});

Deno.test("PEP 508 markers are tried first", () => {
  withPython(PY311, () =>
    check([
      ['python_version >= "3.13"', false],
      ['python_version >= "3.14"', false],
      ["python_version >= '3.9' and python_version < '3.12'", true],
      ['python_version > "3.9"', true], // a version, not a string, comparison
      ['python_full_version == "3.11.*"', true],
      ['python_full_version ~= "3.11.0"', true],
      ['python_full_version ~= "3.10.0"', false],
      ['platform_system == "msdos"', false],
      ['"linux" in sys_platform', linux],
      ['"3.11" in python_full_version', true], // substrings, both ways
      ['python_version in "3.10 3.11 3.12"', true],
      ['sys_platform not in "win32 cygwin"', !windows],
      ['implementation_name == "cpython"', true],
      ['platform_python_implementation === "CPython"', true],
      [`platform_machine == ${JSON.stringify(machine())}`, true],
      [
        '(os_name == "nt" or os_name == "posix") and python_version != "2.7"',
        true,
      ],
    ]));
  withPython(PY313RC, () =>
    check([
      ['python_version >= "3.13"', true],
      ['python_full_version >= "3.13.0"', false],
      ['python_full_version >= "3.13.0b4"', true],
    ]));
});

Deno.test("errors are UserErrors", () => {
  withPython(PY311, () => {
    throwsUserError("condition", /^name 'condition' is not defined$/);
    // PEP 508 has no `is`: Python's, for which the marker name is undefined.
    throwsUserError(
      'sys_platform is "linux"',
      /^name 'sys_platform' is not defined$/,
    );
    throwsUserError("1 +", /syntax in condition: 1 \+$/);
    throwsUserError(
      "python3 and",
      /^invalid syntax in condition: python3 and$/,
    );
    throwsUserError("(python3", /invalid syntax/);
    throwsUserError("python3 $", /invalid syntax/);
    throwsUserError("lambda: 1", /^unsupported syntax in condition/);
    throwsUserError("{1: 2}", /^unsupported syntax in condition/);
    throwsUserError("python_version ~= '3' and linux", /invalid syntax/);
    throwsUserError("sys.nope", /module 'sys' has no attribute 'nope'/);
    throwsUserError("'a'.nope()", /'str' object has no attribute 'nope'/);
    throwsUserError("int('x')", /invalid literal for int\(\)/);
    throwsUserError(
      "[1] < (1,)",
      /'<' not supported between 'list' and 'tuple'/,
    );
    throwsUserError("python3()", /'bool' object is not callable/);
    throwsUserError("len()", /len\(\) takes 1 arguments \(0 given\)/);
    throwsUserError("open('/nonexistent/file').read()", /cannot open/);
    throwsUserError('"unterminated', /invalid syntax/);
  });
});
