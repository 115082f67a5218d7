import { type TUnsafe, Type } from '@sinclair/typebox';

/**
 * A string limited to the given values, as one JSON Schema `enum`: a wrong value
 * yields one clear error listing the allowed values, not one per union branch.
 */
export function stringEnum<const T extends readonly string[]>(values: T, description?: string): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}
