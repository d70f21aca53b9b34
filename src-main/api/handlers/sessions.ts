import type { ApiServices } from '../services';
import type { Handlers } from '../handler-types';
import { found } from './found';

type SessionHandlers = Pick<
  Handlers,
  'sessions.list' | 'sessions.create' | 'sessions.rename' | 'sessions.setNotes' | 'sessions.delete' | 'sessions.open'
>;

export function sessionHandlers({ store, bus, runs }: ApiServices): SessionHandlers {
  return {
    'sessions.list': (filter) => store.sessions.list(filter),
    'sessions.create': ({ name, notes }) => {
      const session = store.sessions.create({ name, notes: notes ?? '' });
      bus.publish({ type: 'session.changed', sessionId: session.id, change: 'created' });
      return session;
    },
    'sessions.rename': ({ id, name }) => {
      const session = found(store.sessions.rename(id, name), 'session', id);
      bus.publish({ type: 'session.changed', sessionId: id, change: 'updated' });
      return session;
    },
    'sessions.setNotes': ({ id, notes }) => {
      const session = found(store.sessions.setNotes(id, notes), 'session', id);
      bus.publish({ type: 'session.changed', sessionId: id, change: 'updated' });
      return session;
    },
    'sessions.delete': ({ id }) => {
      found(store.sessions.get(id), 'session', id);
      runs.discard(store.runs.list({ sessionId: id }).map((r) => r.id));
      store.sessions.delete(id);
      bus.publish({ type: 'session.changed', sessionId: id, change: 'deleted' });
      return { deleted: true as const };
    },
    'sessions.open': ({ id }) => ({
      session: found(store.sessions.get(id), 'session', id),
      experiments: store.experiments.list(id),
      runs: store.runs.list({ sessionId: id }),
    }),
  };
}
