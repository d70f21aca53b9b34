import type { Db } from './sqlite';
import type { ClusterSweepStore, FollowedClusterSweep } from './types';

const COLUMNS = 'results, session_id AS sessionId, added_at AS addedAt, ended_at AS endedAt';

/** The results folders of the cluster sweeps the app follows, oldest first (see v7-cluster-sweeps.ts). */
export function createClusterSweepStore(db: Db, now: () => number): ClusterSweepStore {
  const add = db.prepare<[string, number, number]>(
    `INSERT INTO cluster_sweeps (results, session_id, added_at) VALUES (?, ?, ?)
     ON CONFLICT (results) DO UPDATE SET session_id = excluded.session_id, ended_at = NULL`,
  );
  const list = db.prepare<[], FollowedClusterSweep>(`SELECT ${COLUMNS} FROM cluster_sweeps ORDER BY added_at, results`);
  const get = db.prepare<[string], FollowedClusterSweep>(`SELECT ${COLUMNS} FROM cluster_sweeps WHERE results = ?`);
  const setEnded = db.prepare<[number | null, string]>(`UPDATE cluster_sweeps SET ended_at = ? WHERE results = ?`);
  const remove = db.prepare<[string]>(`DELETE FROM cluster_sweeps WHERE results = ?`);
  return {
    add(results, sessionId) {
      add.run(results, sessionId, now());
      return get.get(results)!;
    },
    list: () => list.all(),
    get: (results) => get.get(results),
    setEnded(results, ended) {
      return setEnded.run(ended ? now() : null, results).changes > 0;
    },
    remove: (results) => remove.run(results).changes > 0,
  };
}
