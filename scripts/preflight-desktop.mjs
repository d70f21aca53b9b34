#!/usr/bin/env node
// Run by `npm start` and `npm run dev` before anything else. Without it a missing Electron binary surfaces as
// electron-vite's bare "Error: Electron uninstall", and an old Node as a failure deep inside the native rebuild.
// It checks what the desktop app needs and, for each thing missing, says what it is and the command that fixes
// it; it exits non-zero so npm stops before `electron-builder install-app-deps` rebuilds SQLite for Electron.
// Plain JavaScript on purpose: it has to run (and explain itself) on a Node too old for the rest of the tooling.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// Electron 45's installer (@electron/get) and `electron-builder install-app-deps` (@electron/rebuild) require it.
const DESKTOP_NODE = [22, 12];
const INSTALL_ELECTRON = 'node node_modules/electron/install.js';

/** @param {string} version e.g. "20.19.1" */
function nodeIsRecentEnough(version) {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > DESKTOP_NODE[0] || (major === DESKTOP_NODE[0] && minor >= DESKTOP_NODE[1]);
}

/** What is wrong with the Electron binary, the way electron-vite looks for it; null when it is there. */
function electronProblem(projectDir) {
  // electron-vite runs ELECTRON_EXEC_PATH when it is set, and then never looks at the package.
  const override = process.env.ELECTRON_EXEC_PATH;
  if (override) {
    if (fs.existsSync(override)) return null;
    return { what: `ELECTRON_EXEC_PATH names ${override}, which does not exist.`, fix: 'unset or correct it' };
  }
  let electronDir;
  try {
    electronDir = path.dirname(createRequire(path.join(projectDir, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { what: 'The electron package is not installed (no node_modules/electron).', fix: 'npm install' };
  }
  const relative = (file) => path.relative(projectDir, file) || file;
  const wanted = JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8')).version;
  const pathFile = path.join(electronDir, 'path.txt');
  if (!fs.existsSync(pathFile)) {
    return {
      what:
        `The Electron binary is not installed (${relative(pathFile)} is missing): Electron ${wanted} fetches it ` +
        'with its install script or on first use, not during `npm install`.',
      fix: INSTALL_ELECTRON,
    };
  }
  const binary = path.join(electronDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  if (!fs.existsSync(binary)) {
    return { what: `The Electron binary ${relative(binary)} is missing.`, fix: INSTALL_ELECTRON };
  }
  const versionFile = path.join(electronDir, 'dist', 'version');
  const installed = fs.existsSync(versionFile) ? fs.readFileSync(versionFile, 'utf8').trim().replace(/^v/, '') : '';
  if (installed !== wanted) {
    return {
      what: `The Electron binary is ${installed || 'of an unknown version'}, but the project uses Electron ${wanted}.`,
      fix: INSTALL_ELECTRON,
    };
  }
  return null;
}

const problems = [];
const nodeVersion = process.versions.node;
if (!nodeIsRecentEnough(nodeVersion)) {
  problems.push({
    what:
      `Node ${nodeVersion} is too old for the desktop app: Electron's installer and native-module rebuild need ` +
      `Node ${DESKTOP_NODE.join('.')} or later. (Serve mode and the CLI run on Node 20.19+: \`npm run serve\`.)`,
    fix: `install Node ${DESKTOP_NODE.join('.')}+ (e.g. \`nvm install 22\`), then try again`,
  });
}
const electron = electronProblem(process.cwd());
if (electron) problems.push(electron);

if (problems.length > 0) {
  const lines = ['Broadcast Lab: the desktop app cannot start yet.'];
  for (const { what, fix } of problems) lines.push(`  - ${what}`, `    Fix: ${fix}`);
  console.error(lines.join('\n'));
  process.exit(1);
}
