/** Removes the Redis keys under one test's queue prefix (testEnvironment's cleanup calls it). */
import { Redis } from 'ioredis';

export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  // Glob metacharacters in the prefix are escaped; braces are not special to MATCH.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
