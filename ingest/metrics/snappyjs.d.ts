/** snappyjs ships no types; only what remote-write-routes.ts uses and the tests need. */
declare module 'snappyjs' {
  /** Snappy block format. Throws when the stream is invalid or its declared length exceeds `maxLength`. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
}
