import type { ApiServices } from '../services';
import type { Handlers } from '../handler-types';
import { experimentHandlers } from './experiments';
import { runHandlers } from './runs';
import { sessionHandlers } from './sessions';

export function createHandlers(services: ApiServices): Handlers {
  return {
    'app.info': () => services.appInfo(),
    'datasets.list': () => services.datasets(),
    ...sessionHandlers(services),
    ...experimentHandlers(services),
    ...runHandlers(services),
    'events.subscribe': ({ filter }, connection) => ({ subscriptionId: connection.subscribe(filter ?? {}) }),
    'events.unsubscribe': ({ subscriptionId }, connection) => ({ removed: connection.unsubscribe(subscriptionId) }),
  };
}
