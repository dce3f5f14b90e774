/**
 * The template recipes: a file rendered from a template with buildout's own
 * `${section:option}` substitution, done while the part initializes so every
 * section the template references is initialized first (and, if it has a
 * recipe, installed first).
 *
 * - `template` and `collective.recipe.template` follow collective.recipe.template
 *   2.x: `input` (a file, or `inline:` text), `inline`, `url`, `output`,
 *   `mode` (default: the input file's), `overwrite` (default true),
 *   `input-encoding`/`output-encoding` (utf-8, utf-8-sig, latin-1 or ascii,
 *   under any name Python gives them; text one cannot hold is an error,
 *   as with Python's codecs), `timeout` (accepted and ignored: a remote
 *   `url` is bounded by `socket-timeout`). `${name}` means
 *   `${<this part>:name}`; `$$` is no escape. Missing parent directories are
 *   created and recorded. On update the output is rewritten only when its
 *   bytes differ, so its timestamp is kept otherwise.
 * - `slapos.recipe.template` follows slapos.recipe.template 5.x's default
 *   entry point: `url` (with `md5sum`) or `inline`, `output`, `mode`
 *   (default: executable when the text starts with a `#!` naming an
 *   executable); the template is utf-8. `$$` renders as `$`, which is how
 *   SlapOS profiles write references meant for the buildout that reads the
 *   output. Update does nothing when the template is known in advance
 *   (`inline`, or `md5sum`). Missing parent directories are created, but
 *   only the output is recorded, as the original returns it.
 *
 * `url` takes a local path, a `file:` URL, or a remote URL fetched with
 * `buildout.download` (download cache, offline mode, `md5sum`). A template
 * over 64 MiB (or a device such as `/dev/zero`) is an error. A remote
 * template is fetched and rendered when the part installs, since
 * configuration time cannot wait for the network: the sections it names are
 * then not ordered before the part, unless something else references them,
 * and a part that only it names is an error: that part belongs in `parts`,
 * before the template.
 * An output naming the template's own file is refused, before anything is
 * written: it would replace the template, and uninstalling would remove it.
 * So is one naming no file (empty, or ending in `/`) or several lines.
 */
import { Buffer } from "node:buffer";
import { createHash } from "../lib/lazy_crypto.ts";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { clipped, fsReason, oneLine } from "../lib/errors.ts";
import { fileUrlPath } from "../lib/fetch/file_url.ts";
import { isFile, sameFile } from "../lib/fs_kinds.ts";
import { substitute } from "../lib/config/substitute.ts";
import { firstBadLine } from "../lib/config/text.ts";
import { readBounded } from "../lib/read_bounded.ts";
import { oneFile } from "./_one_path.ts";
import type {
  Recipe,
  RecipeBuildout,
  RecipeLogger,
  RecipeOptions,
} from "../lib/recipe/api.ts";
import {
  createParents,
  type FileMode,
  hasContent,
  writeAtomic,
} from "./_files.ts";

/** collective.recipe.template's true values for `overwrite`. */
const TRUE_VALUES = ["y", "yes", "1", "true"];

const REFERENCE = /\$\{[^}]*\}/;
const SHORT_REFERENCE = /\$\{([^:]+?)\}/;

/** The codecs the recipes support: Node's encodings, and utf-8-sig. */
type Codec = "utf8" | "utf8-sig" | "latin1" | "ascii";

/**
 * Python's names for the supported codecs, normalized as {@link codecKey}
 * makes them: those of Python's `encodings.aliases` for each.
 */
const CODECS: Record<string, Codec> = {
  ...names("utf8", "utf_8 utf8 u8 utf utf8_ucs2 utf8_ucs4 cp65001"),
  ...names("utf8-sig", "utf_8_sig"),
  ...names(
    "latin1",
    "latin_1 latin1 l1 latin iso8859_1 iso_8859_1 iso8859 8859 cp819 " +
      "csisolatin1 ibm819 iso_ir_100 iso_8859_1_1987",
  ),
  ...names(
    "ascii",
    "ascii us_ascii us 646 ansi_x3_4_1968 ansi_x3_4_1986 cp367 csascii " +
      "ibm367 iso646_us iso_646_irv_1991 iso_ir_6",
  ),
};

/** Each of the space-separated `aliases`, naming `codec`. */
function names(codec: Codec, aliases: string): Record<string, Codec> {
  return Object.fromEntries(aliases.split(" ").map((name) => [name, codec]));
}

/**
 * A codec name as Python looks it up: lower case, each run of other
 * characters than letters and digits one `_`, none at either end.
 */
function codecKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

/** What Python calls each codec, for messages. */
const CODEC_NAMES: Record<Codec, string> = {
  "utf8": "utf-8",
  "utf8-sig": "utf-8-sig",
  "latin1": "latin-1",
  "ascii": "ascii",
};

/** A character each single-byte codec has no byte for. */
const UNENCODABLE: Partial<Record<Codec, RegExp>> = {
  latin1: /[\u{100}-\u{10ffff}]/u,
  ascii: /[\u{80}-\u{10ffff}]/u,
};

/** The byte order mark utf-8-sig writes first, and drops when reading. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The number of the first line of `bytes` that is not ascii text; 0 when
 * every line is.
 */
function badAsciiLine(bytes: Uint8Array): number {
  const bad = bytes.findIndex((byte) => byte >= 0x80);
  return bad < 0 ? 0 : bytes.subarray(0, bad).filter((b) => b === 0x0a)
    .length + 1;
}

/**
 * The template `bytes` read from `path` as text in `encoding`, refused as
 * Python's codecs refuse it where Node would put U+FFFD or drop bits.
 *
 * @throws {UserError} naming the template and the first line that is not
 *   text in `encoding`.
 */
function decodeTemplate(
  buildout: RecipeBuildout,
  part: string,
  path: string,
  bytes: Buffer,
  encoding: Codec,
): string {
  let line = 0;
  if (encoding === "utf8-sig" && bytes.subarray(0, 3).equals(BOM)) {
    bytes = bytes.subarray(3);
  }
  if (encoding === "utf8" || encoding === "utf8-sig") {
    // Decoded once, which checks it too: a check first would make a copy.
    try {
      return UTF8.decode(bytes);
    } catch {
      line = firstBadLine(bytes);
    }
  } else if (encoding === "ascii") {
    line = badAsciiLine(bytes);
  }
  // Latin-1 holds every byte.
  if (!line) return bytes.toString(encoding as "latin1" | "ascii");
  throw new buildout.UserError(
    `Couldn't read the template ${clipped(path)} of [${
      clipped(part)
    }]: line ${line} is not ${CODEC_NAMES[encoding]} text`,
  );
}

/**
 * The rendered `text` of `part` in `encoding`, for `output`.
 *
 * @throws {UserError} naming the first character `encoding` cannot hold,
 *   which Node would silently replace.
 */
function encodeOutput(
  buildout: RecipeBuildout,
  part: string,
  output: string,
  text: string,
  encoding: Codec,
): Buffer {
  const bad = UNENCODABLE[encoding]?.exec(text);
  if (bad) {
    throw new buildout.UserError(
      `Couldn't write ${clipped(output)} of [${clipped(part)}]: its line ${
        newlines(text.slice(0, bad.index)) + 1
      } holds '${bad[0]}', which ${CODEC_NAMES[encoding]} cannot encode`,
    );
  }
  if (encoding === "utf8-sig") {
    return Buffer.concat([BOM, Buffer.from(text, "utf8")]);
  }
  return Buffer.from(text, encoding);
}

function encodingOption(
  buildout: RecipeBuildout,
  options: RecipeOptions,
  option: string,
): Codec {
  const value = options.get(option) ?? "utf-8";
  const encoding = CODECS[codecKey(value)];
  if (!encoding) {
    throw new buildout.UserError(
      oneLine(
        `Unsupported ${option} '${clipped(value)}' in [${
          clipped(options.name)
        }]: use utf-8, utf-8-sig, latin-1 or ascii`,
      ),
    );
  }
  return encoding;
}

/** An octal `mode` option (`755`, `0755`, `0o755`). */
function parseMode(buildout: RecipeBuildout, options: RecipeOptions): number {
  const value = options.require("mode");
  const digits = value.trim().replace(/^0o/i, "");
  if (!/^[0-7]+$/.test(digits)) {
    // Worded as the mkdir and download recipes word it.
    throw new buildout.UserError(
      `'mode' must be an octal number: ${clipped(value)}`,
    );
  }
  return parseInt(digits, 8);
}

function newlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
    count++;
  }
  return count;
}

/**
 * `text` with every `${section:option}` replaced, as zc.buildout's
 * `options._sub` does with a whole template: referenced sections are
 * initialized, a reference to a missing option is a user error, and `$$`
 * is not special. Errors name `origin` (the template file, or the part of
 * an inline template) and the line, counted from `firstLine`.
 */
