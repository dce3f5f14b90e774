/**
 * Conditional section headers, `[name:expr]`, as zc.buildout >= 3 evaluates
 * them: as a PEP 508 environment marker when the expression is one, otherwise
 * as a Python expression over zc.buildout's `_default_globals` (`python3`,
 * `linux`, `bits64`, modules `sys`, `os`, `platform`, `re`...).
 *
 * The Python side is a small interpreter (tokenizer, recursive-descent parser,
 * evaluator) for the expression subset found in real configurations; there is
 * no `eval`. Platform facts come from `node:` modules only, so this also runs
 * in the Bun-compiled executable. Python facts come from the `python3` on
 * PATH, probed once and only when a condition needs them.
 */
import { spawnSync } from "node:child_process";
import { accessSync, readFileSync, statSync } from "node:fs";
import * as nodeOs from "node:os";
import process from "node:process";
import { clipped, fsReason, isStackOverflow, UserError } from "../errors.ts";

/** What a Python interpreter reports about itself. */
export interface PythonInfo {
  /** `sys.version_info`, e.g. `[3, 11, 7, "final", 0]`. */
  versionInfo: [number, number, number, string, number];
  /** `platform.python_implementation()`: `CPython`, `PyPy`... */
  implementation: string;
  /** PEP 508 `implementation_version`, e.g. `3.11.7`. */
  implementationVersion: string;
}

/** Stands for a missing `python3`: every `pythonXY` name is then false. */
const NO_PYTHON: PythonInfo = {
  versionInfo: [0, 0, 0, "final", 0],
  implementation: "",
  implementationVersion: "0.0.0",
};

// `undefined` means "not probed yet", `null` means "no python3 on PATH".
let probed: PythonInfo | null | undefined;

/**
 * Replaces the `python3` probe: `null` acts as if there were no python3 on
 * PATH, `undefined` restores probing on next use. For tests only.
 */
export function _setPythonForTests(info: PythonInfo | null | undefined): void {
  probed = info;
}

const PROBE = "import json, platform, sys; i = sys.implementation.version; " +
  "print(json.dumps([list(sys.version_info), platform.python_implementation()," +
  " '%d.%d.%d' % tuple(i[:3]) + ('' if i.releaselevel == 'final'" +
  " else i.releaselevel[0] + str(i.serial))]))";

function python(): PythonInfo {
  if (probed === undefined) {
    probed = null;
    const run = spawnSync("python3", ["-c", PROBE], { encoding: "utf8" });
    if (!run.error && run.status === 0) {
      try {
        const [versionInfo, implementation, implementationVersion] = JSON
          .parse(run.stdout);
        probed = { versionInfo, implementation, implementationVersion };
      } catch {
        // An unparsable answer is treated like a missing interpreter.
      }
    }
  }
  return probed ?? NO_PYTHON;
}

/** `platform.python_version()`: `3.11.7`, `3.13.0rc1`. */
function pythonVersion(): string {
  const [a, b, c, level, serial] = python().versionInfo;
  const pre = ["alpha", "beta", "candidate"].indexOf(level);
  return `${a}.${b}.${c}` + (pre < 0 ? "" : ["a", "b", "rc"][pre] + serial);
}

// node's platform names are Python's `sys.platform` for linux, win32, darwin
// and cygwin, which is what conditions test; Solaris is "sunos5" in Python.
const sysPlatform = () =>
  process.platform === "sunos" ? "sunos5" : process.platform;
const osName = () => process.platform === "win32" ? "nt" : "posix";
const platformSystem = () =>
  nodeOs.type() === "Windows_NT" ? "Windows" : nodeOs.type();
const BITS64 = ["arm64", "loong64", "ppc64", "riscv64", "s390x", "x64"];
const bits64 = () => BITS64.includes(nodeOs.arch());

// ---------------------------------------------------------------- values

/** A Python tuple; `fields` names its items like a named tuple. */
class Tuple {
  constructor(readonly items: Value[], readonly fields: string[] = []) {}
}
/** A module (when `module` is set) or object with lazy attributes. */
class Namespace {
  constructor(
    readonly type: string,
    readonly attrs: Record<string, () => Value>,
    readonly module = "",
  ) {}
  get label(): string {
    return this.module ? `module '${this.module}'` : `'${this.type}' object`;
  }
}
class Func {
  constructor(readonly name: string, readonly call: (a: Value[]) => Value) {}
}
type PyObject = Tuple | Namespace | Func;
// Python ints and floats share the JS number; lists are JS arrays.
type Value = null | boolean | number | string | Value[] | PyObject;

function fail(message: string): never {
  throw new UserError(message);
}

/** A builtin function taking `min` to `max` positional arguments. */
function fn(name: string, min: number, max: number, body: Func["call"]) {
  return new Func(name, (args) => {
    if (args.length < min || args.length > max) {
      const expected = min === max ? min : `${min} to ${max}`;
      fail(`${name}() takes ${expected} arguments (${args.length} given)`);
    }
    return body(args);
  });
}

function typeName(v: Value): string {
  if (v === null) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "list";
  if (v instanceof Tuple) return "tuple";
  return v instanceof Namespace ? v.type : "builtin_function_or_method";
}

