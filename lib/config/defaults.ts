/** The predefined `[buildout]` options and their defaults. */
import { type AnnotatedSection, DEFAULT_VALUE } from "./annotated.ts";

/**
 * zc.buildout 1.5.2's defaults, with `prefer-final = true` as in later
 * releases. Python-only options are kept so configs that read them resolve.
 */
export function defaultBuildoutOptions(executable: string): AnnotatedSection {
  const defaults: Record<string, string> = {
    "accept-buildout-test-releases": "false",
    "allow-hosts": "*",
    "allow-picked-versions": "true",
    "allowed-eggs-from-site-packages": "*",
    "bin-directory": "bin",
    "develop-eggs-directory": "develop-eggs",
    "eggs-directory": "eggs",
    "exec-sitecustomize": "true",
    "executable": executable,
    "find-links": "",
    "include-site-packages": "true",
    "install-from-cache": "false",
    "installed": ".installed.cfg",
    "log-format": "",
    "log-level": "INFO",
    "newest": "true",
    "offline": "false",
    "parts-directory": "parts",
    "prefer-final": "true",
    "python": "buildout",
    "relative-paths": "false",
    "socket-timeout": "",
    "unzip": "false",
    "use-dependency-links": "true",
  };
  const notes = [{ op: "=" as const, source: DEFAULT_VALUE }];
  const section: AnnotatedSection = new Map();
  for (const [key, value] of Object.entries(defaults)) {
    section.set(key, { value, notes });
  }
  return section;
}

/**
 * `[buildout]` options that only zc.buildout itself acts on and that have no
 * 1.5.2 default: those of later releases (`abi-tag-eggs`,
 * `allow-unknown-extras`, `eggs-directory-version`, 4.x's
 * `import-pkg-resources`, 5.3's `installer`) and 1.5.2's pins for
 * upgrading itself. zc.buildout reads them, so user defaults written for it
 * set them without an "Unused options" warning; they mean nothing here.
 */
export const ZC_BUILDOUT_ONLY_OPTIONS = [
  "abi-tag-eggs",
  "allow-unknown-extras",
  "eggs-directory-version",
  "import-pkg-resources",
  "installer",
  "zc.buildout-version",
  "setuptools-version",
  "distribute-version",
];

/** `[buildout]` options holding paths relative to `directory`. */
export const DIRECTORY_OPTIONS = [
  "bin-directory",
  "parts-directory",
  "eggs-directory",
  "develop-eggs-directory",
];
