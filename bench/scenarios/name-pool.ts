/**
 * Plausible names for generated items, so reasons and summaries read like a real estate's.
 * Past the list, names get a numeric suffix.
 */
const WORDS = [
  'orders', 'payments', 'checkout', 'cart', 'catalog', 'search', 'users', 'auth', 'inventory', 'shipping',
  'billing', 'notifications', 'reviews', 'recommendations', 'pricing', 'gateway', 'frontend', 'accounts',
  'ledger', 'fraud', 'media', 'sessions', 'profiles', 'loyalty', 'coupons', 'tax', 'returns', 'warehouse',
  'analytics', 'reporting', 'email', 'sms', 'webhooks', 'exports', 'imports', 'ratings', 'wishlist', 'quotes',
  'invoices', 'refunds',
];

export function namePool(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const w = WORDS[i % WORDS.length]!;
    const round = Math.floor(i / WORDS.length);
    out.push(round === 0 ? w : `${w}-${round + 1}`);
  }
  return out;
}