function repr(v: Value): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") {
    return `'${v.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
  }
  if (Array.isArray(v)) return `[${v.map(repr).join(", ")}]`;
  if (v instanceof Tuple) {
    const items = v.items.map(repr);
    return `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
  }
  if (v instanceof Namespace) return `<${v.label}>`;
  return v instanceof Func ? `<built-in function ${v.name}>` : String(v);
}

function truthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Tuple) return v.items.length > 0;
  return v !== null && v !== false && v !== 0 && v !== "";
}

const isNum = (v: Value): v is number | boolean =>
  typeof v === "number" || typeof v === "boolean";

function str(v: Value, what: string): string {
  if (typeof v !== "string") fail(`${what} must be str, not ${typeName(v)}`);
  return v;
}

function int(v: Value, what: string): number {
  if (!isNum(v) || !Number.isInteger(Number(v))) {
    fail(`${what} must be int, not ${typeName(v)}`);
  }
  return Number(v);
}

function iterate(v: Value): Value[] {
  if (typeof v === "string") return [...v];
  if (Array.isArray(v)) return v;
  if (v instanceof Tuple) return v.items;
  return fail(`'${typeName(v)}' object is not iterable`);
}

/** The items of two lists or two tuples, which compare item by item. */
function sequences(a: Value, b: Value): [Value[], Value[]] | null {
  if (Array.isArray(a) && Array.isArray(b)) return [a, b];
  if (a instanceof Tuple && b instanceof Tuple) return [a.items, b.items];
  return null;
}

function equals(a: Value, b: Value): boolean {
  if (isNum(a) && isNum(b)) return Number(a) === Number(b);
  const seqs = sequences(a, b);
  if (!seqs) return a === b;
  const [x, y] = seqs;
  return x.length === y.length && x.every((item, i) => equals(item, y[i]));
}

/** Python's ordering of numbers, strings and sequences: <0, 0 or >0. */
function order(a: Value, b: Value, op: string): number {
  if (isNum(a) && isNum(b)) return Number(a) - Number(b);
  if (typeof a === "string" && typeof b === "string") {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const seqs = sequences(a, b) ??
    fail(`'${op}' not supported between '${typeName(a)}' and '${typeName(b)}'`);
  const [x, y] = seqs;
  const i = x.findIndex((item, j) => j >= y.length || !equals(item, y[j]));
  if (i < 0) return x.length - y.length;
  return i < y.length ? order(x[i], y[i], op) : 1;
}

function contains(container: Value, item: Value): boolean {
  if (typeof container === "string") {
    return container.includes(str(item, "left operand of 'in <string>'"));
  }
  if (Array.isArray(container) || container instanceof Tuple) {
    return iterate(container).some((x) => equals(x, item));
  }
  return fail(`argument of type '${typeName(container)}' is not iterable`);
}

function compare(a: Value, op: string, b: Value): boolean {
  if (op === "==" || op === "!=") return equals(a, b) === (op === "==");
  if (op === "in" || op === "not in") return contains(b, a) === (op === "in");
  if (op === "is" || op === "is not") return (a === b) === (op === "is");
  const c = order(a, b, op);
  return op === "<"
    ? c < 0
    : op === "<="
    ? c <= 0
    : op === ">"
    ? c > 0
    : c >= 0;
}

// Python would build any size; a condition has no use for one this large.
const MAX_REPEAT = 10_000_000;

/** `seq * times`, Python's repetition of a str, list or tuple. */
function repeat(seq: string | Value[] | Tuple, times: Value): Value {
  if (!isNum(times) || !Number.isInteger(Number(times))) {
    fail(`can't multiply sequence by non-int of type '${typeName(times)}'`);
  }
  const n = Math.max(0, Number(times));
  if (n * (typeof seq === "string" ? seq : iterate(seq)).length > MAX_REPEAT) {
    fail(`the result of * is too large for a condition (${n} times)`);
  }
  if (typeof seq === "string") return seq.repeat(n);
  const items = iterate(seq);
  const out: Value[] = [];
  for (let i = 0; i < n; i++) for (const item of items) out.push(item);
  return Array.isArray(seq) ? out : new Tuple(out);
}

const isSequence = (v: Value): v is string | Value[] | Tuple =>
  typeof v === "string" || Array.isArray(v) || v instanceof Tuple;

/** Python's `+ - * / // % **` on two numbers (ints and floats alike). */
function numeric(op: string, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      if (b === 0) fail("division by zero");
      return a / b;
    case "//":
    case "%": {
      if (b === 0) fail("integer division or modulo by zero");
      if (op === "//") return Math.floor(a / b);
      // Python's remainder takes the sign of the divisor.
      const r = a % b;
      return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
    }
    default:
      if (a === 0 && b < 0) fail("0.0 cannot be raised to a negative power");
      if (a < 0 && !Number.isInteger(b)) {
        fail(
          "a negative number to a fractional power is complex, not supported in conditions",
        );
      }
      return a ** b;
  }
}

