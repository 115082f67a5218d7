/**
 * Fans stream messages from the bus out to this process's websocket clients.
 * A client that connects with `since` first gets everything after that sequence number
 * from the durable log, then live messages, with nothing lost or doubled: live messages
 * that arrive during the replay wait in the client's queue and are sent only if newer
 * than the last one sent. A client that falls too far behind is closed (1013) and
 * resumes on reconnect, so one slow screen cannot grow this process's memory.
 *
 * Live messages are fanned out in sequence order with no holes: the bus is at-most-once
 * and two writers' messages can arrive in either order, so a message that skips numbers
 * first brings the skipped ones from the log (sequence order is commit order, see
 * StreamRepository: once N is committed every lower number is committed or gone), and a
 * message older than one already fanned out was delivered that way and is dropped.
 *
 * A socket opened with a login session is closed with 4401 when that session ends: at
 * once when a `sessions.ended` bus message names it (logout: `signed out`; user disabled:
 * `user disabled`; password changed elsewhere: `password changed`), and otherwise by a
 * sweep every `sessionCheckMs` that asks the store which sessions are still active (the bus
 * is at-most-once; a session ended by the CLI sends no message): `session ended`.
 */
import type { WebSocket } from 'ws';
import type { EventBus, Unsubscribe } from '../engine/bus/event-bus.ts';
import { type BusMessage, type LoggedMessage, STREAM_TOPIC } from '../engine/bus/events.ts';
import type { Database } from '../engine/db/database.ts';
import { SessionRepository } from '../engine/auth/session-repository.ts';
import { SESSION_TOPIC, type SessionsEndedMessage } from '../engine/bus/events.ts';
import { StreamRepository } from '../engine/stream/stream-repository.ts';

const REPLAY_PAGE = 500;
/** Bytes queued on a socket before the client counts as too slow. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_PENDING = 10_000;

/** Close code for a socket whose login session ended (as HTTP 401: sign in again). */
export const SESSION_ENDED_CLOSE = 4401;
const SESSION_CHECK_MS = 30_000;

/** The login session a socket was opened with. */
export interface SocketSession {
  id: string;
  userId: string | null;
}

interface Client {
  socket: WebSocket;
  session: SocketSession | undefined;
  lastSent: number;
  replaying: boolean;
  pending: LoggedMessage[];
}

interface Logger {
  warn(obj: object, msg: string): void;
}

export interface StreamHubOptions {
  /** How often sockets' sessions are checked against the store. */
  sessionCheckMs?: number;
}

