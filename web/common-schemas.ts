/** Request schemas several admin routes share. */
import { Type } from '@sinclair/typebox';

/** `?limit=&offset=` for lists paged by offset (users, tokens). */
export const OffsetPageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

/** `/:id` where the id is a UUID. */
export const UuidParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
