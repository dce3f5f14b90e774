/**
 * String options by name, in the order first set, kept in an object without
 * a prototype and a list of names: a small Map allocates several times as
 * much (~1.2 KB for one entry or eleven in this runtime, against ~0.2 KB),
 * and large buildouts make one per part more than once in a run (see the
 * README's garbage collection notes). Any name is an option, `__proto__`
 * and `constructor` included.
 */
export class OptionValues implements Iterable<[string, string]> {
  private readonly values: Record<string, string> = Object.create(null);
  private readonly names: string[] = [];

  /** Starts with the options of `base`, in its order. */
  constructor(base?: ReadonlyMap<string, string>) {
    // Not for-of: each entry would be one more array.
    base?.forEach((value, key) => this.set(key, value));
  }

  /** How many options there are. */
  get size(): number {
    return this.names.length;
  }

  get(option: string): string | undefined {
    return this.values[option];
  }

  has(option: string): boolean {
    return this.values[option] !== undefined;
  }

  /** The names, in order: not to be changed. */
  keys(): readonly string[] {
    return this.names;
  }

  /** Sets `option`, last in order when new. */
  set(option: string, value: string): this {
    if (this.values[option] === undefined) this.names.push(option);
    this.values[option] = value;
    return this;
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.names.map((key): [string, string] => [key, this.values[key]])
      [Symbol.iterator]();
  }
}
