import type { ApiServices } from '../services';
import type { Handlers } from '../handler-types';
import { clusterHandlers } from './cluster';
import { datasetHandlers } from './datasets';
import { estimateHandlers } from './estimate';
import { experimentHandlers } from './experiments';
import { exportHandlers } from './export';
import { figureHandlers } from './export-figures';
import { presetList } from './presets';
import { runHandlers } from './runs';
import { sessionHandlers } from './sessions';
import { sweepHandlers } from './sweeps';
import { templateHandlers } from './templates';

export function createHandlers(services: ApiServices): Handlers {
  return {
    'app.info': () => services.appInfo(),
    ...datasetHandlers(services),
    ...sessionHandlers(services),
    ...experimentHandlers(services),
    ...estimateHandlers(services),
    'presets.list': presetList,
    ...templateHandlers(services),
    ...runHandlers(services),
    ...exportHandlers(services),
    ...sweepHandlers(services),
    ...clusterHandlers(services),
    ...figureHandlers(services),
    'events.subscribe': ({ filter }, connection) => ({ subscriptionId: connection.subscribe(filter ?? {}) }),
    'events.unsubscribe': ({ subscriptionId }, connection) => ({ removed: connection.unsubscribe(subscriptionId) }),
  };
}
