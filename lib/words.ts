// Names separated by single spaces, as buildout writes `parts`: split
// without a regular expression pass per separator (the no-op reads
// `parts` of every run's database).
const SPACED = /^[^\s]+(?: [^\s]+)*$/;

/** The whitespace-separated words of `value`, without empty items. */
export function words(value: string | undefined): string[] {
  if (value === undefined) return [];
  if (SPACED.test(value)) return value.split(" ");
  return value.split(/\s+/).filter(Boolean);
}
