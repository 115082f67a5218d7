/** RoomWaiters on its own: order, the bound on waiting points, timeouts and closing. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomWaiters } from '../../engine/metrics/room-waiters.ts';

afterEach(() => {
  vi.useRealTimers();
});

function waiters(max = 10) {
  const state = { pending: 0 };
  const room = new RoomWaiters({ pending: () => state.pending, maxPending: max, refusal: (pending) => new Error(`full at ${pending}`) });
  return { room, state };
}

describe('RoomWaiters', () => {
  it('lets waiters go in order as room is made, never one that does not fit before it', async () => {
    const { room, state } = waiters();
    state.pending = 9;
    const order: string[] = [];
    const a = room.wait(5, 1_000).then(() => order.push('a'));
    const b = room.wait(1, 1_000).then(() => order.push('b'));
    room.wake();
    await Promise.resolve();
    expect(order).toEqual([]);
    state.pending = 4;
    room.wake();
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
  });

  it('counts the waiters it lets go in one wake against the room', async () => {
    const { room, state } = waiters();
    state.pending = 10;
    let released = 0;
    for (let i = 0; i < 4; i++) void room.wait(4, 1_000).then(() => released++, () => undefined);
    state.pending = 2;
    room.wake();
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(2);
    room.rejectAll(() => new Error('closed'));
  });

  it('refuses at once with no time to wait or when as many points wait as the buffer holds, and after maxWaitMs', async () => {
    vi.useFakeTimers();
    const { room, state } = waiters();
    state.pending = 10;
    await expect(room.wait(1, 0)).rejects.toThrow('full at 10');
    const waiting = room.wait(8, 500);
    await expect(room.wait(3, 500)).rejects.toThrow('full at 10');
    const late = expect(waiting).rejects.toThrow('full at 10');
    await vi.advanceTimersByTimeAsync(500);
    await late;
  });

  it('refuses every waiter on close', async () => {
    const { room, state } = waiters();
    state.pending = 10;
    const waiting = room.wait(1, 10_000);
    room.rejectAll(() => new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
  });
});
