/**
 * Password hashing with scrypt (memory-hard), a random 16-byte salt per password, and the
 * cost parameters stored in the hash string, so they can be raised later without
 * breaking the hashes already stored:
 *
 *     scrypt$<N>$<r>$<p>$<salt base64url>$<key base64url>
 *
 * The default N=2^15, r=8, p=3 is one of OWASP's equivalent scrypt settings (32 MiB and
 * about a quarter of a second per hash on a small server); it runs on libuv's thread
 * pool, so a login does not block the event loop. Keys are compared with
 * timingSafeEqual. A hash string that does not parse, or asks for more than MAX_COST,
 * never verifies (a tampered row cannot make a login allocate gigabytes).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 3 });
/** Passwords are at least this long, and at most MAX_PASSWORD_LENGTH (a bound on work per login). */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** 128·N·r bytes of memory at most: 256 MiB. */
const MAX_MEMORY = 256 * 1024 * 1024;
const HASH_SHAPE = /^scrypt\$(\d{1,10})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,88})\$([A-Za-z0-9_-]{16,88})$/;

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches `hash`; false for a hash that does not parse. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.key.length, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/** Whether a stored hash was made with weaker parameters than today's default. */
export function needsRehash(hash: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parseHash(hash);
  if (!parsed) return true;
  const old = parsed.params;
  return old.N < params.N || old.r < params.r || old.p < params.p;
}

/** Undefined when the password is acceptable, else what is wrong with it (never echoing it). */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password has at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  if (password.trim() === '') return 'a password is not only spaces';
  return undefined;
}

/** A random password for the CLI to print once: 18 bytes, 24 base64url characters. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

function parseHash(hash: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const m = HASH_SHAPE.exec(hash);
  if (!m) return undefined;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const { N, r, p } = params;
  if (N < 2 || (N & (N - 1)) !== 0 || r < 1 || p < 1 || 128 * N * r > MAX_MEMORY || N * r * p > 2 ** 24) return undefined;
  const salt = Buffer.from(m[4]!, 'base64url');
  const key = Buffer.from(m[5]!, 'base64url');
  if (key.length < 16) return undefined;
  return { params, salt, key };
}

function derive(password: string, salt: Buffer, length: number, { N, r, p }: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, { N, r, p, maxmem: MAX_MEMORY + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