function arithmetic(op: string, a: Value, b: Value): Value {
  if (isNum(a) && isNum(b)) return numeric(op, Number(a), Number(b));
  if (op === "+") {
    if (typeof a === "string" && typeof b === "string") return a + b;
    const seqs = sequences(a, b);
    if (seqs) {
      const items = [...seqs[0], ...seqs[1]];
      return Array.isArray(a) ? items : new Tuple(items);
    }
  }
  if (op === "*" && isSequence(a)) return repeat(a, b);
  if (op === "*" && isSequence(b)) return repeat(b, a);
  if (op === "%" && typeof a === "string") {
    fail("string formatting with % is not supported in conditions");
  }
  return fail(
    `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${
      typeName(b)
    }'`,
  );
}

function subscript(obj: Value, key: Value): Value {
  if (
    typeof obj !== "string" && !Array.isArray(obj) && !(obj instanceof Tuple)
  ) {
    fail(`'${typeName(obj)}' object is not subscriptable`);
  }
  const items = iterate(obj);
  const i = int(key, `${typeName(obj)} index`);
  const at = i < 0 ? i + items.length : i;
  if (at < 0 || at >= items.length) fail(`${typeName(obj)} index out of range`);
  return items[at];
}

function slice(obj: Value, lo: Value, hi: Value, stepValue: Value): Value {
  const items = iterate(obj);
  const len = items.length;
  const step = stepValue === null ? 1 : int(stepValue, "slice step");
  if (step === 0) fail("slice step cannot be zero");
  // Python clamps slice bounds; a negative step walks down from the end.
  const bound = (v: Value, dflt: number, min: number, max: number) => {
    if (v === null) return dflt;
    const i = int(v, "slice index");
    return Math.min(Math.max(i < 0 ? i + len : i, min), max);
  };
  const [start, stop] = step > 0
    ? [bound(lo, 0, 0, len), bound(hi, len, 0, len)]
    : [bound(lo, len - 1, -1, len - 1), bound(hi, -1, -1, len - 1)];
  const out: Value[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(items[i]);
  }
  if (typeof obj === "string") return out.join("");
  return obj instanceof Tuple ? new Tuple(out) : out;
}

// ---------------------------------------------------------------- str methods

function split(s: string, sep: Value, maxValue: Value): string[] {
  const max = int(maxValue, "maxsplit");
  if (sep !== null) {
    const by = str(sep, "separator");
    if (by === "") fail("empty separator");
    const parts = s.split(by);
    if (max < 0 || parts.length <= max + 1) return parts;
    return [...parts.slice(0, max), parts.slice(max).join(by)];
  }
  // Without a separator Python splits on whitespace runs and drops empties.
  const out: string[] = [];
  let rest = s.trimStart();
  for (let m; rest && (max < 0 || out.length < max);) {
    if (!(m = /\s+/.exec(rest))) break;
    out.push(rest.slice(0, m.index));
    rest = rest.slice(m.index + m[0].length);
  }
  return rest ? [...out, rest] : out;
}

function strip(s: string, chars: Value): string {
  const set = chars === null ? null : str(chars, "strip arg");
  const drop = (c: string) => set === null ? /\s/.test(c) : set.includes(c);
  let a = 0;
  let b = s.length;
  while (a < b && drop(s[a])) a++;
  while (b > a && drop(s[b - 1])) b--;
  return s.slice(a, b);
}

const affixes = (v: Value) =>
  v instanceof Tuple ? v.items.map((x) => str(x, "affix")) : [str(v, "affix")];

type Method = [
  min: number,
  max: number,
  body: (s: string, a: Value[]) => Value,
];
const STR_METHODS: Record<string, Method> = {
  split: [0, 2, (s, [sep = null, max = -1]) => split(s, sep, max)],
  startswith: [1, 1, (s, [p]) => affixes(p).some((x) => s.startsWith(x))],
  endswith: [1, 1, (s, [p]) => affixes(p).some((x) => s.endsWith(x))],
  strip: [0, 1, (s, [chars = null]) => strip(s, chars)],
  lower: [0, 0, (s) => s.toLowerCase()],
};

function getAttr(obj: Value, name: string): Value {
  if (obj instanceof Namespace && Object.hasOwn(obj.attrs, name)) {
    return obj.attrs[name]();
  }
  if (typeof obj === "string" && Object.hasOwn(STR_METHODS, name)) {
    const [min, max, body] = STR_METHODS[name];
    return fn(name, min, max, (args) => body(obj, args));
  }
  if (obj instanceof Tuple && obj.fields.includes(name)) {
    return obj.items[obj.fields.indexOf(name)];
  }
  const what = obj instanceof Namespace
    ? obj.label
    : `'${typeName(obj)}' object`;
  return fail(`${what} has no attribute '${name}' supported in conditions`);
}

// ---------------------------------------------------------------- modules

/** A module whose functions are `[name, min, max, body]`. */
function pyModule(
  name: string,
  values: Record<string, () => Value>,
  functions: [string, number, number, Func["call"]][] = [],
): Namespace {
  const attrs = { ...values };
  for (const [f, min, max, body] of functions) {
    attrs[f] = () => fn(f, min, max, body);
  }
  return new Namespace("module", attrs, name);
}

function stat(p: Value) {
  const path = str(p, "path");
  try {
    return statSync(path);
  } catch {
    return undefined; // os.path.* answer False on any OSError
  }
}

