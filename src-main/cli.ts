/**
 * `broadcast-lab` on the terminal: the same API handlers as the app, without a window.
 * It grows with the engine (run, list, show); this version manages sessions and starts serve mode.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { MethodName, RequestOf, ResponseOf } from '../shared/api/contract';
import { ApiError } from '../shared/api/errors';
import { Connection } from './api/connection';
import { createApiHost, type ApiHost } from './api/host';
import { resolveDataDir } from './data-dir';
import { serve } from './server';
import pkg from '../package.json';

const USAGE = `broadcast-lab ${pkg.version} — a laboratory for biologically plausible learning

Usage:
  broadcast-lab info                      versions, data folder, compute backends
  broadcast-lab sessions list             stored sessions
  broadcast-lab sessions create NAME      a new session
  broadcast-lab serve [--port N]          the app in a browser, on 127.0.0.1 (see serve --help)

Options:
  --data DIR   data folder (default: BROADCAST_LAB_DATA or the per-user data folder)
  --json       print machine-readable JSON
  -h, --help   this text
  -v, --version`;

interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleOutput: Output = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** Runs one CLI command and returns the exit code (0 success, 1 failure, 2 usage error). */
export async function runCli(argv: string[], io: Output = consoleOutput): Promise<number> {
  if (argv[0] === 'serve') {
    await serve(argv.slice(1));
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (error) {
    io.err(`broadcast-lab: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.out(pkg.version);
    return 0;
  }
  const [command, sub, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    io.out(USAGE);
    return 0;
  }
  const known = command === 'info' || (command === 'sessions' && (sub === 'list' || sub === 'create'));
  if (!known) {
    io.err(`broadcast-lab: unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
    return 2;
  }
  if (command === 'sessions' && sub === 'create' && rest.length === 0) {
    io.err('broadcast-lab: sessions create needs a NAME');
    return 2;
  }

  let host: ApiHost;
  try {
    host = createApiHost({ mode: 'cli', dataDir: resolveDataDir(values.data) });
  } catch (error) {
    io.err(`broadcast-lab: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    const call = callerFor(host);
    const print = (value: unknown, human: () => string) =>
      io.out(values.json ? JSON.stringify(value, null, 2) : human());
    if (command === 'info') {
      const info = await call('app.info', {});
      print(info, () =>
        [
          `${info.name} ${info.version}`,
          `data:     ${info.databasePath} (schema v${info.schemaVersion})`,
          `runtime:  ${Object.entries(info.versions)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
          'backends: ' + info.backends.map((b) => `${b.name} (${b.available ? 'available' : b.detail})`).join('; '),
        ].join('\n'),
      );
    } else if (sub === 'list') {
      const sessions = await call('sessions.list', {});
      print(sessions, () =>
        sessions.length === 0
          ? 'No sessions yet. Create one: broadcast-lab sessions create NAME'
          : sessions
              .map(
                (s) => `${String(s.id).padStart(5)}  ${s.name}  (${s.experimentCount} experiments, ${s.runCount} runs)`,
              )
              .join('\n'),
      );
    } else {
      const session = await call('sessions.create', { name: rest.join(' ') });
      print(session, () => `created session ${session.id}: ${session.name}`);
    }
    return 0;
  } catch (error) {
    io.err(`broadcast-lab: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    host.close();
  }
}

function callerFor(host: ApiHost) {
  const connection = new Connection(host.bus, () => undefined);
  return async <M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> => {
    const outcome = await host.dispatcher.invoke(method, request, connection);
    if (!outcome.ok) throw ApiError.fromBody(outcome.error);
    // The dispatcher ran this method's handler, whose return type is ResponseOf<M>.
    return outcome.result as ResponseOf<M>;
  };
}

const invokedDirectly =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`broadcast-lab: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
