import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A one-node SLURM cluster for tests, as DESIGN.md §8 describes: munged on its own socket, slurmctld and slurmd
 * with proctrack/linuxproc, task/none and select/cons_tres, state and logs in a temporary folder. Clients reach it
 * through SLURM_CONF in `env`. Started and stopped by the test; stop() ends exactly the daemons it started.
 */
export interface SlurmCluster {
  dir: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
  /** The daemons' logs, for a failure's message. */
  logs(): string;
}

const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'sinfo'];

/** Why the cluster cannot be started here (a missing binary), or null when it can. */
export function slurmMissing(): string | null {
  const missing = BINARIES.filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  return missing.length === 0
    ? null
    : `SLURM test skipped: ${missing.join(', ')} not installed (apt-get install slurm-wlm munge; .ci/run does)`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-slurm-'));
  for (const sub of ['state', 'spool', 'munge']) fs.mkdirSync(path.join(dir, sub), { mode: 0o700 });
  const key = path.join(dir, 'munge', 'key');
  fs.writeFileSync(key, crypto.randomBytes(1024), { mode: 0o600 });
  const socket = path.join(dir, 'munge', 'sock');
  const pidFiles = [path.join(dir, 'slurmd.pid'), path.join(dir, 'slurmctld.pid'), path.join(dir, 'munge', 'pid')];
  const [ctlPort, dPort] = [await freePort(), await freePort()];
  const user = os.userInfo().username;
  const host = os.hostname();
  const conf = path.join(dir, 'slurm.conf');
  fs.writeFileSync(
    conf,
    [
      'ClusterName=bltest',
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmUser=${user}`,
      `SlurmdUser=${user}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${pidFiles[1]}`,
      `SlurmdPidFile=${pidFiles[0]}`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      `SlurmctldPort=${ctlPort}`,
      `SlurmdPort=${dPort}`,
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'MpiDefault=none',
      'ReturnToService=2',
      // Ended jobs stay in squeue for the test to read their states.
      'MinJobAge=600',
      'KillWait=5',
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${os.availableParallelism()} State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  /** SIGTERM to each daemon it started (by the pid it wrote), then waits for them to exit before removing the folder. */
  const stop = async () => {
    const pids = pidFiles
      .map((file) => (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : NaN))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
    for (const pid of pids) signal(pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (pids.some((pid) => signal(pid, 0)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  const logs = () =>
    ['slurmctld.log', 'slurmd.log', 'munge/log']
      .map((f) => path.join(dir, f))
      .filter((f) => fs.existsSync(f))
      .map((f) => `--- ${f}\n${fs.readFileSync(f, 'utf8').split('\n').slice(-30).join('\n')}`)
      .join('\n');
  try {
    const daemon = (command: string, args: string[]) => {
      execFileSync(command, args, { env, stdio: 'pipe', timeout: 30_000 });
    };
    daemon('munged', [
      '--force',
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--log-file=${dir}/munge/log`,
      `--pid-file=${pidFiles[2]}`,
      `--seed-file=${dir}/munge/seed`,
    ]);
    daemon('slurmctld', ['-i']);
    daemon('slurmd', []);
    // The node reports to the controller within a second or two: wait until it can take jobs.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }).stdout.trim();
      if (state === 'idle') break;
      if (Date.now() > deadline) throw new Error(`the SLURM node did not come up (sinfo says "${state}")`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    const text = logs();
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${text}`, { cause: error });
  }
  return { dir, env, stop, logs };
}

/** Sends a signal; false when the process is gone (signal 0 only asks whether it is there). */
function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
