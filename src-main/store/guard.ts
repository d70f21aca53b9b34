/**
 * Returns a copy of a sub-store whose methods pass every exception through `translate`, so that failures
 * met while the store is in use (a full disk, a page damaged after opening, another writer's lock) reach
 * callers as StoreErrors that name the file, like failures at opening.
 */
export function guardMethods<T extends object>(target: T, translate: (error: unknown) => unknown): T {
  const guarded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    if (typeof value !== 'function') {
      guarded[key] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => unknown;
    guarded[key] = (...args: unknown[]) => {
      try {
        return method.apply(target, args);
      } catch (error) {
        throw translate(error);
      }
    };
  }
  return guarded as T;
}
