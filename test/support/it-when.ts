import { it } from 'vitest';

/**
 * Declares an adapter-specific case only for the adapters it applies to. A case that
 * does not apply is not declared at all, rather than reported as skipped, so a
 * skipped test in the report always means something was really left out.
 */
export function itWhen(applies: boolean): typeof it {
  return applies ? it : (((..._args: unknown[]) => undefined) as unknown as typeof it);
}
