/**
 * `broadcast-lab` on the terminal: the same API handlers as the app, without a window.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BackendChoice } from '../shared/api/contract';
import { createApiHost, type ApiHost } from './api/host';
import { apiClient } from './cli/caller';
import { consoleOutput, table, type Output } from './cli/output';
import { runCommand } from './cli/run-command';
import { EXPORT_USAGE, exportCommand, exportRequest } from './cli/export-command';
import { verifyCommand } from './cli/verify-command';
import { replayCommand } from './cli/replay-command';
import { listCommand, resumeCommand, showCommand } from './cli/run-list';
import { datasetsDownloadCommand, datasetsListCommand } from './cli/datasets-command';
import { datasetHostOptions } from './serve/dataset-options';
import { resolveDataDir } from './data-dir';
import { nodeTrainingLauncher } from './runs/fork-launcher';
import type { TrainingProcessLauncher } from './runs/training-channel';
import { serve } from './server';
import { parseThreads } from './cli/threads-option';
import { SWEEP_COMMANDS, SWEEP_USAGE, sweepCli } from './cli/sweep-cli';
import pkg from '../package.json';

const USAGE = `broadcast-lab ${pkg.version} — a laboratory for biologically plausible learning

Usage:
  broadcast-lab run SPEC.json [--session NAME] [--backend B] [--threads N]   train an experiment file (see assets/examples)
  broadcast-lab list [--session ID]       stored runs and their results (read-only)
  broadcast-lab show RUN                  a run's settings, final metrics, checkpoints and event log (read-only)
  broadcast-lab resume RUN                continue an interrupted or stopped run from its checkpoint
  broadcast-lab info                      versions, data folder, compute backends
  broadcast-lab sessions list             stored sessions
  broadcast-lab sessions create NAME      a new session
  broadcast-lab datasets list             the datasets: which are here, where, and which can be downloaded
  broadcast-lab datasets download NAME    fetch a dataset (mnist, fashion-mnist, cifar-10, cifar-100), checksums verified
                                          [--dataset-mirror URL]
  broadcast-lab serve [--port N]          the app in a browser, on 127.0.0.1 (see serve --help)
${SWEEP_USAGE}
  ${EXPORT_USAGE.replaceAll('\n', '\n  ')}

Options:
  --data DIR      data folder (default: BROADCAST_LAB_DATA or the per-user data folder)
  --backend B     auto (default: CUDA if installed, else onnx-cpu), onnx-cpu, onnx-cuda, onnx-webgpu, onnx-dml,
                  onnx-coreml, or the eager TF.js reference: webgpu, tensorflow, wasm, cpu
  --threads N     CPU threads per run for ONNX Runtime (default: the physical cores)
  --json          print machine-readable JSON
  -h, --help      this text
  -v, --version`;

export interface CliContext {
  io?: Output;
  /** How training processes start; the default forks the built (or, from sources, tsx-run) entry. */
  launch?: TrainingProcessLauncher;
}

