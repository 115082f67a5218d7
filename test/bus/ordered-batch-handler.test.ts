/**
 * The batching bus handler: messages that arrive while a batch runs form the next batch, in
 * delivery order; one message at a time is never handed over twice or lost, a failing batch
 * is logged and the next one still runs, and `drain` waits for everything queued.
 */
import { describe, expect, it } from 'vitest';
import { orderedBatchHandler } from '../../engine/bus/ordered-batch-handler.ts';
import type { BusMessage } from '../../engine/bus/events.ts';

const msg = (n: number) => ({ type: 'incident.sla', incidentId: `i${n}` }) as unknown as BusMessage;
const ids = (batch: BusMessage[]) => batch.map((m) => (m as unknown as { incidentId: string }).incidentId);

describe('orderedBatchHandler', () => {
  it('hands over what arrived meanwhile as one batch, in order, one batch at a time', async () => {
    const batches: string[][] = [];
    let running = 0;
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const warned: object[] = [];
    const handler = orderedBatchHandler(
      async (batch) => {
        running++;
        expect(running).toBe(1);
        batches.push(ids(batch));
        if (batches.length === 1) await gate;
        running--;
        if (batches.length === 2) throw new Error('this batch fails');
      },
      { warn: (o) => warned.push(o) },
      'testing',
    );
    // Delivered in one tick: one batch.
    handler.handle(msg(1));
    handler.handle(msg(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([['i1', 'i2']]);
    // Arriving while it runs: the next batch, after it.
    for (const n of [3, 4, 5]) handler.handle(msg(n));
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toHaveLength(1);
    release();
    await handler.drain();
    expect(batches).toEqual([['i1', 'i2'], ['i3', 'i4', 'i5']]);
    expect(warned).toHaveLength(1);
    // A failed batch does not stop the next; a quiet handler starts again on the next message.
    gate = Promise.resolve();
    handler.handle(msg(6));
    await handler.drain();
    expect(batches.at(-1)).toEqual(['i6']);
  });
});
