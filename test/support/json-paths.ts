/** A parsed JSON or YAML document, for tests that damage configs field by field. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One step of a path into a {@link Json} value: a key or a list index. */
export type PathKey = string | number;

/** Every path in a JSON value, containers included (the root excluded). */
export function pathsOf(value: Json, prefix: PathKey[] = []): PathKey[][] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => [[...prefix, index], ...pathsOf(item, [...prefix, index])]);
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      [...prefix, key],
      ...pathsOf(item, [...prefix, key]),
    ]);
  }
  return [];
}