function expand(
  buildout: RecipeBuildout,
  section: string,
  text: string,
  origin: string,
  firstLine = 1,
): string {
  const lookup = (name: string, option: string) =>
    buildout.section(name).get(option);
  const out = new Pieces();
  let line = firstLine;
  let end = 0;
  // A regex of its own: a lookup may initialize another template part.
  const reference = new RegExp(REFERENCE, "g");
  for (let found; (found = reference.exec(text)) !== null;) {
    const literal = text.slice(end, found.index);
    line += newlines(literal);
    end = reference.lastIndex;
    out.push(literal);
    try {
      out.push(substitute(found[0], section, lookup));
    } catch (err) {
      // Keeps the While: context the error collected on its way.
      if (err instanceof buildout.UserError) {
        err.message += ` (${origin}, line ${line})`;
      }
      throw err;
    }
  }
  const tail = text.slice(end);
  const start = tail.indexOf("${");
  if (start >= 0) {
    const stop = tail.indexOf("\n", start);
    throw new buildout.UserError(
      `The substitution, ${
        clipped(tail.slice(start, stop < 0 ? undefined : stop))
      }, is not terminated by '}' ` +
        `(${origin}, line ${line + newlines(tail.slice(0, start))})`,
    );
  }
  if (end === 0) return text;
  out.push(tail);
  return out.join();
}

/**
 * A long text built from many pieces, joined a few thousand at a time:
 * a list of every piece (or `String.replace` with a function, over
 * millions of matches) takes many times the text's size.
 */
class Pieces {
  private readonly chunks: string[] = [];
  private pieces: string[] = [];

  push(piece: string): void {
    this.pieces.push(piece);
    if (this.pieces.length < 4096) return;
    this.chunks.push(this.pieces.join(""));
    this.pieces = [];
  }

  join(): string {
    this.chunks.push(this.pieces.join(""));
    this.pieces = [];
    return this.chunks.length === 1 ? this.chunks[0] : this.chunks.join("");
  }
}

/** True for a URL the download utility must fetch (not `file:`). */
function isRemote(url: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(url) && !/^file:/i.test(url);
}

/**
 * The local file a `url` option names (a path relative to the buildout
 * directory, or a `file:` URL).
 */
function localTemplate(url: string, directory: string): string {
  if (/^file:/i.test(url)) return fileUrlPath(url);
  return resolve(directory, url);
}

/**
 * Fetches a remote template through the download utility, as text in
 * `encoding`.
 */
async function fetchTemplate(
  buildout: RecipeBuildout,
  part: string,
  url: string,
  md5: string | undefined,
  encoding: Codec,
): Promise<string> {
  const { path } = await buildout.download(url, {
    md5,
    logger: buildout.logger(part),
  });
  return decodeTemplate(
    buildout,
    part,
    url,
    readTemplate(buildout, part, path),
    encoding,
  );
}

/** The template at `path` as text in `encoding`; see decodeTemplate. */
function readText(
  buildout: RecipeBuildout,
  part: string,
  path: string,
  encoding: Codec,
): string {
  const bytes = readTemplate(buildout, part, path);
  return decodeTemplate(buildout, part, path, bytes, encoding);
}

/**
 * Far beyond any template (they are configuration files and scripts), as
 * for configuration files; rendering takes a few times a template's size
 * in memory, up to 15 times with a reference on every short line.
 */
const MAX_TEMPLATE_BYTES = 2 ** 26;

function readTemplate(
  buildout: RecipeBuildout,
  part: string,
  path: string,
): Buffer {
  let bytes;
  try {
    bytes = readBounded(path, MAX_TEMPLATE_BYTES);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const reason = code === "ENOENT" || code === "ENOTDIR"
      ? "it does not exist"
      : code === "EISDIR"
      ? "it is a directory"
      // The runtime's message quotes the path again.
      : oneLine(fsReason(err));
    throw new buildout.UserError(
      `Couldn't read the template ${clipped(path)} of [${
        clipped(part)
      }]: ${reason}`,
    );
  }
  if (bytes) return bytes;
  throw new buildout.UserError(
    `Couldn't read the template ${clipped(path)} of [${clipped(part)}]: ` +
      `more than ${MAX_TEMPLATE_BYTES / 2 ** 20} MiB, too large for a template`,
  );
}

/**
 * The `output` option, refused where no file can be written: empty (the
 * buildout directory), or ending in `/` (a directory); or where the file
 * could not be recorded: a line break (a value written over lines).
 *
 * @throws {UserError} naming the part.
 */
