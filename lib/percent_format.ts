/**
 * Python's printf-style `%` formatting, as its logging applies it to a
 * call's arguments (`info("Got %-8s %.1f%%", name, share)`) and to
 * `log-format`'s record fields (`%(levelname)-8s`): mapping keys, the
 * `#0- +` flags, widths and precisions (`*` included) and the conversions
 * `diouxXeEfFgGcrsa%`. Where Python would raise (a missing argument, a
 * number wanted and text given) the conversion stays as written: a log
 * call never fails a run, as Python's logging never stops a program.
 */
import { pyRepr } from "./pyrepr.ts";

/** A conversion: `%`, `(key)`, flags, width, `.precision`, length, type. */
const SPEC =
  /%%|%(?:\(([^)]*)\))?([#0 +-]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?([diouxXeEfFgGcrsa])/g;

/** Where a conversion's value comes from: a key, or the next argument. */
type Take = (key: string | undefined) => { value: unknown } | undefined;

/** One conversion's flags, width and precision, parsed. */
interface Spec {
  flags: string;
  width: number;
  precision: number | undefined;
  kind: string;
}

/**
 * Python's `message % args` for a log call; without args the message is
 * left as it is, `%` and all, as logging leaves it. `%(key)s` reads the
 * one argument as a mapping (a `Map`, the part's options, a plain object).
 *
 * @example percentFormat("%-5s|%.2f|%03d", ["ab", 1 / 3, 7]) // "ab   |0.33|007"
 * @example percentFormat("%(n)s is %s", [{ n: 1 }]) // "1 is [object Object]"
 */
export function percentFormat(message: string, args: unknown[]): string {
  if (args.length === 0 || typeof message !== "string") return message;
  let next = 0;
  const mapping = args.length === 1 ? args[0] : undefined;
  return formatWith(message, (key) => {
    if (key !== undefined) return lookUp(mapping, key);
    return next < args.length ? { value: args[next++] } : undefined;
  });
}

/**
 * `format` with each `%(key)` conversion given `field(key)`; one whose
 * field is undefined, or that names no key, stays as written.
 *
 * @example formatFields("%(levelname)-8s|", () => "INFO") // "INFO    |"
 */
export function formatFields(
  format: string,
  field: (key: string) => string | number | undefined,
): string {
  return formatWith(format, (key) => {
    const value = key === undefined ? undefined : field(key);
    return value === undefined ? undefined : { value };
  });
}

function formatWith(text: string, take: Take): string {
  return text.replace(
    SPEC,
    (
      written,
      key: string | undefined,
      flags: string,
      width: string | undefined,
      precision: string | undefined,
      kind: string,
    ) => {
      if (written === "%%") return "%";
      try {
        const spec: Spec = {
          flags,
          width: starred(width, take),
          precision: precision === undefined
            ? undefined
            : starred(precision || "0", take),
          kind,
        };
        const taken = take(key);
        if (taken === undefined || Number.isNaN(spec.width)) return written;
        if (Number.isNaN(spec.precision)) return written;
        if (spec.width < 0) {
          // Python left-aligns to a negative `*` width.
          spec.flags += "-";
          spec.width = -spec.width;
        }
        return converted(taken.value, spec) ?? written;
      } catch {
        // A value whose own conversion throws (a getter, a Proxy).
        return written;
      }
    },
  );
}

/** A width or precision: written, or `*`, taken as the next argument. */
function starred(written: string | undefined, take: Take): number {
  if (written === undefined) return 0;
  if (written !== "*") return Number(written);
  const value = take(undefined)?.value;
  return Number.isInteger(value) ? value as number : NaN;
}

/** `mapping[key]` as Python's `%(key)s` reads it, or undefined. */
function lookUp(
  mapping: unknown,
  key: string,
): { value: unknown } | undefined {
  if (mapping === null || typeof mapping !== "object") return undefined;
  if (Array.isArray(mapping)) return undefined;
  const { get, has } = mapping as { get?: unknown; has?: unknown };
  if (typeof get === "function" && typeof has === "function") {
    return has.call(mapping, key)
      ? { value: get.call(mapping, key) }
      : undefined;
  }
  return Object.hasOwn(mapping, key)
    ? { value: (mapping as Record<string, unknown>)[key] }
    : undefined;
}

/** `value` as the conversion writes it, or undefined where Python fails. */
function converted(value: unknown, spec: Spec): string | undefined {
  switch (spec.kind) {
    case "s":
    case "r":
    case "a": {
      const text = spec.kind === "s"
        ? asText(value)
        : spec.kind === "r"
        ? repr(value)
        : ascii(repr(value));
      const cut = spec.precision === undefined
        ? text
        : [...text].slice(0, spec.precision).join("");
      return padded(cut, spec);
    }
    case "c":
      return character(value, spec);
    case "d":
    case "i":
    case "u":
    case "o":
    case "x":
    case "X":
      return integer(value, spec);
    default:
      return float(value, spec);
  }
}

/** `str()` of a value: a value with no text of its own gets its type's. */
function asText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function repr(value: unknown): string {
  return typeof value === "string" ? pyRepr(value) : asText(value);
}

/** Python's `ascii()`: its repr with what is not ASCII escaped. */
function ascii(text: string): string {
  return text.replace(/[^\0-\x7f]/gu, (ch) => {
    const code = ch.codePointAt(0)!;
    if (code < 0x100) return "\\x" + code.toString(16).padStart(2, "0");
    if (code < 0x10000) return "\\u" + code.toString(16).padStart(4, "0");
    return "\\U" + code.toString(16).padStart(8, "0");
  });
}

function character(value: unknown, spec: Spec): string | undefined {
  let text: string | undefined;
  if (typeof value === "string") {
    if ([...value].length === 1) text = value;
  } else if (
    Number.isInteger(value) && (value as number) >= 0 &&
    (value as number) <= 0x10ffff
  ) {
    text = String.fromCodePoint(value as number);
  }
  return text === undefined ? undefined : padded(text, spec);
}

const BASES: Record<string, [number, string]> = {
  d: [10, ""],
  i: [10, ""],
  u: [10, ""],
  o: [8, "0o"],
  x: [16, "0x"],
  X: [16, "0X"],
};

/**
 * The integer conversions: numbers (truncated for `d`, `i` and `u`
 * only, as Python 3), bigints and booleans, which Python counts as ints.
 */
function integer(value: unknown, spec: Spec): string | undefined {
  let whole: bigint;
  if (typeof value === "bigint") {
    whole = value;
  } else if (typeof value === "boolean") {
    whole = value ? 1n : 0n;
  } else if (typeof value === "number" && Number.isFinite(value)) {
    const decimal = "diu".includes(spec.kind);
    if (!decimal && !Number.isInteger(value)) return undefined;
    whole = BigInt(Math.trunc(value));
  } else {
    return undefined;
  }
  const [base, prefix] = BASES[spec.kind];
  const negative = whole < 0n;
  let digits = (negative ? -whole : whole).toString(base);
  if (spec.kind === "X") digits = digits.toUpperCase();
  if (spec.precision !== undefined) {
    digits = digits.padStart(spec.precision, "0");
  }
  const lead = sign(negative, spec) + (spec.flags.includes("#") ? prefix : "");
  return zeroPadded(digits, spec, lead);
}

/** The float conversions: `e`, `f` and `g`, upper case for their capitals. */
function float(value: unknown, spec: Spec): string | undefined {
  let number: number;
  if (typeof value === "number") number = value;
  else if (typeof value === "bigint") number = Number(value);
  else if (typeof value === "boolean") number = Number(value);
  else return undefined;
  const upper = spec.kind === spec.kind.toUpperCase();
  const lead = sign(number < 0 || Object.is(number, -0), spec);
  const magnitude = Math.abs(number);
  if (!Number.isFinite(magnitude)) {
    // Python zero-fills these too: `%08f` of inf is 00000inf.
    const text = Number.isNaN(magnitude) ? "nan" : "inf";
    return zeroPadded(upper ? text.toUpperCase() : text, spec, lead);
  }
  const precision = spec.precision ?? 6;
  const alternate = spec.flags.includes("#");
  let digits: string;
  switch (spec.kind.toLowerCase()) {
    case "e":
      digits = exponential(magnitude, precision, alternate);
      break;
    case "f":
      digits = fixed(magnitude, precision, alternate);
      break;
    default:
      digits = general(magnitude, precision, alternate);
  }
  return zeroPadded(upper ? digits.toUpperCase() : digits, spec, lead);
}

/** The most digits JavaScript's number formatting writes after the point. */
const MOST_DIGITS = 100;

function fixed(magnitude: number, precision: number, alternate: boolean) {
  const written = Math.min(precision, MOST_DIGITS);
  let text = magnitude >= 1e21
    // toFixed writes these with an exponent; they are whole numbers.
    ? BigInt(magnitude).toString() + (written ? "." + "0".repeat(written) : "")
    : halfEven(magnitude.toFixed(written), magnitude, written);
  text += "0".repeat(precision - written);
  return alternate && precision === 0 ? text + "." : text;
}

function exponential(
  magnitude: number,
  precision: number,
  alternate: boolean,
): string {
  const written = Math.min(precision, MOST_DIGITS);
  const [rounded, exponent] = magnitude.toExponential(written).split("e");
  const mantissa = halfEven(rounded, magnitude, written - Number(exponent));
  const point = alternate && precision === 0 ? "." : "";
  return mantissa + "0".repeat(precision - written) + point + "e" +
    exponent[0] + exponent.slice(1).padStart(2, "0");
}

/**
 * `text`, JavaScript's rounding of `magnitude` to `places` decimal places
 * (negative: tens, hundreds), which takes a tie up, rounded to even as
 * Python's: `%.0f` of 0.5 is 0, of 1.5 is 2. Taking a tie up to an odd
 * digit left an even one below it; one up to an even digit was right.
 */
function halfEven(text: string, magnitude: number, places: number): string {
  const last = text.length - 1;
  const digit = Number(text[last]);
  if (digit % 2 === 0 || !isTie(magnitude, places)) return text;
  return text.slice(0, last) + (digit - 1);
}

/**
 * True when `magnitude` lies exactly halfway between two numbers of
 * `places` decimal places: twice it, shifted by them, is an odd integer.
 */
function isTie(magnitude: number, places: number): boolean {
  const bits = new DataView(new Float64Array([magnitude]).buffer)
    .getBigUint64(0, true);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  // magnitude = mantissa * 2 ** exponent, exactly
  const mantissa = biased ? fraction | (1n << 52n) : fraction;
  const exponent = (biased || 1) - 1075;
  let numerator = mantissa * 2n * 10n ** BigInt(Math.max(places, 0));
  let denominator = 10n ** BigInt(Math.max(-places, 0));
  if (exponent >= 0) numerator <<= BigInt(exponent);
  else denominator <<= BigInt(-exponent);
  return numerator % denominator === 0n &&
    (numerator / denominator) % 2n === 1n;
}

/**
 * `g`: exponential when the exponent is below -4 or not below the
 * precision, else fixed; trailing zeros dropped unless `#`.
 */
function general(
  magnitude: number,
  precision: number,
  alternate: boolean,
): string {
  const significant = Math.min(Math.max(precision, 1), MOST_DIGITS + 1);
  const exponent = Number(
    magnitude.toExponential(significant - 1).split("e")[1],
  );
  const text = exponent < -4 || exponent >= significant
    ? exponential(magnitude, significant - 1, alternate)
    : fixed(magnitude, significant - 1 - exponent, alternate);
  if (alternate) return text;
  return text.replace(/(\.\d*?)0+(?=e|$)/, "$1").replace(/\.(?=e|$)/, "");
}

/** The sign a number's text starts with: `-`, or `+` or ` ` as flagged. */
function sign(negative: boolean, spec: Spec): string {
  if (negative) return "-";
  if (spec.flags.includes("+")) return "+";
  return spec.flags.includes(" ") ? " " : "";
}

/**
 * `text` padded with spaces to the width, in characters as Python counts
 * them: left-aligned with `-`.
 */
function padded(text: string, spec: Spec): string {
  const missing = spec.width - [...text].length;
  if (missing <= 0) return text;
  return spec.flags.includes("-")
    ? text + " ".repeat(missing)
    : " ".repeat(missing) + text;
}

/** A number's `lead` (sign, `0x`) and digits, zero-filled between with `0`. */
function zeroPadded(digits: string, spec: Spec, lead: string): string {
  const missing = spec.width - lead.length - digits.length;
  if (missing <= 0 || !spec.flags.includes("0") || spec.flags.includes("-")) {
    return padded(lead + digits, spec);
  }
  return lead + "0".repeat(missing) + digits;
}
