// Opens a store in a separate process and prints the outcome as one JSON line. The read-only test runs it
// as another user (uid 65534), because root, which CI runs as, may write to any file regardless of its mode.
import { openStore } from '../../src-main/store';
import { StoreError } from '../../src-main/store/types';

const file = process.argv[2];
if (!file) throw new Error('usage: store-open-child.ts FILE');
try {
  openStore({ path: file, busyTimeoutMs: 200 }).close();
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(
    JSON.stringify(
      error instanceof StoreError
        ? { ok: false, kind: error.kind, path: error.path, message: error.message }
        : { ok: false, kind: 'unexpected', message: String(error) },
    ),
  );
}