function outputOption(
  buildout: RecipeBuildout,
  options: RecipeOptions,
): string {
  const output = options.require("output");
  if (!output) {
    throw new buildout.UserError(
      `No output file specified in [${clipped(options.name)}].`,
    );
  }
  return oneFile(options, "output")!;
}

/**
 * Refuses an `output` naming the very file the template is read from:
 * rendering would replace the template (the next run would read the
 * rendered text as the template) and uninstalling would remove it.
 *
 * @throws {UserError} naming the file and the part.
 */
function refuseTemplateAsOutput(
  buildout: RecipeBuildout,
  part: string,
  template: string,
  directory: string,
  output: string,
): void {
  const target = resolve(directory, output);
  // The same name in the same directory: the write replaces that entry,
  // so a link or a hard link to the template elsewhere keeps it.
  if (
    basename(target) === basename(template) &&
    sameFile(dirname(target), dirname(template))
  ) {
    throw new buildout.UserError(
      `Couldn't write ${clipped(target)} of [${
        clipped(part)
      }]: it is the part's template, which rendering would replace`,
    );
  }
}

/** collective.recipe.template (also the built-in `template`). */
export default class Template implements Recipe {
  private readonly logger: RecipeLogger;
  private readonly output: string;
  private readonly overwrite: boolean;
  /** The rendered text; for a remote template, once it is fetched. */
  private result?: Buffer;
  private readonly mode?: number;
  /** Renders a remote template at install time. */
  private readonly render?: () => Promise<Buffer>;

  constructor(
    private readonly buildout: RecipeBuildout,
    name: string,
    private readonly options: RecipeOptions,
  ) {
    this.logger = buildout.logger(name);
    const has = (option: string) => options.has(option);
    if (!has("input") && !has("inline") && !has("url")) {
      this.fail("No input file, inline template, or URL specified.");
    }
    if (!has("output")) this.fail("No output file specified.");
    if (has("input") && (has("inline") || has("url"))) {
      this.fail("Too many input sources.");
    }
    this.output = outputOption(buildout, options);
    const inputEncoding = encodingOption(buildout, options, "input-encoding");
    const outputEncoding = encodingOption(buildout, options, "output-encoding");
    const encode = (text: string) =>
      encodeOutput(buildout, name, resolve(this.output), text, outputEncoding);
    // Accepted for compatibility; downloads are bounded by socket-timeout.
    options.get("timeout");
    this.overwrite = TRUE_VALUES.includes(
      (options.get("overwrite") ?? "true").toLowerCase(),
    );
    const directory = buildout.section("buildout").require("directory");
    const input = options.get("input");
    let source: string;
    let origin = `the inline template of [${clipped(name)}]`;
    let mode: number | undefined;
    let templatePath: string | undefined;
    if (has("inline")) {
      source = options.require("inline").trimStart();
    } else if (input !== undefined && existsSync(resolve(directory, input))) {
      const path = resolve(directory, input);
      templatePath = path;
      origin = clipped(path);
      source = readText(buildout, name, path, inputEncoding);
      mode = statSync(path).mode & 0o7777;
    } else if (input !== undefined && input.startsWith("inline:")) {
      source = input.slice("inline:".length).trimStart();
    } else if (input === undefined) {
      const url = options.require("url");
      if (isRemote(url)) {
        source = "";
        const md5 = options.get("md5sum");
        this.render = async () =>
          encode(
            expand(
              buildout,
              name,
              qualify(
                await fetchTemplate(buildout, name, url, md5, inputEncoding),
                name,
              ),
              clipped(url),
            ),
          );
      } else {
        const path = localTemplate(url, directory);
        templatePath = path;
        origin = clipped(path);
        source = readText(buildout, name, path, inputEncoding);
      }
    } else {
      this.fail(`Input file '${clipped(input)}' does not exist.`);
    }
    // An output that exists is left alone without overwrite.
    if (templatePath !== undefined && this.overwrite) {
      refuseTemplateAsOutput(
        buildout,
        name,
        templatePath,
        directory,
        this.output,
      );
    }
    if (!this.render) {
      this.result = encode(
        expand(buildout, name, qualify(source, name), origin),
      );
    }
    this.mode = has("mode") ? parseMode(buildout, options) : mode;
  }

  private async rendered(): Promise<Buffer> {
    this.result ??= await this.render!();
    return this.result;
  }

  install(): string[] | Promise<string[]> {
    if (!this.result) return this.rendered().then(() => this.install());
    const created = (...paths: string[]) => this.options.created(...paths);
    if (!this.overwrite && isFile(this.output)) return created();
    createParents(resolve(dirname(this.output)), created);
    writeAtomic(this.output, this.result, this.mode);
    if (this.overwrite) created(this.output);
    return created();
  }

