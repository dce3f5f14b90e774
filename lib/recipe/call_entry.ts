/**
 * Calling an entry point as zc.buildout calls one (`ep.load()(buildout)`),
 * where calling a class constructs it: a JavaScript class needs `new`.
 */

/**
 * True when `fn` was written with `class` syntax, which only `new` may
 * call.
 *
 * @example isClassSyntax(class {}) // true; isClassSyntax(() => {}) // false
 */
export function isClassSyntax(fn: unknown): boolean {
  return typeof fn === "function" &&
    /^class\b/.test(Function.prototype.toString.call(fn));
}

/**
 * `entry(...args)`, or `new entry(...args)` when it is a class: what an
 * extension, unload or uninstall entry point returns (a promise to wait
 * for, or anything else to ignore).
 *
 * @example callEntry(class { constructor(b: unknown) {} }, buildout)
 */
export function callEntry<A extends unknown[]>(
  entry: ((...args: A) => unknown) | (new (...args: A) => unknown),
  ...args: A
): unknown {
  return isClassSyntax(entry)
    ? new (entry as new (...args: A) => unknown)(...args)
    : (entry as (...args: A) => unknown)(...args);
}
