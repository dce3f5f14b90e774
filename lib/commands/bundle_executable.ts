/**
 * `bundle --executable FILE`: the buildout executable packed as
 * `bin/buildout` instead of the one running, such as a build for the
 * target's processor (`deno task compile --target linux-arm64`) made on a
 * connected host of another.
 */
import { accessSync, constants, statSync } from "node:fs";
import { clipped, fsReason, UserError } from "../errors.ts";
import { elfMachine, HOST_MACHINE, MACHINE_NAMES } from "../elf_machine.ts";

/**
 * Checks that `path` is an executable buildout can pack: a readable file,
 * executable, for Linux on a processor buildout is built for; with
 * `withParts`, this machine's processor, which the packed parts were built
 * for.
 *
 * @throws {UserError} naming the file and what is wrong with it.
 */
export function checkPackedExecutable(path: string, withParts: boolean): void {
  const name = clipped(path);
  let stat, machine;
  try {
    stat = statSync(path);
    if (!stat.isFile()) {
      throw new UserError(`bundle --executable: ${name} is not a file`);
    }
    accessSync(path, constants.R_OK);
    machine = elfMachine(path);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(
      `bundle --executable: couldn't read ${name}: ${fsReason(err)}`,
    );
  }
  const processor = machine === undefined ? undefined : MACHINE_NAMES[machine];
  if (processor === undefined) {
    throw new UserError(
      `bundle --executable: ${name} is not a buildout executable for Linux ` +
        `(${Object.values(MACHINE_NAMES).join(" or ")})`,
    );
  }
  if ((stat.mode & 0o111) === 0) {
    throw new UserError(`bundle --executable: ${name} is not executable`);
  }
  if (withParts && machine !== HOST_MACHINE) {
    throw new UserError(
      `bundle --with-parts packs parts built for this machine's processor, ` +
        `which ${name} (${processor}) cannot use: bundle without ` +
        "--with-parts, and the target builds them",
    );
  }
}
