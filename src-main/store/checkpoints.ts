import { isForeignKeyViolation, type Db } from './sqlite';
import type { Checkpoint, CheckpointInfo, CheckpointStore } from './types';

const INFO_COLUMNS = 'id, run_id AS runId, step, epoch, length(data) AS bytes, created_at AS createdAt';

/** Weights as blobs, one per (run, step): saving the same step again (a resumed run) replaces it. */
export function createCheckpointStore(db: Db, now: () => number): CheckpointStore {
  const save = db.prepare<[number, number, number, Buffer, number], CheckpointInfo>(
    `INSERT INTO checkpoints (run_id, step, epoch, data, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (run_id, step) DO UPDATE SET epoch = excluded.epoch, data = excluded.data, created_at = excluded.created_at
     RETURNING ${INFO_COLUMNS}`,
  );
  // length() of a blob column is read from the record header; listing does not load the weights.
  const list = db.prepare<[number], CheckpointInfo>(
    `SELECT ${INFO_COLUMNS} FROM checkpoints WHERE run_id = ? ORDER BY step`,
  );
  const latest = db.prepare<[number], CheckpointInfo & { data: Buffer }>(
    `SELECT ${INFO_COLUMNS}, data FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1`,
  );

  // The checkpoint whose step has the best validation value. Validation runs at the end of an epoch, after the
  // epoch's last step; a checkpoint at that step holds the weights it measured.
  const bestBy = (name: string, order: 'ASC' | 'DESC') =>
    db.prepare<[number], { id: number }>(
      `SELECT c.id FROM checkpoints c
       JOIN metric_series s ON s.run_id = c.run_id AND s.split = 'validation' AND s.name = '${name}'
       JOIN metric_points p ON p.series_id = s.id AND p.step = c.step
       WHERE c.run_id = ? ORDER BY p.value ${order}, c.step DESC LIMIT 1`,
    );
  const bestByAccuracy = bestBy('accuracy', 'DESC');
  const bestByLoss = bestBy('loss', 'ASC');
  const hasAccuracy = db.prepare<[number], { found: number }>(
    `SELECT 1 AS found FROM metric_series WHERE run_id = ? AND split = 'validation' AND name = 'accuracy'`,
  );
  const doomed = db.prepare<[number, number, number, number], { id: number; bytes: number }>(
    `SELECT id, length(data) AS bytes FROM checkpoints WHERE run_id = ? AND id IS NOT ? AND id NOT IN
       (SELECT id FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT ?)`,
  );
  const remove = db.prepare<[number]>(`DELETE FROM checkpoints WHERE id = ?`);
  const prune = db.transaction((runId: number, keepLast: number) => {
    const best = (hasAccuracy.get(runId) ? bestByAccuracy : bestByLoss).get(runId)?.id ?? null;
    let bytes = 0;
    const rows = doomed.all(runId, best ?? -1, runId, keepLast);
    for (const row of rows) {
      remove.run(row.id);
      bytes += row.bytes;
    }
    return { removed: rows.length, bytes };
  });

  return {
    prune(runId, keepLast) {
      if (!Number.isSafeInteger(keepLast) || keepLast < 1)
        throw new RangeError(`at least the latest checkpoint must be kept, got keepLast = ${keepLast}`);
      return prune.immediate(runId, keepLast);
    },
    save(runId, step, epoch, data) {
      if (!Number.isSafeInteger(step) || step < 0)
        throw new RangeError(`a checkpoint's step must be a non-negative integer, got ${step}`);
      // A view, not a copy: better-sqlite3 binds Buffers as blobs and copies them into SQLite itself.
      const blob = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      try {
        const info = save.get(runId, step, epoch, blob, now());
        if (!info) throw new Error('the checkpoint could not be read back');
        return info;
      } catch (error) {
        if (isForeignKeyViolation(error))
          throw new Error(`run ${runId} does not exist; its checkpoint cannot be stored`, { cause: error });
        throw error;
      }
    },
    list: (runId) => list.all(runId),
    latest(runId): Checkpoint | undefined {
      const row = latest.get(runId);
      if (!row) return undefined;
      const { data, ...info } = row;
      return { ...info, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    },
  };
}
