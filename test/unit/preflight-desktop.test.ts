import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/* scripts/preflight-desktop.mjs runs first in `npm start` and `npm run dev`. It is run here as npm runs it: a Node
   child process in the project folder, on this Node. The folders under a temporary directory are real projects
   with a real node_modules/electron layout, each missing one thing. */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'preflight-desktop.mjs');
const ELECTRON_VERSION = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const INSTALL_ELECTRON = 'Fix: node node_modules/electron/install.js';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const nodeIsRecentEnough = major > 22 || (major === 22 && minor >= 12);

function preflight(cwd: string, env: Record<string, string> = {}) {
  const { ELECTRON_EXEC_PATH: _ignored, ...inherited } = process.env;
  const run = spawnSync(process.execPath, [SCRIPT], { cwd, env: { ...inherited, ...env }, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The Node line is there exactly when this Node is older than 22.12. */
function expectNodeVerdict(stderr: string) {
  if (nodeIsRecentEnough) expect(stderr).not.toMatch(/Node \S+ is too old/);
  else {
    expect(stderr).toContain(`Node ${process.versions.node} is too old for the desktop app`);
    expect(stderr).toContain('need Node 22.12 or later');
    expect(stderr).toContain('Fix: install Node 22.12+');
    expect(stderr).toContain('`npm run serve`');
  }
}

const projects: string[] = [];
afterEach(() => {
  for (const dir of projects.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A project folder with node_modules/electron holding the given files (paths relative to the package). */
function project(electronFiles: Record<string, string> | null) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-preflight-'));
  projects.push(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"p","private":true}');
  if (electronFiles) {
    const electron = path.join(dir, 'node_modules', 'electron');
    const files = { 'package.json': JSON.stringify({ name: 'electron', version: ELECTRON_VERSION }), ...electronFiles };
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(electron, file)), { recursive: true });
      fs.writeFileSync(path.join(electron, file), content);
    }
  }
  return dir;
}

describe('desktop preflight (npm start, npm run dev)', () => {
  it('in this checkout, where the Electron binary was never fetched, says so and names the command that fetches it', () => {
    const binaryHere = fs.existsSync(path.join(ROOT, 'node_modules', 'electron', 'path.txt'));
    const { status, stdout, stderr } = preflight(ROOT);
    expect(stdout).toBe('');
    expectNodeVerdict(stderr);
    if (binaryHere) {
      expect(stderr).not.toContain('Electron binary');
    } else {
      expect(status).toBe(1);
      expect(stderr).toMatch(/^Broadcast Lab: the desktop app cannot start yet\./);
      expect(stderr).toContain('The Electron binary is not installed (node_modules/electron/path.txt is missing)');
      expect(stderr).toContain(`Electron ${ELECTRON_VERSION} fetches it with its install script`);
      expect(stderr).toContain(INSTALL_ELECTRON);
      expect(stderr).not.toContain('Electron uninstall');
    }
  });

  it('without the electron package, names npm install', () => {
    const { status, stderr } = preflight(project(null));
    expect(status).toBe(1);
    expect(stderr).toContain('The electron package is not installed');
    expect(stderr).toContain('Fix: npm install');
    expectNodeVerdict(stderr);
  });

  it('with path.txt naming a binary that is not in dist/, names the binary and the install command', () => {
    const { status, stderr } = preflight(project({ 'path.txt': 'electron' }));
    expect(status).toBe(1);
    expect(stderr).toContain(
      `The Electron binary ${path.join('node_modules', 'electron', 'dist', 'electron')} is missing`,
    );
    expect(stderr).toContain(INSTALL_ELECTRON);
  });

  it('with a binary of another Electron version, names both versions and the install command', () => {
    const { status, stderr } = preflight(
      project({ 'path.txt': 'electron', 'dist/electron': '', 'dist/version': 'v44.0.0' }),
    );
    expect(status).toBe(1);
    expect(stderr).toContain(`The Electron binary is 44.0.0, but the project uses Electron ${ELECTRON_VERSION}`);
    expect(stderr).toContain(INSTALL_ELECTRON);
  });

  it('with the binary in place, has nothing to say about Electron, and passes on Node 22.12+', () => {
    const { status, stdout, stderr } = preflight(
      project({ 'path.txt': 'electron', 'dist/electron': '', 'dist/version': `v${ELECTRON_VERSION}` }),
    );
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(/Electron binary|electron package|ELECTRON_EXEC_PATH/);
    expectNodeVerdict(stderr);
    expect(status).toBe(nodeIsRecentEnough ? 0 : 1);
    if (nodeIsRecentEnough) expect(stderr).toBe('');
  });

  it('follows ELECTRON_EXEC_PATH as electron-vite does', () => {
    const dir = project(null);
    const missing = path.join(dir, 'no-such-electron');
    const broken = preflight(dir, { ELECTRON_EXEC_PATH: missing });
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(`ELECTRON_EXEC_PATH names ${missing}, which does not exist`);
    expect(broken.stderr).not.toContain('electron package');

    const binary = path.join(dir, 'electron-binary');
    fs.writeFileSync(binary, '');
    const found = preflight(dir, { ELECTRON_EXEC_PATH: binary });
    expect(found.stderr).not.toMatch(/ELECTRON_EXEC_PATH|electron package|Electron binary/);
    expect(found.status).toBe(nodeIsRecentEnough ? 0 : 1);
  });
});