const OS_PATH = pyModule("os.path", {}, [
  ["exists", 1, 1, ([p]) => stat(p) !== undefined],
  ["isdir", 1, 1, ([p]) => stat(p)?.isDirectory() ?? false],
  ["isfile", 1, 1, ([p]) => stat(p)?.isFile() ?? false],
]);

function access([p, mode]: Value[]): boolean {
  const path = str(p, "path");
  try {
    accessSync(path, int(mode, "mode"));
    return true;
  } catch {
    return false;
  }
}

const OS = pyModule("os", {
  name: osName,
  sep: () => process.platform === "win32" ? "\\" : "/",
  path: () => OS_PATH,
  F_OK: () => 0,
  R_OK: () => 4,
  W_OK: () => 2,
  X_OK: () => 1,
}, [["access", 2, 2, access]]);

const VERSION_FIELDS = ["major", "minor", "micro", "releaselevel", "serial"];
const SYS = pyModule("sys", {
  platform: sysPlatform,
  version_info: () => new Tuple([...python().versionInfo], VERSION_FIELDS),
  maxsize: () => bits64() ? 2 ** 63 - 1 : 2 ** 31 - 1,
});

const PLATFORM = pyModule("platform", {}, [
  ["machine", 0, 0, () => nodeOs.machine()],
  ["system", 0, 0, platformSystem],
  ["release", 0, 0, () => nodeOs.release()],
  ["python_version", 0, 0, pythonVersion],
  // `('3', '13', '0rc1')`, Python's `python_version().split('.')`.
  ["python_version_tuple", 0, 0, () => new Tuple(pythonVersion().split("."))],
  ["python_implementation", 0, 0, () => python().implementation],
]);

// Python-only spellings of string anchors and named groups.
const RE_SPELLINGS: Record<string, string> = {
  "\\A": "(?<![\\s\\S])",
  "\\Z": "(?![\\s\\S])",
  "(?P<": "(?<",
};

/** `re.match` (anchored, via the sticky flag) or `re.search`. */
function reFunction(anchored: boolean): Func["call"] {
  return ([p, s]) => {
    const pattern = str(p, "pattern");
    // `\\.` keeps other escapes whole.
    const source = pattern.replace(
      /\\[AZ]|\\.|\(\?P<|\(\?P=(\w+)\)/gs,
      (m, name) => RE_SPELLINGS[m] ?? (name ? `\\k<${name}>` : m),
    );
    // A leading `(?i)`, `(?m)` or `(?s)` becomes a JS flag.
    const inline = /^\(\?([ims]+)\)/.exec(source);
    const flags = (inline?.[1] ?? "") + (anchored ? "y" : "");
    let re: RegExp;
    try {
      re = new RegExp(source.slice(inline?.[0].length), flags);
    } catch (err) {
      return fail(
        `bad regular expression ${repr(p)}: ${(err as Error).message}`,
      );
    }
    const m = re.exec(str(s, "string"));
    return m && new Namespace("re.Match", {
      group: () => fn("group", 0, 1, ([g = 0]) => m[int(g, "group")] ?? null),
    });
  };
}

const RE = pyModule("re", {}, [
  ["match", 2, 2, reFunction(true)],
  ["search", 2, 2, reFunction(false)],
]);

function open([p, mode = "r"]: Value[]): Value {
  if (mode !== "r") fail(`open() mode ${repr(mode)} is not supported`);
  const path = str(p, "path");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return fail(`cannot open ${repr(path)}: ${fsReason(err)}`);
  }
  return new Namespace("TextIOWrapper", {
    read: () => fn("read", 0, 0, () => text),
  });
}

function toInt([v = 0]: Value[]): number {
  if (isNum(v)) return Math.trunc(Number(v));
  const s = str(v, "int() argument").trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(s)) {
    fail(`invalid literal for int() with base 10: ${repr(v)}`);
  }
  return parseInt(s.replaceAll("_", ""), 10);
}

const BUILTINS: Record<string, Func> = {
  int: fn("int", 0, 1, toInt),
  str: fn("str", 0, 1, ([v = ""]) => typeof v === "string" ? v : repr(v)),
  len: fn("len", 1, 1, ([v]) => iterate(v).length),
  any: fn("any", 1, 1, ([v]) => iterate(v).some(truthy)),
  all: fn("all", 1, 1, ([v]) => iterate(v).every(truthy)),
  bool: fn("bool", 0, 1, ([v = false]) => truthy(v)),
  tuple: fn("tuple", 0, 1, ([v = []]) => new Tuple([...iterate(v)])),
  list: fn("list", 0, 1, ([v = []]) => [...iterate(v)]),
  open: fn("open", 1, 2, open),
};

const pythonIs = (major: number, minor?: number) => () => {
  const [a, b] = python().versionInfo;
  return a === major && (minor === undefined || b === minor);
};
const implementationIs = (name: string) => () =>
  python().implementation === name;
const platformHas = (part: string) => () => sysPlatform().includes(part);