export class StreamHub {
  private readonly clients = new Set<Client>();
  private unsubscribe: Unsubscribe | undefined;
  /** The highest sequence number fanned out to clients. */
  private fannedOut = 0;
  /** Live messages are handled one after another, in arrival order. */
  private chain: Promise<void> = Promise.resolve();
  private unsubscribeSessions: Unsubscribe | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly database: Database,
    private readonly log: Logger,
    private readonly opts: StreamHubOptions = {},
  ) {}

  async start(): Promise<void> {
    let ready!: () => void;
    this.chain = new Promise<void>((resolve) => (ready = resolve));
    this.unsubscribe = await this.bus.subscribe(STREAM_TOPIC, (m) => this.onMessage(m));
    this.unsubscribeSessions = await this.bus.subscribe(SESSION_TOPIC, (m) => this.onSessionsEnded(m as SessionsEndedMessage));
    this.sweepTimer = setInterval(() => void this.sweepSessions(), this.opts.sessionCheckMs ?? SESSION_CHECK_MS);
    this.sweepTimer.unref();
    // Subscribed first: whatever commits after this read arrives on the bus (or fills a gap).
    try {
      this.fannedOut = await new StreamRepository(this.database.db).lastSeq();
    } finally {
      ready();
    }
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async attach(socket: WebSocket, since: number | undefined, session?: SocketSession): Promise<void> {
    const stream = new StreamRepository(this.database.db);
    const client: Client = { socket, session, lastSent: 0, replaying: true, pending: [] };
    this.clients.add(client);
    socket.on('close', () => this.clients.delete(client));
    socket.on('error', () => this.clients.delete(client));
    try {
      const head = await stream.lastSeq();
      this.send(client, { type: 'hello', seq: head });
      const first = await stream.firstSeq();
      if (since === undefined) {
        client.lastSent = head;
      } else if (first !== null && since < first - 1) {
        // The log no longer reaches back that far: the client must reload its state.
        this.send(client, { type: 'reset', seq: head });
        client.lastSent = head;
      } else {
        client.lastSent = since;
        for (;;) {
          const page = await stream.since(client.lastSent, REPLAY_PAGE);
          for (const m of page) this.sendStream(client, m);
          if (page.length < REPLAY_PAGE) break;
        }
      }
      for (const m of client.pending.sort((a, b) => a.seq - b.seq)) this.sendStream(client, m);
      client.pending = [];
      client.replaying = false;
    } catch (err) {
      this.log.warn({ err }, 'stream replay failed; closing the client so it resumes');
      this.clients.delete(client);
      socket.close(1011, 'replay failed');
    }
  }

  private onSessionsEnded(m: SessionsEndedMessage): void {
    if (m.type !== 'sessions.ended') return;
    const ids = new Set(m.sessionIds ?? []);
    for (const client of this.clients) {
      const s = client.session;
      if (!s) continue;
      if (ids.has(s.id) || (m.userId !== undefined && s.userId === m.userId && s.id !== m.exceptSessionId)) this.endSession(client, m.reason);
    }
  }

  /** Closes the sockets whose session is no longer active in the store. */
  sweepSessions(): Promise<void> {
    // Cleared in a `.finally` callback, which always runs after this assignment (a `finally`
    // block inside a sweep that ends without awaiting would run before it, and stick).
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    try {
      const withSession = [...this.clients].filter((c) => c.session !== undefined);
      if (withSession.length === 0) return;
      const ids = [...new Set(withSession.map((c) => c.session!.id))];
      const active = new Set<string>();
      for (let i = 0; i < ids.length; i += 1000) for (const id of await new SessionRepository(this.database.db).activeIds(ids.slice(i, i + 1000))) active.add(id);
      for (const c of withSession) if (!active.has(c.session!.id)) this.endSession(c, 'session ended');
    } catch (err) {
      this.log.warn({ err }, 'could not check the stream sockets’ sessions; trying again later');
    }
  }

  private endSession(client: Client, reason: string): void {
    this.clients.delete(client);
    client.socket.close(SESSION_ENDED_CLOSE, reason);
  }

  private onMessage(m: BusMessage): void {
    if (typeof (m as LoggedMessage).seq !== 'number') return;
    const msg = m as LoggedMessage;
    this.chain = this.chain.then(() => this.inOrder(msg));
  }

  /** Fans out `msg` after any lower numbers it skipped, read from the log. */
  private async inOrder(msg: LoggedMessage): Promise<void> {
    if (msg.seq <= this.fannedOut) return;
    if (msg.seq > this.fannedOut + 1) {
      try {
        const stream = new StreamRepository(this.database.db);
        for (;;) {
          const page = await stream.since(this.fannedOut, REPLAY_PAGE, msg.seq - 1);
          for (const m of page) this.fanOut(m);
          if (page.length < REPLAY_PAGE) break;
        }
      } catch (err) {
        // Clients that missed something resume from their last seq when they reconnect.
        this.log.warn({ err, from: this.fannedOut, to: msg.seq }, 'could not read skipped stream messages from the log');
      }
    }
    this.fanOut(msg);
  }

  private fanOut(msg: LoggedMessage): void {
    if (msg.seq <= this.fannedOut) return;
    this.fannedOut = msg.seq;
    // Serialized (and UTF-8 encoded) once for every client: with a wall of screens this is
    // most of the hub's work.
    let text: Buffer | undefined;
    for (const client of this.clients) {
      if (client.replaying) {
        if (client.pending.length >= MAX_PENDING) this.drop(client);
        else client.pending.push(msg);
      } else {
        this.sendStream(client, msg, (text ??= Buffer.from(JSON.stringify(msg))));
      }
    }
  }

  private sendStream(client: Client, m: LoggedMessage, text?: Buffer): void {
    if (m.seq <= client.lastSent) return;
    client.lastSent = m.seq;
    this.send(client, m, text);
  }

  private send(client: Client, m: object, text?: Buffer): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    if (client.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.drop(client);
      return;
    }
    // A pre-encoded message goes out as a text frame, as the string would.
    if (text) client.socket.send(text, { binary: false });
    else client.socket.send(JSON.stringify(m));
  }

  private drop(client: Client): void {
    this.clients.delete(client);
    client.socket.close(1013, 'too slow; reconnect with since');
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.unsubscribeSessions?.();
    await this.sweeping;
    await this.unsubscribe?.();
    await this.chain.catch(() => undefined);
    for (const c of this.clients) c.socket.close(1001, 'server shutting down');
    this.clients.clear();
  }
}
