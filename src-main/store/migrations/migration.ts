import type { Db } from '../sqlite';

/** One step of the schema: `up` runs inside a transaction that also sets PRAGMA user_version = version. */
export interface Migration {
  version: number;
  description: string;
  up(db: Db): void;
}