/** zc.buildout's `_default_globals`, computed on lookup. */
const GLOBALS: Record<string, () => Value> = {
  sys: () => SYS,
  os: () => OS,
  platform: () => PLATFORM,
  re: () => RE,
  python2: pythonIs(2),
  python3: pythonIs(3),
  cpython: implementationIs("CPython"),
  pypy: implementationIs("PyPy"),
  jython: implementationIs("Jython"),
  ironpython: implementationIs("IronPython"),
  linux: platformHas("linux"),
  windows: platformHas("win32"),
  cygwin: platformHas("cygwin"),
  solaris: platformHas("sunos"),
  macosx: platformHas("darwin"),
  posix: () => osName() === "posix",
  bits32: () => !bits64(),
  bits64,
  little_endian: () => nodeOs.endianness() === "LE",
  big_endian: () => nodeOs.endianness() === "BE",
};
// python24..python27, python30..python319 (zc.buildout's current configparser.test)
for (const minor of [4, 5, 6, 7]) {
  GLOBALS[`python2${minor}`] = pythonIs(2, minor);
}
for (let minor = 0; minor <= 19; minor++) {
  GLOBALS[`python3${minor}`] = pythonIs(3, minor);
}

// ---------------------------------------------------------------- tokens

interface Token {
  kind: "num" | "str" | "name" | "op" | "end";
  /** Source text, or the decoded value of a string literal. */
  text: string;
}

