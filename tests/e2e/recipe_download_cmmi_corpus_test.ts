/**
 * Real profiles from ../shared/corpus that use the download and cmmi
 * recipes, built for real against a local server.
 *
 * SlapOS component profiles (slapos.recipe.cmmi, download-unpacked): each
 * file is copied with its `https://host/path` URLs pointed at a local
 * server that offers generated archives and patches under the same paths
 * (same names and formats: .tar.gz, .tar.bz2, .tar.xz, .zip), and with the
 * MD5 sums rewritten to match them. Everything else (extends chains,
 * conditional sections, `${:_profile_base_location_}` patches,
 * `@@LOCATION@@`, `%(location)s`, environments, shell snippets, custom make
 * commands, `shared = true`) is the corpus's own text. The parts are shared
 * through one `shared-part-list`, so later components reuse the builds of
 * the ones they depend on.
 *
 * collective/buildout.plonetest's buildout-cache.cfg
 * (hexagonit.recipe.download with collective.recipe.cmd), extended with the
 * values it expects from a Plone buildout.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { CORPUS, HAVE_CORPUS } from "../corpus.ts";
import { sampleBuildout, startServer } from "./harness.ts";
import {
  md5,
  pack,
  readmePatch,
  runOk,
  runProgram,
  writePackage,
  writeTree,
} from "./recipe_fixtures.ts";

/** A corpus component and what its profile downloads. */
interface Component {
  /** Directory under `component/`, also the part and program name. */
  name: string;
  /** The archive's URL without its scheme, once `${...}` is resolved. */
  archive: string;
  /** A patch the profile applies: a file beside it or a URL path. */
  patch?: { file: string } | { url: string };
  /** A zip holding this one program instead of a source package. */
  binary?: boolean;
  /** Extra Makefile lines at the end of `make install`. */
  install?: string[];
  /** Extra files of the source package. */
  files?: Record<string, string>;
  /** Checks what the profile's own commands did to the location. */
  check?: (location: string) => void;
}

const COMPONENTS: Component[] = [
  { name: "zlib", archive: "zlib.net/fossils/zlib-1.3.1.tar.gz" },
  {
    name: "xz-utils",
    archive:
      "github.com/tukaani-project/xz/releases/download/v5.8.1/xz-5.8.1.tar.bz2",
  },
  {
    name: "lz4",
    archive: "github.com/lz4/lz4/releases/download/v1.10.0/lz4-1.10.0.tar.gz",
  },
  {
    name: "zstd",
    archive:
      "github.com/facebook/zstd/releases/download/v1.5.7/zstd-1.5.7.tar.gz",
  },
  { name: "m4", archive: "ftp.gnu.org/gnu/m4/m4-1.4.21.tar.xz" },
  {
    name: "patch",
    archive: "ftp.gnu.org/gnu/patch/patch-2.8.tar.xz",
    // Profiles put this part's bin/ first in PATH to apply their patches.
    files: {
      "hello.in": "#!/bin/sh\n[ $# -eq 0 ] && echo 'Hello from @PROGRAM@' && " +
        'exit 0\nexec /usr/bin/patch "$@"\n',
    },
  },
  { name: "tar", archive: "ftp.gnu.org/gnu/tar/tar-1.35.tar.xz" },
  {
    name: "libffi",
    archive:
      "github.com/libffi/libffi/releases/download/v3.5.1/libffi-3.5.1.tar.gz",
    patch: { file: "libdir.patch" },
  },
  {
    name: "pcre",
    archive: "download.sourceforge.net/pcre/pcre/8.45/pcre-8.45.tar.bz2",
    patch: {
      url:
        "sources.debian.org/data/main/p/pcre3/2:8.39-12/debian/patches/patch-from-mariadb-to-fix-stack-frame-si",
    },
  },
  {
    name: "gnu-config",
    archive:
      "cgit.git.savannah.gnu.org/cgit/config.git/snapshot/config-00b15927496058d23e6258a28d8996f87cf1f191.tar.gz",
    files: { "config.sub*": "#!/bin/sh\n", "config.guess*": "#!/bin/sh\n" },
    // Its "make" is `cp -r . @@LOCATION@@`: the sources are the install.
    check: (location) => {
      assert.ok(existsSync(join(location, "config.sub")));
      assert.ok(existsSync(join(location, "config.guess")));
    },
  },
  {
    name: "libyaml",
    archive: "pyyaml.org/download/libyaml/yaml-0.2.5.tar.gz",
    files: { "config/README": "config\n" },
  },
  {
    name: "gdbm",
    archive: "ftp.gnu.org/gnu/gdbm/gdbm-1.25.tar.gz",
    files: { "build-aux/README": "aux\n" },
  },
  {
    name: "ncurses",
    archive: "ftp.gnu.org/gnu/ncurses/ncurses-6.6.tar.gz",
    install: [
      "mkdir -p $(PREFIX)/include/ncursesw $(PREFIX)/include/ncurses",
      "touch $(PREFIX)/include/ncursesw/curses.h",
    ],
    // Its make-targets configure and install again; post-install reshapes
    // include/ and writes lib/libtermcap.so.
    check: (location) => {
      assert.ok(lstatSync(join(location, "include/ncursesw")).isSymbolicLink());
      assert.ok(existsSync(join(location, "include/curses.h")));
      assert.equal(
        readFileSync(join(location, "lib/libtermcap.so"), "utf8"),
        "GROUP( libtinfo.so )\n",
      );
      assert.match(
        readFileSync(
          join(location, "share/ncurses/configure-args.txt"),
          "utf8",
        ),
        /--disable-widec/,
      );
    },
  },
  {
    name: "readline",
    archive: "ftp.gnu.org/gnu/readline/readline-8.2.13.tar.gz",
  },
  {
    name: "pkgconfig",
    archive: "pkgconfig.freedesktop.org/releases/pkg-config-0.29.2.tar.gz",
    patch: { file: "fix-gcc15.patch" },
    files: { "glib/README": "glib\n" },
  },
  {
    name: "consul",
    archive: "releases.hashicorp.com/consul/0.8.3/consul_0.8.3_linux_amd64.zip",
    binary: true,
  },
  {
    name: "packer",
    archive: "releases.hashicorp.com/packer/0.7.5/packer_0.7.5_linux_amd64.zip",
    binary: true,
  },
];