/** Runs one CLI command and returns the exit code (0 success, 1 failure, 2 usage error). */
export async function runCli(argv: string[], context: CliContext = {}): Promise<number> {
  const io = context.io ?? consoleOutput;
  if (argv[0] !== undefined && SWEEP_COMMANDS.has(argv[0])) {
    const launch = context.launch ?? nodeTrainingLauncher(import.meta.url);
    return sweepCli(argv, { io, launch, resolveDataDir, usage: USAGE });
  }
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
        session: { type: 'string' },
        backend: { type: 'string' },
        threads: { type: 'string' },
        'dataset-mirror': { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        metric: { type: 'string', multiple: true },
        split: { type: 'string' },
        error: { type: 'string' },
        table: { type: 'string' },
        'bold-best': { type: 'boolean', default: false },
        siunitx: { type: 'boolean', default: false },
        figure: { type: 'string' },
        column: { type: 'string' },
        dpi: { type: 'string' },
        run: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (error) {
    io.err(`broadcast-lab: ${message(error)}\n\n${USAGE}`);
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
  if (command === 'verify') {
    if (!sub) {
      io.err(`broadcast-lab: verify needs a bundle: broadcast-lab verify BUNDLE.zip\n\n${USAGE}`);
      return 2;
    }
    return verifyCommand(io, sub, values.json).catch((error: unknown) => {
      io.err(`broadcast-lab: ${message(error)}`);
      return 1;
    });
  }
  if (command === 'replay') {
    const runId = values.run === undefined ? undefined : Number(values.run);
    if (!sub || (runId !== undefined && !(Number.isInteger(runId) && runId > 0))) {
      io.err(
        `broadcast-lab: replay needs a bundle and, with --run, a run id: broadcast-lab replay BUNDLE.zip [--run ID]`,
      );
      return 2;
    }
    const launch = context.launch ?? nodeTrainingLauncher(import.meta.url);
    return replayCommand(io, {
      bundle: sub,
      runId,
      dataDir: resolveDataDir(values.data),
      launch,
      json: values.json,
    }).catch((error: unknown) => {
      io.err(`broadcast-lab: ${message(error)}`);
      return 1;
    });
  }
  const exporting =
    command === 'export'
      ? exportRequest({ target: sub, ids: rest[0], ...values, boldBest: values['bold-best'] })
      : null;
  if (typeof exporting === 'string') {
    io.err(`broadcast-lab: ${exporting}\n\n${EXPORT_USAGE}`);
    return 2;
  }
  const threads = parseThreads(values.threads);
  const usage = typeof threads === 'object' ? threads.problem : usageProblem(command, sub, rest, values.backend);
  if (usage || typeof threads === 'object') {
    io.err(`broadcast-lab: ${usage}\n\n${USAGE}`);
    return 2;
  }

  let host: ApiHost;
  try {
    host = createApiHost({
      mode: 'cli',
      access: readsOnly(command, sub) ? 'read' : 'write',
      dataDir: resolveDataDir(values.data),
      launch: context.launch ?? nodeTrainingLauncher(import.meta.url),
      threads,
      // Only `datasets` downloads: a bad mirror setting must not stop every other command.
      ...(command === 'datasets' ? datasetHostOptions(values['dataset-mirror'], process.env) : {}),
    });
  } catch (error) {
    io.err(`broadcast-lab: ${message(error)}`);
    return 1;
  }
  const client = apiClient(host);
  const print = (value: unknown, human: () => string) => io.out(values.json ? JSON.stringify(value, null, 2) : human());
  try {
    switch (command) {
      case 'run':
        return await runCommand(host, client, io, {
          specPath: sub!,
          session: values.session,
          backend: values.backend as BackendChoice | undefined,
          json: values.json,
        });
      case 'list':
        return await listCommand(client, io, values.json, values.session ? Number(values.session) : undefined);
      case 'show':
        return await showCommand(client, io, values.json, Number(sub));
      case 'resume':
        return await resumeCommand(host, client, io, Number(sub));
      case 'export':
        return await exportCommand(client, io, exporting!, values.json);
      case 'datasets':
        return await (sub === 'download'
          ? datasetsDownloadCommand(client, io, rest[0]!, values.json)
          : datasetsListCommand(client, io, values.json));
      case 'info': {
        const info = await client.call('app.info', {});
        print(info, () =>
          [
            `${info.name} ${info.version}`,
            `data:     ${info.databasePath} (schema v${info.schemaVersion})`,
            `runtime:  ${Object.entries(info.versions)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
            'backends:',
            table(info.backends.map((b) => [`  ${b.name}`, b.available ? 'available' : 'unavailable', b.detail])),
          ].join('\n'),
        );
        return 0;
      }
      default: {
        if (sub === 'list') {
          const sessions = await client.call('sessions.list', {});
          print(sessions, () =>
            sessions.length === 0
              ? 'No sessions yet. Create one: broadcast-lab sessions create NAME'
              : sessions
                  .map(
                    (s) =>
                      `${String(s.id).padStart(5)}  ${s.name}  (${s.experimentCount} experiments, ${s.runCount} runs)`,
                  )
                  .join('\n'),
          );
        } else {
          const session = await client.call('sessions.create', { name: rest.join(' ') });
          print(session, () => `created session ${session.id}: ${session.name}`);
        }
        return 0;
      }
    }
  } catch (error) {
    io.err(`broadcast-lab: ${message(error)}`);
    return 1;
  } finally {
    client.close();
    await host.close();
  }
}

/**
 * Commands that only read open the database read-only, beside a server or app that may be training into the same
 * data folder: they take no lock and never change a run (no crash recovery, no schema upgrade).
 */
function readsOnly(command: string, sub: string | undefined): boolean {
  return command === 'list' || command === 'show' || command === 'export' || (command === 'sessions' && sub === 'list');
}

function usageProblem(
  command: string,
  sub: string | undefined,
  rest: string[],
  backend: string | undefined,
): string | null {
  if (backend !== undefined && !BackendChoice.safeParse(backend).success) {
    return `--backend must be one of ${BackendChoice.options.join(', ')}, got "${backend}"`;
  }
  switch (command) {
    case 'info':
    case 'list':
    case 'export':
      return null;
    case 'run':
      return sub ? null : 'run needs an experiment file: broadcast-lab run SPEC.json';
    case 'show':
    case 'resume':
      return sub && /^\d+$/.test(sub) ? null : `${command} needs a run id (see broadcast-lab list)`;
    case 'datasets':
      if (sub === 'list') return null;
      if (sub === 'download') return rest.length === 1 ? null : 'datasets download needs one dataset NAME';
      return `unknown command "datasets ${sub ?? ''}"`;
    case 'sessions':
      if (sub === 'list') return null;
      if (sub === 'create') return rest.length > 0 ? null : 'sessions create needs a NAME';
      return `unknown command "sessions ${sub ?? ''}"`;
    default:
      return `unknown command "${[command, sub, ...rest].filter(Boolean).join(' ')}"`;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const invokedDirectly =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`broadcast-lab: ${message(error)}`);
      process.exitCode = 1;
    },
  );
}
