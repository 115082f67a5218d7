/**
 * Users, for admins: GET/POST /api/v1/users, GET/PATCH /api/v1/users/:id (role, display
 * name, disabled). PUT /api/v1/users/:id/password: people change their own password
 * (with `currentPassword`), an admin sets anyone's. Nothing returns a password hash.
 * The rules (last admin, sessions ended, audit entries) are in engine/auth/user-service.ts.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { forbidden, unauthenticated } from '../engine/auth/http-auth.ts';
import { LoginThrottle } from '../engine/auth/login-throttle.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../engine/auth/password-hash.ts';
import { USER_ROLES, hasPermission } from '../engine/auth/roles.ts';
import { USERNAME_PATTERN } from '../engine/auth/user.ts';
import type { SessionsEndedMessage } from '../engine/bus/events.ts';
import { UserRepository } from '../engine/auth/user-repository.ts';
import { UserService } from '../engine/auth/user-service.ts';
import { AppError, badRequest, notFound } from '../engine/errors/app-error.ts';
import { stringEnum } from '../engine/http/string-enum.ts';
import { accessOf, requireActor, requirePermission } from './access-plugin.ts';
import { changeContext } from './audit.ts';
import { OffsetPageQuery, UuidParams } from './common-schemas.ts';

const Password = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH });
const DisplayName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

const CreateBody = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN, description: 'letters, digits and ._@-; stored lowercased' }),
    displayName: Type.Optional(DisplayName),
    role: stringEnum(USER_ROLES),
    password: Password,
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  {
    role: Type.Optional(stringEnum(USER_ROLES)),
    displayName: Type.Optional(DisplayName),
    disabled: Type.Optional(Type.Boolean({ description: 'true: cannot sign in, and their sessions end' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const PasswordBody = Type.Object(
  {
    password: Password,
    currentPassword: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH, description: 'required when changing your own password' })),
  },
  { additionalProperties: false },
);

export interface UserRoutesOptions {
  /** Shared with the login route: guessing a current password counts as failed logins. */
  throttle: LoginThrottle;
  /** Tells every web process a user's sessions ended, so their websockets close. */
  sessionsEnded: (message: SessionsEndedMessage) => Promise<void>;
}

export const userRoutes: FastifyPluginAsync<UserRoutesOptions> = async (app, { throttle, sessionsEnded }) => {
  const service = (request: FastifyRequest) => new UserService(accessOf(request).database.db);

  await app.register(async (admin) => {
    admin.addHook('onRequest', requirePermission('admin'));

    admin.get<{ Querystring: Static<typeof OffsetPageQuery> }>('/api/v1/users', { schema: { querystring: OffsetPageQuery } }, async (request) => {
      const { limit, offset } = request.query;
      const items = await new UserRepository(accessOf(request).database.db).list({ limit, offset });
      return { items, limit, offset };
    });

    admin.post<{ Body: Static<typeof CreateBody> }>('/api/v1/users', { schema: { body: CreateBody } }, async (request, reply) => {
      const user = await service(request).create(request.body, changeContext(request));
      return reply.code(201).send(user);
    });

    admin.get<{ Params: Static<typeof UuidParams> }>('/api/v1/users/:id', { schema: { params: UuidParams } }, async (request) => {
      const user = await new UserRepository(accessOf(request).database.db).get(request.params.id);
      if (!user) throw notFound(`user ${request.params.id}`);
      return user;
    });

    admin.patch<{ Params: Static<typeof UuidParams>; Body: Static<typeof PatchBody> }>(
      '/api/v1/users/:id',
      { schema: { params: UuidParams, body: PatchBody } },
      async (request) => {
        const user = await service(request).update(request.params.id, request.body, changeContext(request));
        if (user.disabledAt !== null) await sessionsEnded({ type: 'sessions.ended', reason: 'user disabled', userId: user.id });
        return user;
      },
    );
  });

  app.put<{ Params: Static<typeof UuidParams>; Body: Static<typeof PasswordBody> }>(
    '/api/v1/users/:id/password',
    { schema: { params: UuidParams, body: PasswordBody }, onRequest: requireActor() },
    async (request, reply) => {
      const actor = request.actor!;
      const self = actor.kind === 'user' && actor.id === request.params.id;
      if (actor.kind === 'anonymous') throw unauthenticated(reply, 'sign in to change a password');
      if (!self && !hasPermission(actor.role, 'admin')) throw forbidden('only an admin sets another user\'s password');
      const { password, currentPassword } = request.body;
      if (self && currentPassword === undefined) throw badRequest('changing your own password needs currentPassword', [{ field: 'body/currentPassword', message: 'is required' }]);

      const key = LoginThrottle.key(actor.name, request.ip);
      if (self) {
        const wait = throttle.retryAfterSeconds(key);
        if (wait > 0) throw new AppError({ code: 'too-many-failed-logins', status: 429, title: 'Too many failed logins', detail: `try again in ${wait} s`, retryAfterSeconds: wait });
      }
      try {
        await service(request).setPassword(request.params.id, password, changeContext(request), {
          ...(self ? { currentPassword } : {}),
          ...(actor.session ? { keepSessionId: actor.session.id } : {}),
        });
      } catch (err) {
        if (self && err instanceof AppError && err.code === 'wrong-current-password') throttle.fail(key);
        throw err;
      }
      await sessionsEnded({ type: 'sessions.ended', reason: 'password changed', userId: request.params.id, ...(actor.session ? { exceptSessionId: actor.session.id } : {}) });
      return reply.code(204).send();
    },
  );
};
