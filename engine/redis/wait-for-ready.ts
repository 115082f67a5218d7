import type { Redis } from 'ioredis';

/**
 * Resolves once the client is ready; rejects at once while it is known to be down
 * (reconnecting) and otherwise after `timeoutMs` or on the first connection error.
 */
export function waitForReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'reconnecting' || client.status === 'close' || client.status === 'end') {
    return Promise.reject(new Error(`redis connection is ${client.status}`));
  }
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const onError = (err: Error) => done(err);
    const timer = setTimeout(() => done(new Error(`redis not ready within ${timeoutMs} ms`)), timeoutMs);
    client.once('ready', onReady);
    client.once('error', onError);
  });
}
