/**
 * A value read at most once per `ttlMs` however many clients ask (a wall of screens polling
 * the same figures): callers within the window share the last answer, or the read under way.
 * A failed read is not kept. Owned by the route group that creates it; no global state.
 */
export function shortCache<T>(ttlMs: number, read: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let value: { at: number; promise: Promise<T> } | undefined;
  return () => {
    const t = now();
    if (value && t - value.at < ttlMs) return value.promise;
    const promise = read();
    const entry = { at: t, promise };
    value = entry;
    promise.catch(() => {
      if (value === entry) value = undefined;
    });
    return promise;
  };
}