/** The archive's top-level directory: its name without the extension. */
function topOf(archive: string): string {
  return basename(archive).replace(/\.(tar\.gz|tar\.bz2|tar\.xz|zip)$/, "");
}

/**
 * Makes the archive (and patch) of `component` under `served` and copies
 * its profile into `tree/component/<name>/buildout.cfg`, pointed at
 * `server` and with the MD5 sums of what is served.
 */
function adapt(
  component: Component,
  served: string,
  tree: string,
  server: string,
): void {
  const src = join(served, ".src", component.name);
  const top = topOf(component.archive);
  if (component.binary) {
    writeTree(src, {
      [`${component.name}*`]:
        `#!/bin/sh\necho 'Hello from ${component.name}'\n`,
    });
    pack(src, [component.name], join(served, component.archive));
  } else {
    writePackage(src, {
      top,
      program: component.name,
      install: component.install,
      files: component.files,
    });
    pack(src, [top], join(served, component.archive));
  }
  const dir = join(tree, "component", component.name);
  mkdirSync(dir, { recursive: true });
  let text = readFileSync(
    join(CORPUS, "SlapOS__slapos", "component", component.name, "buildout.cfg"),
    "utf8",
  );
  text = text.replace(/https?:\/\//g, server);
  text = text.replace(
    /^(md5sum\s*=\s*)[0-9a-f]{32}/gm,
    `$1${md5(join(served, component.archive))}`,
  );
  if (component.patch) {
    const patch = readmePatch(top, `patched for ${component.name}`);
    const file = "file" in component.patch
      ? join(dir, component.patch.file)
      : join(served, component.patch.url);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, patch);
    text = text.replace(/#[0-9a-f]{32}/g, `#${md5(file)}`);
  }
  writeFileSync(join(dir, "buildout.cfg"), text);
}

/** Where the part `name` was built, from the run's log. */
function sharedLocation(stdout: string, name: string): string {
  const match = new RegExp(
    `^${name}: (?:will be )?shared at (\\S+) \\((?:needs to build|already built)\\)$`,
    "m",
  ).exec(stdout);
  assert.ok(match, `no shared location for ${name}:\n${stdout}`);
  return match[1];
}

Deno.test({
  name:
    "corpus: SlapOS component profiles build with the cmmi and download recipes",
  ignore: !HAVE_CORPUS,
  async fn(t) {
    using base = await sampleBuildout();
    const served = base.tmpdir("served");
    const tree = base.tmpdir("profiles");
    const shared = base.tmpdir("shared");
    const cache = base.tmpdir("cache");
    const server = await startServer(served);
    try {
      for (const component of COMPONENTS) {
        adapt(component, served, tree, server.url);
      }
      for (const component of COMPONENTS) {
        await t.step(component.name, async () => {
          using sample = await sampleBuildout();
          const profile = join(
            tree,
            "component",
            component.name,
            "buildout.cfg",
          );
          // gnu-config's profile only defines its section, for others to use.
          const parts = component.name === "gnu-config"
            ? "parts = gnu-config\n"
            : "";
          sample.write(
            "buildout.cfg",
            `[buildout]\nextends = ${profile}\n${parts}` +
              `shared-part-list = ${shared}\ndownload-cache = ${cache}\n`,
          );
          const result = await runOk(sample);
          const location = sharedLocation(result.stdout, component.name);
          const program = component.binary
            ? join(location, component.name)
            : join(location, "bin", component.name);
          if (component.name !== "gnu-config") {
            assert.equal(
              runProgram(program),
              `Hello from ${component.name}\n`,
            );
          }
          component.check?.(location);
          if (component.patch) {
            assert.match(
              readFileSync(
                join(location, "share", component.name, "README"),
                "utf8",
              ),
              new RegExp(`patched for ${component.name}`),
            );
          }
          assert.ok(existsSync(join(location, ".buildout-shared.json")));
          assert.equal(
            sample.normalize(sample.cat(".installed.cfg")).match(
              /^__buildout_installed__ = \S/m,
            ),
            null,
            "shared parts are never recorded for removal",
          );
        });
      }

      await t.step("dependencies are reused, not rebuilt", async () => {
        using sample = await sampleBuildout();
        sample.write(
          "buildout.cfg",
          `[buildout]\nextends = ${
            join(tree, "component", "zstd", "buildout.cfg")
          }\nshared-part-list = ${shared}\n`,
        );
        const result = await runOk(sample);
        for (const name of ["zlib", "xz-utils", "lz4", "zstd"]) {
          assert.match(
            result.stdout,
            new RegExp(`^${name}: shared at \\S+ \\(already built\\)$`, "m"),
          );
        }
        assert.doesNotMatch(result.stdout, /configuring/);
      });
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name:
    "corpus: plonetest's buildout-cache.cfg unpacks the installer with hexagonit.recipe.download",
  ignore: !HAVE_CORPUS,
  async fn() {
    using sample = await sampleBuildout();
    const served = sample.tmpdir("served");
    const src = join(served, ".src");
    writeTree(src, {
      "buildout-cache/eggs/demo-1.0-py3.egg/EGG-INFO/PKG-INFO": "demo\n",
      "buildout-cache/downloads/dist/demo-1.0.tar.gz": "not really\n",
    });
    const top = join(src, "installer", "Plone-5.2.4-UnifiedInstaller");
    pack(
      src,
      ["buildout-cache"],
      join(top, "packages", "buildout-cache.tar.bz2"),
    );
    pack(
      join(src, "installer"),
      ["Plone-5.2.4-UnifiedInstaller"],
      join(
        served,
        "plone/5.2/5.2.4/+download/Plone-5.2.4-UnifiedInstaller.tgz",
      ),
    );
    const server = await startServer(served);
    try {
      const corpus = readFileSync(
        join(CORPUS, "collective__buildout.plonetest", "buildout-cache.cfg"),
        "utf8",
      );
      sample.write(
        "buildout-cache.cfg",
        corpus.replace("https://launchpad.net/", server.url),
      );
      sample.write(
        "buildout.cfg",
        `[buildout]
extends = buildout-cache.cfg
parts = download install
plone-series = 5.2
allow-hosts += 127.0.0.1

[versions]
Plone = 5.2.4
`,
      );
      sample.mkdir("buildout-cache", "downloads");
      await runOk(sample);
      assert.ok(
        existsSync(
          sample.path(
            "parts/download/Plone-5.2.4-UnifiedInstaller/packages/buildout-cache.tar.bz2",
          ),
        ),
      );
      assert.equal(
        sample.cat("buildout-cache/eggs/demo-1.0-py3.egg/EGG-INFO/PKG-INFO"),
        "demo\n",
      );
    } finally {
      await server.close();
    }
  },
});
