import type { Handlers } from '../handler-types';
import type { ApiServices } from '../services';

type ClusterHandlers = Pick<
  Handlers,
  'cluster.plan' | 'cluster.submit' | 'cluster.follow' | 'cluster.list' | 'cluster.resubmit'
>;

/** The cluster methods: requests arrive validated by the contract (contract-cluster.ts); the work is ClusterSweeps'. */
export function clusterHandlers({ cluster }: ApiServices): ClusterHandlers {
  return {
    'cluster.plan': (request) => cluster.plan(request),
    'cluster.submit': (request) => cluster.submit(request),
    'cluster.follow': ({ results, sessionId }) => cluster.follow(results, sessionId),
    'cluster.list': () => cluster.list(),
    'cluster.resubmit': ({ results, tasks }) => cluster.resubmit(results, tasks),
  };
}