  update(): string[] | undefined | Promise<string[] | undefined> {
    if (!this.result) return this.rendered().then(() => this.update());
    if (hasContent(this.output, this.result)) return undefined;
    return this.install();
  }

  private fail(message: string): never {
    this.logger.error(message);
    throw new this.buildout.UserError(message);
  }
}

/** `${name}` in a collective.recipe.template means `${<part>:name}`. */
function qualify(source: string, part: string): string {
  const short = new RegExp(SHORT_REFERENCE, "g");
  const out = new Pieces();
  let end = 0;
  for (let found; (found = short.exec(source)) !== null;) {
    out.push(source.slice(end, found.index));
    out.push(`\${${part}:${found[1]}}`);
    end = short.lastIndex;
  }
  if (end === 0) return source;
  out.push(source.slice(end));
  return out.join();
}

/** slapos.recipe.template's default entry point. */
export class SlaposTemplate implements Recipe {
  private readonly output: string;
  /** The rendered text; for a remote template, once it is fetched. */
  private result?: Buffer;
  private readonly render?: () => Promise<Buffer>;
  private mode?: FileMode;
  /** The template cannot change without the options changing. */
  private readonly fixed: boolean;

  constructor(
    buildout: RecipeBuildout,
    name: string,
    private readonly options: RecipeOptions,
  ) {
    const url = options.get("url");
    const inline = options.get("inline");
    if ((url === undefined) === (inline === undefined)) {
      throw new buildout.UserError(
        `[${
          clipped(name)
        }] needs exactly one of the options 'url' and 'inline'`,
      );
    }
    this.output = outputOption(buildout, options);
    const md5sum = options.get("md5sum");
    let source: string;
    let origin = `the inline template of [${clipped(name)}]`;
    this.fixed = inline !== undefined || md5sum !== undefined;
    // Checked now, not once a remote template is fetched at install time.
    const mode = options.has("mode") ? parseMode(buildout, options) : undefined;
    const renderText = (text: string, from: string) => {
      let line = 1;
      const rendered = text.split("$$").map((piece) => {
        const out = expand(buildout, name, piece, from, line);
        line += newlines(piece);
        return out;
      }).join("$");
      if (mode !== undefined) this.mode = mode;
      else if (startsWithExecutableShebang(rendered)) this.mode = "executable";
      return Buffer.from(rendered, "utf8");
    };
    if (url !== undefined && isRemote(url)) {
      this.render = async () =>
        renderText(
          await fetchTemplate(buildout, name, url, md5sum, "utf8"),
          clipped(url),
        );
      return;
    }
    if (url !== undefined) {
      const directory = buildout.section("buildout").require("directory");
      const path = localTemplate(url, directory);
      origin = clipped(path);
      refuseTemplateAsOutput(buildout, name, path, directory, this.output);
      const bytes = readTemplate(buildout, name, path);
      if (md5sum !== undefined) {
        const digest = createHash("md5").update(bytes).digest("hex");
        if (digest !== md5sum.trim().toLowerCase()) {
          throw new buildout.UserError(
            `MD5 checksum mismatch for local resource at '${clipped(path)}'.`,
          );
        }
      }
      source = decodeTemplate(buildout, name, path, bytes, "utf8");
    } else {
      source = inline!;
    }
    this.result = renderText(source, origin);
  }

  install(): string[] | Promise<string[]> {
    if (!this.result) {
      return this.render!().then((result) => {
        this.result = result;
        return this.install();
      });
    }
    // Missing directories are made (and removed if the write fails), but
    // only the output is recorded, as the original returns it: uninstalling
    // the part must not take a directory other parts write into.
    createParents(
      resolve(dirname(this.output)),
      (dir) => this.options.created(dir),
    );
    writeAtomic(this.output, this.result, this.mode);
    return [this.output];
  }

  update(): string[] | undefined | Promise<string[] | undefined> {
    if (this.fixed) return undefined;
    if (!this.result) {
      return this.render!().then((result) => {
        this.result = result;
        return this.update();
      });
    }
    if (hasContent(this.output, this.result)) return undefined;
    return this.install();
  }
}

function startsWithExecutableShebang(text: string): boolean {
  const interpreter = /^#!\s*(\S+)/.exec(text)?.[1];
  if (!interpreter) return false;
  try {
    accessSync(interpreter, constants.X_OK);
    return statSync(interpreter).isFile();
  } catch {
    return false;
  }
}