// Python's numeric literals: an underscore only between digits, no leading
// zero on a non-zero decimal integer. A literal the grammar stops short of
// (`0b2`, `01`, `1_`) leaves a token the parser refuses, as Python does.
const DIGITS = /\d(?:_?\d)*/.source;
const EXPONENT = `[eE][+-]?${DIGITS}`;
const NUMBER = [
  /0[xX](?:_?[\da-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+/.source,
  `(?:(?:${DIGITS})?\\.${DIGITS}|${DIGITS}\\.)(?:${EXPONENT})?`,
  `${DIGITS}${EXPONENT}`,
  /[1-9](?:_?\d)*|0(?:_?0)*/.source,
].join("|");

const TOKEN_RE = new RegExp(
  [
    /\s+/,
    new RegExp(`(?<num>${NUMBER})`),
    // Three quotes always open a triple-quoted string, never `''` and `'`.
    /(?<prefix>[rRuU]?)(?<quote>'''|"""|'(?!'')|"(?!""))(?<body>(?:\\[\s\S]|(?!\k<quote>)[^\\])*)\k<quote>/,
    /(?<name>[A-Za-z_]\w*)/,
    // `~=` and `===` only exist in markers.
    /(?<op>===|~=|\*\*|\/\/|[=!<>]=|[-+*/%<>()[\]{},.:~|&^@=])/,
  ].map((re) => re.source).join("|"),
  "y",
);

// `\\<newline>` continues a line; `\\\\`, `\\'` and `\\"` are the character.
const ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\n": "",
};

function unescape(body: string): string {
  return body.replace(
    /\\(x[\da-fA-F]{2}|u[\da-fA-F]{4}|U[\da-fA-F]{8}|[0-7]{1,3}|[\s\S])/g,
    (m, e: string) => {
      if (/^[xuU]./.test(e)) {
        const code = parseInt(e.slice(1), 16);
        if (code > 0x10ffff) fail(`invalid escape ${m}: not a code point`);
        return String.fromCodePoint(code);
      }
      if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
      if ("\\'\"".includes(e)) return e;
      // Python refuses these unless complete; `\N{...}` needs Unicode names.
      if ("xuU".includes(e)) fail(`invalid escape ${m}: truncated`);
      if (e === "N") fail("\\N{...} escapes are not supported in conditions");
      return ESCAPES[e] ?? m; // Python keeps unknown escapes as written
    },
  );
}

/** Returns null on a character no Python token starts with. */
function tokenize(source: string): Token[] | null {
  const tokens: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  while (TOKEN_RE.lastIndex < source.length) {
    const g = TOKEN_RE.exec(source)?.groups;
    if (!g) return null;
    if (g.num) tokens.push({ kind: "num", text: g.num });
    else if (g.quote) {
      const text = /r/i.test(g.prefix) ? g.body : unescape(g.body);
      tokens.push({ kind: "str", text });
    } else if (g.name) tokens.push({ kind: "name", text: g.name });
    else if (g.op) tokens.push({ kind: "op", text: g.op });
  }
  tokens.push({ kind: "end", text: "" });
  return tokens;
}

// ---------------------------------------------------------------- parser

type Node =
  | { t: "const"; v: Value }
  | { t: "name"; id: string }
  | { t: "attr"; obj: Node; name: string }
  | { t: "call"; fn: Node; args: Node[] }
  | { t: "index"; obj: Node; key: Node }
  | { t: "slice"; obj: Node; bounds: (Node | null)[] }
  | { t: "list" | "tuple"; items: Node[] }
  | { t: "comp"; elt: Node; name: string; iter: Node; conds: Node[] }
  | { t: "not" | "neg" | "pos"; x: Node }
  | { t: "arith"; op: string; l: Node; r: Node }
  | { t: "and" | "or"; l: Node; r: Node }
  | { t: "if"; test: Node; body: Node; orelse: Node }
  | { t: "cmp"; first: Node; ops: string[]; rest: Node[] };

const KEYWORDS = new Set(
  ("and as assert async await break class continue def del elif else except " +
    "finally for from global if import in is lambda nonlocal not or pass " +
    "raise return try while with yield").split(" "),
);
// Valid Python that this subset does not implement.
const UNSUPPORTED = new Set("{ @ ~ | & ^ = lambda".split(" "));
// Python's builtins that BUILTINS lacks: using one is not a typo.
const OTHER_BUILTINS = new Set(
  ("abs aiter anext ascii bin breakpoint bytearray bytes callable chr " +
    "classmethod compile complex copyright credits delattr dict dir divmod " +
    "enumerate eval exec exit filter float format frozenset getattr globals " +
    "hasattr hash help hex id input isinstance issubclass iter license " +
    "locals map max memoryview min next object oct ord pow print property " +
    "quit range repr reversed round set setattr slice sorted staticmethod " +
    "sum super type vars zip Ellipsis NotImplemented").split(" "),
);
const ADDITIVE = ["+", "-"];
const MULTIPLICATIVE = ["*", "/", "//", "%"];
const CONSTANTS = new Map<string, Value>(
  [["True", true], ["False", false], ["None", null]],
);
const COMPARISONS = new Set(["<", "<=", "==", "!=", ">=", ">"]);
const MARKER_OPS = new Set(["~=", "==="]);

/** Whether `t` is the operator or keyword `text` (not a literal spelling it). */
const isWord = (t: Token, text: string) =>
  (t.kind === "op" || t.kind === "name") && t.text === text;

/**
 * Parses the Python expression subset. With `markerOps`, PEP 508's `~=` and
 * `===` are accepted too, for trying the expression as a marker first.
 */
class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    private readonly markerOps = false,
  ) {}

  parse(): Node {
    const node = this.expr();
    // zc.buildout evaluates `[expr]`, so a bare `x for x in y` is valid there.
    if (this.peek().kind !== "end") this.fail(isWord(this.peek(), "for"));
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }
  private accept(text: string): boolean {
    if (!isWord(this.peek(), text)) return false;
    this.pos++;
    return true;
  }
  private expect(text: string): void {
    if (!this.accept(text)) this.fail();
  }
  private fail(unsupported = false): never {
    const t = this.peek();
    const what = unsupported || (t.kind !== "str" && UNSUPPORTED.has(t.text))
      ? "unsupported"
      : "invalid";
    return fail(`${what} syntax in condition: ${clipped(this.source)}`);
  }

  /** The comma-separated items from `first` to `close`. */
  private items(first: Node, close: string): Node[] {
    const items = [first];
    while (this.accept(",") && !isWord(this.peek(), close)) {
      items.push(this.expr());
    }
    this.expect(close);
    return items;
  }
  /** `first for x in ...` up to `close`; generators are evaluated as lists. */
  private generator(elt: Node, close: string): Node | null {
    if (!this.accept("for")) return null;
    const target = this.peek();
    if (target.kind !== "name" || KEYWORDS.has(target.text)) this.fail();
    this.pos++;
    this.expect("in");
    // Python reads `... in y if c` as a filter, not `y if c else ...`.
    const iter = this.orTest();
    const conds: Node[] = [];
    while (this.accept("if")) conds.push(this.orTest());
    // A second `for` clause.
    if (isWord(this.peek(), "for")) this.fail(true);
    this.expect(close);
    return { t: "comp", elt, name: target.text, iter, conds };
  }

  private expr(): Node {
    const body = this.orTest();
    if (!this.accept("if")) return body;
    const test = this.orTest();
    this.expect("else");
    return { t: "if", test, body, orelse: this.expr() };
  }
  private orTest(): Node {
    return this.chain("or", () => this.chain("and", () => this.notTest()));
  }
  private chain(t: "and" | "or", operand: () => Node): Node {
    let l = operand();
    while (this.accept(t)) l = { t, l, r: operand() };
    return l;
  }
  private notTest(): Node {
    if (this.accept("not")) return { t: "not", x: this.notTest() };
    return this.comparison();
  }
  private comparison(): Node {
    const first = this.arith();
    const ops: string[] = [];
    const rest: Node[] = [];
    for (let op; (op = this.comparisonOp());) {
      this.pos += op.includes(" ") ? 2 : 1;
      ops.push(op);
      rest.push(this.arith());
    }
    return ops.length ? { t: "cmp", first, ops, rest } : first;
  }
  private comparisonOp(): string | null {
    const [t, next] = [this.peek(), this.tokens[this.pos + 1]];
    if (isWord(t, "not") && isWord(next, "in")) return "not in";
    if (isWord(t, "is")) return isWord(next, "not") ? "is not" : "is";
    if (isWord(t, "in")) return "in";
    if (t.kind !== "op") return null;
    const marker = this.markerOps && MARKER_OPS.has(t.text);
    return COMPARISONS.has(t.text) || marker ? t.text : null;
  }
  private arith(): Node {
    return this.binary(
      ADDITIVE,
      () => this.binary(MULTIPLICATIVE, () => this.unary()),
    );
  }
  /** Left-associative operators `ops` between `operand`s. */
  private binary(ops: string[], operand: () => Node): Node {
    let l = operand();
    for (let op; (op = ops.find((o) => isWord(this.peek(), o)));) {
      this.pos++;
      l = { t: "arith", op, l, r: operand() };
    }
    return l;
  }
  private unary(): Node {
    if (this.accept("-")) return { t: "neg", x: this.unary() };
    if (this.accept("+")) return { t: "pos", x: this.unary() };
    return this.power();
  }
  /** `**` binds tighter than a unary minus on its left, not on its right. */
  private power(): Node {
    const base = this.trailers(this.atom());
    if (!this.accept("**")) return base;
    return { t: "arith", op: "**", l: base, r: this.unary() };
  }
  private trailers(node: Node): Node {
    for (;;) {
      if (this.accept(".")) {
        const t = this.peek();
        if (t.kind !== "name") this.fail();
        this.pos++;
        node = { t: "attr", obj: node, name: t.text };
      } else if (this.accept("(")) {
        node = { t: "call", fn: node, args: this.args() };
      } else if (this.accept("[")) node = this.subscript(node);
      else return node;
    }
  }
  private args(): Node[] {
    if (this.accept(")")) return [];
    const first = this.expr();
    const generator = this.generator(first, ")");
    return generator ? [generator] : this.items(first, ")");
  }
  private subscript(obj: Node): Node {
    const optional = (...ends: string[]) =>
      ends.some((e) => isWord(this.peek(), e)) ? null : this.expr();
    const lo = optional(":");
    if (lo && this.accept("]")) return { t: "index", obj, key: lo };
    this.expect(":");
    const hi = optional(":", "]");
    const step = this.accept(":") ? optional("]") : null;
    this.expect("]");
    return { t: "slice", obj, bounds: [lo, hi, step] };
  }
  private atom(): Node {
    const t = this.peek();
    if (t.kind === "num") {
      this.pos++;
      return { t: "const", v: Number(t.text.replaceAll("_", "")) };
    }
    if (t.kind === "str") {
      let v = ""; // adjacent literals concatenate
      while (this.peek().kind === "str") v += this.tokens[this.pos++].text;
      return { t: "const", v };
    }
    if (t.kind === "name" && !KEYWORDS.has(t.text)) {
      this.pos++;
      const v = CONSTANTS.get(t.text);
      return v === undefined ? { t: "name", id: t.text } : { t: "const", v };
    }
    if (this.accept("(")) {
      if (this.accept(")")) return { t: "tuple", items: [] };
      const first = this.expr();
      if (this.accept(")")) return first;
      return this.generator(first, ")") ??
        { t: "tuple", items: this.items(first, ")") };
    }
    if (this.accept("[")) {
      if (this.accept("]")) return { t: "list", items: [] };
      const first = this.expr();
      return this.generator(first, "]") ??
        { t: "list", items: this.items(first, "]") };
    }
    return this.fail();
  }
}

// ---------------------------------------------------------------- evaluation

function lookup(id: string, scope: Map<string, Value>): Value {
  if (scope.has(id)) return scope.get(id) as Value;
  if (Object.hasOwn(GLOBALS, id)) return GLOBALS[id]();
  if (Object.hasOwn(BUILTINS, id)) return BUILTINS[id];
  if (OTHER_BUILTINS.has(id)) {
    fail(`the builtin '${id}' is not supported in conditions`);
  }
  return fail(`name '${id}' is not defined`);
}

function evaluate(node: Node, scope: Map<string, Value>): Value {
  const ev = (n: Node) => evaluate(n, scope);
  switch (node.t) {
    case "const":
      return node.v;
    case "name":
      return lookup(node.id, scope);
    case "attr":
      return getAttr(ev(node.obj), node.name);
    case "call": {
      const f = ev(node.fn);
      if (!(f instanceof Func)) fail(`'${typeName(f)}' object is not callable`);
      return f.call(node.args.map(ev));
    }
    case "index":
      return subscript(ev(node.obj), ev(node.key));
    case "slice": {
      const [lo, hi, step] = node.bounds.map((n) => n && ev(n));
      return slice(ev(node.obj), lo, hi, step);
    }
    case "list":
      return node.items.map(ev);
    case "tuple":
      return new Tuple(node.items.map(ev));
    case "comp":
      // The loop variable lives in the comprehension's own scope.
      return iterate(ev(node.iter)).flatMap((item) => {
        const inner = new Map(scope).set(node.name, item);
        const keep = node.conds.every((c) => truthy(evaluate(c, inner)));
        return keep ? [evaluate(node.elt, inner)] : [];
      });
    case "not":
      return !truthy(ev(node.x));
    case "neg":
    case "pos": {
      const x = ev(node.x);
      const op = node.t === "neg" ? "-" : "+";
      if (!isNum(x)) fail(`bad operand type for unary ${op}: '${typeName(x)}'`);
      return node.t === "neg" ? -Number(x) : Number(x);
    }
    case "arith":
      return arithmetic(node.op, ev(node.l), ev(node.r));
    case "if":
      return ev(truthy(ev(node.test)) ? node.body : node.orelse);
    case "and":
    case "or": {
      // Python's `and`/`or` return an operand, not a bool.
      const l = ev(node.l);
      return truthy(l) === (node.t === "and") ? ev(node.r) : l;
    }
    case "cmp": {
      // A chain `a < b < c` evaluates each operand once and stops early.
      let l = ev(node.first);
      for (let i = 0; i < node.ops.length; i++) {
        const r = ev(node.rest[i]);
        if (!compare(l, node.ops[i], r)) return false;
        l = r;
      }
      return true;
    }
  }
}

// ---------------------------------------------------------------- markers

const MARKER_VARS: Record<string, () => string> = {
  os_name: osName,
  sys_platform: sysPlatform,
  platform_machine: () => nodeOs.machine(),
  platform_release: () => nodeOs.release(),
  platform_system: platformSystem,
  platform_version: () => nodeOs.version(),
  python_version: () => python().versionInfo.slice(0, 2).join("."),
  python_full_version: pythonVersion,
  platform_python_implementation: () => python().implementation,
  implementation_name: () => python().implementation.toLowerCase(),
  implementation_version: () => python().implementationVersion,
};

/** A marker operand: a string literal or a marker variable. */
function markerValue(node: Node): (() => string) | null {
  if (node.t === "const" && typeof node.v === "string") {
    const v = node.v;
    return () => v;
  }
  const known = node.t === "name" && Object.hasOwn(MARKER_VARS, node.id);
  return known ? MARKER_VARS[node.id] : null;
}

/** A marker's evaluation, or null when `node` is not shaped like a marker. */
function asMarker(node: Node): (() => boolean) | null {
  if (node.t === "and" || node.t === "or") {
    const [l, r] = [asMarker(node.l), asMarker(node.r)];
    if (!l || !r) return null;
    return node.t === "and" ? () => l() && r() : () => l() || r();
  }
  if (node.t !== "cmp" || node.ops.length !== 1) return null;
  const [lhs, op, rhs] = [
    markerValue(node.first),
    node.ops[0],
    markerValue(node.rest[0]),
  ];
  if (!lhs || !rhs || op.startsWith("is")) return null;
  return () => markerOp(lhs(), op, rhs());
}

interface Version {
  release: number[];
  /** Pre-release kind (a, b, rc, final) and number, as sortable numbers. */
  pre: [number, number];
}

/** A release with an optional pre-release: `3.13`, `3.13.0rc1`. */
function parseVersion(text: string): Version | null {
  const m = /^v?(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?$/.exec(text.trim());
  if (!m) return null;
  // A final release sorts after its pre-releases.
  const pre = m[2] ? ["a", "b", "rc"].indexOf(m[2]) : 3;
  return {
    release: m[1].split(".").map(Number),
    pre: [pre, Number(m[3] ?? 0)],
  };
}

/**
 * packaging's `_eval_op`: a version comparison when both sides are versions,
 * otherwise the string operator. Versions with post, dev or local parts, and
 * PEP 440's pre-release exclusions, are not handled.
 */
function markerOp(lhs: string, op: string, rhs: string): boolean {
  if (op === "in" || op === "not in") {
    return rhs.includes(lhs) === (op === "in");
  }
  if (op === "===") return lhs === rhs;
  const wildcard = (op === "==" || op === "!=") && rhs.endsWith(".*");
  const spec = parseVersion(wildcard ? rhs.slice(0, -2) : rhs);
  const have = parseVersion(lhs);
  if (!spec || !have) {
    if (op === "~=") fail(`invalid version in marker: ${rhs}`);
    return compare(lhs, op, rhs);
  }
  const prefix = (n: number) =>
    spec.release.slice(0, n).every((x, i) => (have.release[i] ?? 0) === x);
  if (wildcard) return prefix(spec.release.length) === (op === "==");
  const len = Math.max(spec.release.length, have.release.length);
  const key = (v: Version) => [
    ...Array.from({ length: len }, (_, i) => v.release[i] ?? 0),
    ...v.pre,
  ];
  const c = order(new Tuple(key(have)), new Tuple(key(spec)), op);
  if (op !== "~=") return compare(c, op, 0);
  if (spec.release.length < 2) fail(`invalid version in marker: ~=${rhs}`);
  return c >= 0 && prefix(spec.release.length - 1);
}

/**
 * Evaluates the expression of a conditional section header `[name:expr]`.
 *
 * @throws {UserError} for invalid, unsupported or failing expressions, and
 *   for nesting deeper than the stack (Python refuses it too).
 */
export function evaluateCondition(expression: string): boolean {
  try {
    return evaluateExpression(expression.trim());
  } catch (err) {
    if (isStackOverflow(err)) fail("the expression is nested too deeply");
    throw err;
  }
}

function evaluateExpression(source: string): boolean {
  const tokens = tokenize(source) ??
    fail(`invalid syntax in condition: ${clipped(source)}`);
  let marker: Node | undefined;
  try {
    marker = new Parser(tokens, source, true).parse();
  } catch {
    // Not even a marker; the Python parser below reports why.
  }
  const markerEvaluation = marker && asMarker(marker);
  if (markerEvaluation) return markerEvaluation();
  return truthy(evaluate(new Parser(tokens, source).parse(), new Map()));
}
