import type { ApiServices } from '../services';
import type { Handlers } from '../handler-types';
import { estimateHandlers } from './estimate';
import { experimentHandlers } from './experiments';
import { presetList } from './presets';
import { runHandlers } from './runs';
import { sessionHandlers } from './sessions';

export function createHandlers(services: ApiServices): Handlers {
  return {
    'app.info': () => services.appInfo(),
    'datasets.list': () => services.datasets(),
    ...sessionHandlers(services),
    ...experimentHandlers(services),
    ...estimateHandlers(services),
    'presets.list': presetList,
    ...runHandlers(services),
    'events.subscribe': ({ filter }, connection) => ({ subscriptionId: connection.subscribe(filter ?? {}) }),
    'events.unsubscribe': ({ subscriptionId }, connection) => ({ removed: connection.unsubscribe(subscriptionId) }),
  };
}
