/**
 * Serve mode: the API and the renderer over HTTP + WebSocket on 127.0.0.1, guarded by a per-start token.
 * Used by the browser tests, and by researchers who train on a workstation and watch from a laptop.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApiHost } from './api/host';
import { resolveDataDir } from './data-dir';
import { datasetHostOptions } from './serve/dataset-options';
import { startServer } from './serve/http-server';
import { newToken } from './serve/token';
import { nodeTrainingLauncher } from './runs/fork-launcher';
import { parseThreads } from './cli/threads-option';

const USAGE = `Usage: broadcast-lab serve [--port N] [--host 127.0.0.1] [--data DIR] [--token T] [--dataset-mirror URL]
                           [--threads N]

  --port   port to listen on (default 7357; 0 picks a free one)
  --host   loopback address to bind (127.0.0.1, ::1 or localhost; nothing else is accepted)
  --data   data folder (default: BROADCAST_LAB_DATA or the per-user data folder)
  --token  access token (default: a new random one each start)
  --dataset-mirror  base URL serving <dataset>/<file> for dataset downloads
           (default: BROADCAST_LAB_DATASET_MIRROR, else the datasets' own mirrors)
  --threads CPU threads per run for ONNX Runtime (default: the physical cores)`;

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '7357' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      token: { type: 'string' },
      'dataset-mirror': { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a whole number 0-65535, got ${values.port}`);

  const threads = parseThreads(values.threads);
  if (typeof threads === 'object') throw new Error(threads.problem);

  const host = createApiHost({
    mode: 'serve',
    threads,
    dataDir: resolveDataDir(values.data),
    launch: nodeTrainingLauncher(import.meta.url),
    ...datasetHostOptions(values['dataset-mirror'], process.env),
  });
  for (const runId of host.store.interruptedAtOpen)
    console.warn(`run ${runId} was interrupted by the last shutdown; its data is kept`);
  // The host holds the data folder's lock: a server that cannot listen must let it go.
  const server = await startServer({
    host: values.host,
    port,
    token: values.token ?? newToken(),
    staticDir: rendererDir(),
    dispatcher: host.dispatcher,
    bus: host.bus,
    download: host.download,
  }).catch(async (error: unknown) => {
    await host.close();
    throw error;
  });
  console.log(`Broadcast Lab serving at ${server.url}`);
  console.log(`data: ${host.store.path}`);

  const shutdown = () => {
    void server
      .close()
      .then(() => host.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/** The built renderer sits beside this file's bundle: out/main/server.js → out/renderer. */
function rendererDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'renderer');
}

const invokedDirectly =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  serve(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`broadcast-lab serve: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
